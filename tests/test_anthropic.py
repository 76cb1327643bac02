"""Anthropic Messages end to end: ChatAnthropic and the raw anthropic client, recorded from the local server.

The fixtures were recorded by these tests from the embedded llama.cpp server, which answers
``POST /v1/messages`` for the unmodified apps in ``examples/claude.py`` (pointed at
api.anthropic.com): ``pytest --record --llm-server=local tests/test_anthropic.py``.
Plain ``pytest`` replays them offline.
"""

from __future__ import annotations

import json
from typing import Any

import anthropic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_anthropic import ChatAnthropic
from langchain_core.tools import tool

from examples.claude import custom_graph, custom_graph_sync, messages_graph, messages_graph_sync
from streamtest import Cassette, StreamAssertionError, Transcript, capture, play, use_cassette
from streamtest._cassette.format import load_path
from streamtest._wire.anthropic import ANTHROPIC
from streamtest._wire.base import Usage
from streamtest.strategies import GeneratedStream, anthropic_streams, sse_variations, tool_calls

TOPIC = {"topic": "cats"}


def _tag(interaction: Any) -> str:
    return "poem" if "poem" in interaction.prompt else "joke"


def _tokens_by_tag(cassette: Cassette) -> dict[str, list[str]]:
    """The provider's tokens per call, keyed by the tag of the model that made it (from the prompt)."""
    return {_tag(interaction): interaction.tokens for interaction in cassette.interactions}


# ----------------------------------------------------------------------------- recorded fixtures


@pytest.mark.streamtest(cassette="anthropic_messages")
def test_chat_anthropic_messages_mode_sync(cassette: Cassette) -> None:
    seen: dict[str, list[str]] = {"joke": [], "poem": []}
    final: dict[str, Any] = {}
    for mode, payload in messages_graph_sync.stream(TOPIC, stream_mode=["messages", "values"]):
        if mode == "values":
            final = payload
            continue
        message, metadata = payload
        if message.text:
            (tag,) = metadata["tags"]
            seen[tag].append(message.text)
            assert metadata["ls_provider"] == "anthropic" and metadata["langgraph_node"] == "call_model"
    # The Done-when case: what the graph streamed under each model's tag is what the provider sent.
    assert seen == _tokens_by_tag(cassette)
    assert all(seen.values())
    assert "".join(seen["joke"]) == final["joke"] and "".join(seen["poem"]) == final["poem"]
    for interaction in cassette.interactions:
        assert interaction.wire is ANTHROPIC
        assert interaction.uri == "https://api.anthropic.com/v1/messages"
        assert interaction.model == "claude-haiku-4-5"
        assert interaction.finish_reason in ("end_turn", "max_tokens")
        # Input from message_start, output from message_delta: every text delta is at least one token.
        assert interaction.usage is not None and interaction.usage.prompt_tokens > 0
        assert interaction.usage.completion_tokens >= len(interaction.tokens)


@pytest.mark.streamtest(cassette="anthropic_messages")
@pytest.mark.asyncio
async def test_chat_anthropic_messages_mode_async(cassette: Cassette) -> None:
    seen: dict[str, list[str]] = {"joke": [], "poem": []}
    async for message, metadata in messages_graph.astream(TOPIC, stream_mode="messages"):
        if message.text:
            seen[metadata["tags"][0]].append(message.text)
    assert seen == _tokens_by_tag(cassette)


@pytest.mark.streamtest(cassette="anthropic_custom")
def test_raw_anthropic_client_custom_mode_sync(cassette: Cassette) -> None:
    seen: dict[str, list[str]] = {"joke": [], "poem": []}
    for chunk, metadata in custom_graph_sync.stream(TOPIC, stream_mode="custom"):
        seen[metadata["tags"][0]].append(chunk["content"])
    assert seen == _tokens_by_tag(cassette)
    assert all(seen.values())


