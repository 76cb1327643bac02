"""Anthropic Messages end to end: ChatAnthropic and the raw anthropic client, recorded from the local server.

The fixtures were recorded by these tests from the embedded llama.cpp server, which answers
``POST /v1/messages`` for the unmodified apps in ``examples/claude.py`` (pointed at
api.anthropic.com): ``pytest --record --llm-server=local tests/test_anthropic.py``.
Plain ``pytest`` replays them offline.
"""

from __future__ import annotations

from typing import Any

import anthropic
import pytest
from langchain_anthropic import ChatAnthropic

from examples.claude import custom_graph, custom_graph_sync, messages_graph, messages_graph_sync
from streamtest import Cassette, StreamAssertionError, Transcript, capture, play, use_cassette
from streamtest._cassette.format import load_path
from streamtest._wire.anthropic import ANTHROPIC

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
        assert interaction.usage is not None and interaction.usage.completion_tokens == len(interaction.tokens)


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
    t.assert_conserves(cassette.interactions, tags=lambda interaction: [_tag(interaction)])


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