@pytest.mark.streamtest(cassette="anthropic_custom")
@pytest.mark.asyncio
async def test_raw_async_anthropic_client_custom_mode(cassette: Cassette) -> None:
    seen: dict[str, list[str]] = {"joke": [], "poem": []}
    async for chunk, metadata in custom_graph.astream(TOPIC, stream_mode="custom"):
        seen[metadata["tags"][0]].append(chunk["content"])
    assert seen == _tokens_by_tag(cassette)


@pytest.mark.streamtest(cassette="anthropic_messages")
def test_capture_tags_metadata_and_conservation(cassette: Cassette) -> None:
    t = capture(messages_graph_sync, TOPIC)
    by_tag = _tokens_by_tag(cassette)
    t.assert_tokens(by_tag["joke"], tag="joke")
    t.assert_tokens(by_tag["poem"], tag="poem")
    t.assert_tags_exclusive("joke", "poem")
    t.assert_metadata(ls_provider="anthropic", ls_model_name="claude-haiku-4-5", langgraph_node="call_model")
    # usage=False: see test_usage_conservation_reports_what_chat_anthropic_drops.
    t.assert_conserves(cassette.interactions, tags=lambda interaction: [_tag(interaction)], usage=False)


@pytest.mark.streamtest(cassette="anthropic_messages")
def test_usage_conservation_reports_what_chat_anthropic_drops(cassette: Cassette) -> None:
    """llama.cpp's message_delta carries only output_tokens; ChatAnthropic reads usage from
    message_delta alone, so its usage_metadata says 0 input tokens where message_start said
    more. The wire reading keeps both; the usage check reports the loss (Anthropic's own API
    repeats the input counts in message_delta, so its recordings pass)."""
    t = capture(messages_graph_sync, TOPIC)
    wire = cassette.interactions[0].usage
    assert wire is not None and wire.prompt_tokens > 0
    lost = rf"usage_metadata Usage\(0\+{wire.completion_tokens}\) differs from the wire's usage Usage\({wire.prompt_tokens}\+{wire.completion_tokens}\)"
    with pytest.raises(StreamAssertionError, match=lost):
        t.assert_conserves(cassette.interactions)
    assert all(i.usage is not None and i.usage.prompt_tokens > 0 for i in cassette.interactions)


@pytest.mark.streamtest(cassette="anthropic_messages")
def test_a_dropped_token_fails_conservation(cassette: Cassette) -> None:
    items = list(messages_graph_sync.stream(TOPIC, stream_mode="messages"))
    poem = [i for i, (message, metadata) in enumerate(items) if message.text and metadata["tags"] == ["poem"]]
    del items[poem[2]]  # the UI never got the poem's third token
    broken = Transcript.from_stream(items, stream_mode="messages")
    with pytest.raises(StreamAssertionError) as caught:
        broken.assert_conserves(cassette.interactions)
    assert str(caught.value).startswith(
        "interaction 2 of 2 (model 'claude-haiku-4-5', prompt 'Write a short poem about cats') did not reach the stream intact"
    )
    assert "first difference at token 3" in str(caught.value)


@pytest.mark.streamtest(cassette="anthropic_custom")
def test_custom_mode_capture_conserves(cassette: Cassette) -> None:
    t = capture(custom_graph_sync, TOPIC, stream_mode="custom")
    t.assert_conserves(cassette.interactions, tags=lambda interaction: [_tag(interaction)])


def test_fixture_bytes_replay_one_event_per_chunk_through_the_sdk() -> None:
    """Each chunk the anthropic SDK's transport hands on is one recorded event, byte for byte."""
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "fixtures" / "anthropic_custom.yaml"
    _, responses = load_path(path)
    client = anthropic.Anthropic(api_key="not-a-key", max_retries=0)
    with play(responses[0]):
        with client.messages.with_streaming_response.create(
            model="claude-haiku-4-5", max_tokens=24, messages=[{"role": "user", "content": "hi"}], stream=True
        ) as response:
            served = list(response.iter_bytes())
    assert served == responses[0]["chunks"]


# ----------------------------------------------------------------------------- record and replay, real server


def test_record_and_replay_through_the_sdk_and_chat_anthropic(llm_server: str, tmp_path: Any) -> None:
    """Recorded live from the llama.cpp server's /v1/messages, replayed for api.anthropic.com."""
    path = tmp_path / "anthropic.yaml"

    def model(base: str) -> ChatAnthropic:
        return ChatAnthropic(
            model="m", base_url=base, api_key="not-a-real-key", max_tokens=8, temperature=0, max_retries=0
        )  # type: ignore[call-arg]

    prompt = [{"role": "user", "content": "Say hi"}]
    with use_cassette(path, record="all"):
        recorded = [str(chunk.text) for chunk in model(llm_server).stream(prompt)]
        raw = anthropic.Anthropic(base_url=llm_server, api_key="not-a-real-key", max_retries=0)
        with raw.messages.stream(model="m", max_tokens=8, messages=prompt) as stream:  # type: ignore[arg-type]
            sdk_recorded = list(stream.text_stream)
    with use_cassette(path) as cassette:
        replayed = [str(chunk.text) for chunk in model("https://api.anthropic.com").stream(prompt)]
        raw = anthropic.Anthropic(api_key="not-a-real-key", max_retries=0)
        with raw.messages.stream(model="m", max_tokens=8, messages=prompt) as stream:  # type: ignore[arg-type]
            sdk_replayed = list(stream.text_stream)
    assert replayed == recorded and sdk_replayed == sdk_recorded
    first, second = cassette.interactions
    assert [t for t in recorded if t] == first.tokens and sdk_recorded == second.tokens
    assert first.framing == "sse" and len(first.chunks) == len(first.frames)


# ----------------------------------------------------------------------------- hand-built and generated streams


def _event(payload: dict[str, Any]) -> bytes:
    return f"event: {payload['type']}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()


def _delta(index: int, **delta: str) -> bytes:
    return _event({"type": "content_block_delta", "index": index, "delta": delta})


# Anthropic's documented shapes (the SDK's own fixtures): thinking, text, a tool_use block, ping.
THINKING_TOOL = [
    _event(
        {
            "type": "message_start",
            "message": {
                "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
                "type": "message",
                "role": "assistant",
                "model": "claude-sonnet-4-5",
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {
                    "input_tokens": 370,
                    "cache_creation_input_tokens": 0,
                    "cache_read_input_tokens": 7,
                    "output_tokens": 1,
                },
            },
        }
    ),
    _event(
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "thinking", "thinking": "", "signature": ""},
        }
    ),
    _event({"type": "ping"}),
    _delta(0, type="thinking_delta", thinking="The user wants"),
    _delta(0, type="thinking_delta", thinking=" the weather."),
    _delta(0, type="signature_delta", signature="EqQBCgIYAhIM1gbcDa9GJwZA2b3h"),
    _event({"type": "content_block_stop", "index": 0}),
    _event({"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}}),
    _delta(1, type="text_delta", text="I'll check"),
    _delta(1, type="text_delta", text=" the weather."),
    _event({"type": "content_block_stop", "index": 1}),
    _event(
        {
            "type": "content_block_start",
            "index": 2,
            "content_block": {
                "type": "tool_use",
                "id": "toolu_01NRLabsLyVHZPKxbKvkfSMn",
                "name": "get_weather",
                "input": {},
            },
        }
    ),
    *(_delta(2, type="input_json_delta", partial_json=piece) for piece in ("", '{"locati', 'on": "P', "aris", '"}')),
    _event({"type": "content_block_stop", "index": 2}),
    _event(
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"output_tokens": 65},
        }
    ),
    _event({"type": "message_stop"}),
]
OVERLOADED = [
    *THINKING_TOOL[:9],
    _event({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
]
PROMPT = [{"role": "user", "content": "What is the weather in Paris?"}]


@tool
def get_weather(location: str) -> str:
    """The weather at a location."""
    return "sunny"


def test_a_thinking_and_tool_use_stream_reads_like_the_sdk_and_chat_anthropic() -> None:
    client = anthropic.Anthropic(api_key="not-a-key", max_retries=0)
    with play(THINKING_TOOL) as cassette:
        events = list(client.messages.create(model="m", max_tokens=64, messages=PROMPT, stream=True))  # type: ignore[arg-type]
    (interaction,) = cassette.interactions
    sdk_text = [e.delta.text for e in events if e.type == "content_block_delta" and e.delta.type == "text_delta"]
    sdk_thinking = [
        e.delta.thinking for e in events if e.type == "content_block_delta" and e.delta.type == "thinking_delta"
    ]
    assert interaction.tokens == sdk_text == ["I'll check", " the weather."]
    assert interaction.reasoning == "".join(sdk_thinking) == "The user wants the weather."
    (call,) = interaction.tool_calls
    assert (call.id, call.name, call.args) == ("toolu_01NRLabsLyVHZPKxbKvkfSMn", "get_weather", {"location": "Paris"})
    assert call.deltas == ('{"locati', 'on": "P', "aris", '"}')
    assert interaction.usage == Usage(377, 65, 442, 7) and interaction.finish_reason == "tool_use"
    assert interaction.reading.extra["signatures"] == ("EqQBCgIYAhIM1gbcDa9GJwZA2b3h",)

    model = ChatAnthropic(model="m", api_key="not-a-key", max_retries=0).bind_tools([get_weather])  # type: ignore[call-arg]
    with play(THINKING_TOOL):
        chunks = list(model.stream(PROMPT))
    assert [str(c.text) for c in chunks if c.text] == interaction.tokens
    message = chunks[0]
    for chunk in chunks[1:]:
        message += chunk  # type: ignore[assignment]
    assert message.tool_calls == [
        {"name": "get_weather", "args": {"location": "Paris"}, "id": call.id, "type": "tool_call"}
    ]


def test_an_error_event_mid_stream_raises_as_recorded_and_is_read() -> None:
    client = anthropic.Anthropic(api_key="not-a-key", max_retries=0)
    received: list[str] = []
    with play(OVERLOADED) as cassette, pytest.raises(anthropic.APIStatusError) as caught:
        for event in client.messages.create(model="m", max_tokens=64, messages=PROMPT, stream=True):  # type: ignore[arg-type]
            if event.type == "content_block_delta" and event.delta.type == "text_delta":
                received.append(event.delta.text)
    assert caught.value.body == {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    (interaction,) = cassette.interactions
    assert received == interaction.tokens == ["I'll check"]
    assert interaction.errors == ("overloaded_error: Overloaded",)
    model = ChatAnthropic(model="m", api_key="not-a-key", max_retries=0)  # type: ignore[call-arg]
    with play(OVERLOADED), pytest.raises(anthropic.APIStatusError):
        list(model.stream(PROMPT))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sse_variations(
        anthropic_streams(tool_calls=st.lists(tool_calls(), max_size=2), reasoning=st.text(max_size=12)),
        network_splits=True,
    )
)
def test_generated_streams_are_read_alike_by_the_sdk_chat_anthropic_and_streamtest(stream: GeneratedStream) -> None:
    client = anthropic.Anthropic(api_key="not-a-key", max_retries=0)
    with play(stream) as cassette:
        events = list(client.messages.create(model="m", max_tokens=64, messages=PROMPT, stream=True))  # type: ignore[arg-type]
    text = [e.delta.text for e in events if e.type == "content_block_delta" and e.delta.type == "text_delta"]
    thinking = [
        e.delta.thinking for e in events if e.type == "content_block_delta" and e.delta.type == "thinking_delta"
    ]
    assert text == list(stream.deltas) and thinking == list(stream.reasoning)
    (interaction,) = cassette.interactions
    assert interaction.tokens == [d for d in stream.deltas if d]
    assert [(c.id, c.name, c.args) for c in interaction.tool_calls] == [
        (c.id, c.name, c.args) for c in stream.tool_calls
    ]
    assert interaction.usage == stream.usage

    model = ChatAnthropic(model="m", api_key="not-a-key", max_retries=0)  # type: ignore[call-arg]
    with play(stream):
        chunks = list(model.bind_tools([get_weather]).stream(PROMPT))
    assert [str(c.text) for c in chunks if c.text] == interaction.tokens
    message = chunks[0]
    for chunk in chunks[1:]:
        message += chunk  # type: ignore[assignment]
    assert [(c["id"], c["name"], c["args"]) for c in message.tool_calls] == [
        (c.id, c.name, c.args) for c in stream.tool_calls
    ]


# ----------------------------------------------------------------------------- the Done-when loop, as a user runs it

CLAUDE_APP = """
from typing import TypedDict

from langchain_anthropic import ChatAnthropic
from langgraph.graph import START, StateGraph

# Unmodified: pointed at api.anthropic.com, key read from ANTHROPIC_API_KEY at import time.
joke_model = ChatAnthropic(model="claude-haiku-4-5", tags=["joke"], max_tokens=12, temperature=0, max_retries=0)


class State(TypedDict):
    topic: str
    joke: str


def call_model(state: State) -> dict:
    return {"joke": joke_model.invoke([{"role": "user", "content": "Write a joke about " + state["topic"]}]).text}


graph = StateGraph(State).add_node(call_model).add_edge(START, "call_model").compile()
"""

CLAUDE_TEST = """
import pytest
from app import graph
from streamtest import StreamAssertionError, Transcript, capture


@pytest.mark.streamtest
def test_joke_streams_tokens(cassette):
    items = list(graph.stream({"topic": "cats"}, stream_mode="messages"))
    tokens = [msg.text for msg, meta in items if msg.text and "joke" in meta["tags"]]
    assert tokens == cassette.interactions[0].tokens and len(tokens) > 1
    # Tokens and tool calls; usage=False because llama.cpp's message_delta carries no input count.
    Transcript.from_stream(items, stream_mode="messages").assert_conserves(cassette.interactions, tags=[["joke"]], usage=False)
    dropped = [item for item in items if item[0].text != tokens[1]]
    with pytest.raises(StreamAssertionError, match="did not reach the stream intact"):
        Transcript.from_stream(dropped, stream_mode="messages").assert_conserves(cassette.interactions, usage=False)
"""


def test_an_unmodified_chat_anthropic_app_records_from_the_local_server_and_replays_offline(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    pytester.makepyfile(app=CLAUDE_APP, test_app=CLAUDE_TEST)
    pytester.syspathinsert()
    pytester.runpytest_subprocess("--record", "--llm-server=local").assert_outcomes(passed=1)
    text = (pytester.path / "cassettes" / "test_app" / "test_joke_streams_tokens.yaml").read_text()
    assert "uri: https://api.anthropic.com/v1/messages" in text
    assert "streamtest-dummy-key" not in text and "authorization" not in text.lower()
    pytester.runpytest_subprocess().assert_outcomes(passed=1)  # no server, no key


# ----------------------------------------------------------------------------- faults in Anthropic's own shapes


def test_injected_faults_take_anthropics_shapes() -> None:
    from pathlib import Path

    from streamtest.faults import error_event, http_error

    path = Path(__file__).resolve().parent.parent / "fixtures" / "anthropic_custom.yaml"
    with pytest.raises(anthropic.APIStatusError) as caught:
        with use_cassette(path, faults=error_event(after=3)):
            list(custom_graph_sync.stream(TOPIC, stream_mode="custom"))
    assert caught.value.body == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": caught.value.body["error"]["message"]},
    }
    with pytest.raises(anthropic.RateLimitError) as limited:
        with use_cassette(path, faults=http_error(429)):
            list(custom_graph_sync.stream(TOPIC, stream_mode="custom"))
    assert limited.value.body["error"]["type"] == "rate_limit_error"  # type: ignore[index]
