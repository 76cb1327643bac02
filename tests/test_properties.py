"""Properties over generated streams, played through the real stack.

Each example goes ``streamtest.play`` (the replay path of a recorded cassette)
-> the real ``openai`` SDK -> ChatOpenAI -> LangGraph streaming. The models
point at a port nothing listens on: ``play`` answers before any socket opens.

Async properties use pytest-asyncio's own hypothesis support: ``@given`` on an
``async def`` marked ``@pytest.mark.asyncio`` (decorators in that order); each
example runs to completion on the test's event loop.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, TypedDict

import openai
import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage
from langchain_openai import ChatOpenAI
from langgraph.config import get_stream_writer
from langgraph.graph import START, StateGraph

from streamtest import capture, play
from streamtest.strategies import (
    GeneratedStream,
    chat_completion_streams,
    chunkings,
    rechunkings,
    responses_streams,
    sse_variations,
    tool_calls,
)

BASE_URL = "http://127.0.0.1:9/v1"  # nothing listens here; play() answers first
STACK = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=40)

JOKE = "Why was the cat sitting on the computer?\n\nBecause it wanted to keep an eye on the mouse!"
POEM = "In sun\u2014lit patches, sleek and sly, \U0001f431\nWhiskers twitch as shadows fly."


def chat_model(tag: str, **options: Any) -> ChatOpenAI:
    return ChatOpenAI(model="gpt-4o-mini", api_key="dummy", base_url=BASE_URL, tags=[tag], max_retries=0, **options)


# --------------------------------------------------------------------------- graphs under test

joke_model = chat_model("joke")
poem_model = chat_model("poem")
responses_model = chat_model("resp", use_responses_api=True)
raw_client = openai.OpenAI(api_key="dummy", base_url=BASE_URL, max_retries=0)
raw_async_client = openai.AsyncOpenAI(api_key="dummy", base_url=BASE_URL, max_retries=0)


class State(TypedDict, total=False):
    topic: str
    joke: str
    poem: str
    message: AIMessage


def _prompt(kind: str, state: State) -> list[dict[str, str]]:
    return [{"role": "user", "content": f"Write a {kind} about {state['topic']}"}]


def call_models(state: State) -> State:
    joke = joke_model.invoke(_prompt("joke", state))
    poem = poem_model.invoke(_prompt("short poem", state))
    return {"joke": joke.content, "poem": poem.content, "message": joke}


async def acall_models(state: State) -> State:
    joke = await joke_model.ainvoke(_prompt("joke", state))
    poem = await poem_model.ainvoke(_prompt("short poem", state))
    return {"joke": joke.content, "poem": poem.content, "message": joke}


def call_responses(state: State) -> State:
    message = responses_model.invoke(_prompt("joke", state))
    return {"joke": message.text, "message": message}


def call_raw(state: State) -> State:
    """The how-to's "without LangChain" node, guarded for the usage chunk (choices == [])."""
    writer = get_stream_writer()
    joke = ""
    for chunk in raw_client.chat.completions.create(model="gpt-4o-mini", messages=_prompt("joke", state), stream=True):
        if chunk.choices and chunk.choices[0].delta.content:
            joke += chunk.choices[0].delta.content
            writer({"role": "assistant", "content": chunk.choices[0].delta.content, "tags": ["joke"]})
    return {"joke": joke}


async def acall_raw(state: State) -> State:
    writer = get_stream_writer()
    joke = ""
    response = await raw_async_client.chat.completions.create(
        model="gpt-4o-mini", messages=_prompt("joke", state), stream=True
    )
    async for chunk in response:
        if chunk.choices and chunk.choices[0].delta.content:
            joke += chunk.choices[0].delta.content
            writer({"role": "assistant", "content": chunk.choices[0].delta.content, "tags": ["joke"]})
    return {"joke": joke}


def one_node(node: Any) -> Any:
    return StateGraph(State).add_node("call_model", node).add_edge(START, "call_model").compile()


def call_joke_model(state: State) -> State:
    return {"joke": joke_model.invoke(_prompt("joke", state)).content}


graph, agraph = one_node(call_models), one_node(acall_models)
joke_graph = one_node(call_joke_model)
responses_graph = one_node(call_responses)
custom_graph, acustom_graph = one_node(call_raw), one_node(acall_raw)


def run_messages(g: Any, *streams: GeneratedStream) -> tuple[dict[str, list[Any]], State]:
    """Messages-mode chunks per tag, and the final state."""
    tokens: dict[str, list[Any]] = {}
    final: State = {}
    with play(*streams):
        for mode, item in g.stream({"topic": "cats"}, stream_mode=["messages", "values"]):
            if mode == "messages":
                message, metadata = item
                for tag in metadata.get("tags", []):
                    tokens.setdefault(tag, []).append(message)
            else:
                final = item
    return tokens, final


async def arun_messages(g: Any, *streams: GeneratedStream) -> tuple[dict[str, list[Any]], State]:
    tokens: dict[str, list[Any]] = {}
    final: State = {}
    with play(*streams):
        async for mode, item in g.astream({"topic": "cats"}, stream_mode=["messages", "values"]):
            if mode == "messages":
                message, metadata = item
                for tag in metadata.get("tags", []):
                    tokens.setdefault(tag, []).append(message)
            else:
                final = item
    return tokens, final


def text_of(chunks: list[Any]) -> str:
    return "".join(chunk.content for chunk in chunks)


def aggregate(chunks: list[Any]) -> Any:
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


joke_streams = sse_variations(chat_completion_streams(JOKE))
poem_streams = sse_variations(chat_completion_streams(POEM))
any_text_streams = sse_variations(chat_completion_streams())


# --------------------------------------------------------------------------- 1. tokens == state


@STACK
@given(joke=joke_streams, poem=any_text_streams)
def test_messages_tokens_for_a_tag_concatenate_to_the_state(joke: GeneratedStream, poem: GeneratedStream) -> None:
    tokens, final = run_messages(graph, joke, poem)
    assert text_of(tokens["joke"]) == final["joke"] == joke.text
    assert text_of(tokens["poem"]) == final["poem"] == poem.text
    if joke.usage is not None:
        usage = final["message"].usage_metadata
        assert (usage["input_tokens"], usage["output_tokens"]) == (
            joke.usage.prompt_tokens,
            joke.usage.completion_tokens,
        )


@pytest.mark.asyncio
@STACK
@given(joke=joke_streams, poem=poem_streams)
async def test_messages_tokens_concatenate_to_the_state_async(joke: GeneratedStream, poem: GeneratedStream) -> None:
    tokens, final = await arun_messages(agraph, joke, poem)
    assert text_of(tokens["joke"]) == final["joke"] == JOKE
    assert text_of(tokens["poem"]) == final["poem"] == POEM


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=200)
@given(
    stream=chat_completion_streams(JOKE, max_size=20, usage=True),
    poem=st.just(
        GeneratedStream(
            chunks=(
                b'data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"ok"}}]}\n\n',
                b"data: [DONE]\n\n",
            ),
            api="chat.completions",
            deltas=("ok",),
        )
    ),
)
def test_two_hundred_examples_are_an_ordinary_test(stream: GeneratedStream, poem: GeneratedStream) -> None:
    tokens, final = run_messages(graph, stream, poem)
    assert text_of(tokens["joke"]) == final["joke"] == JOKE


@STACK
@given(stream=sse_variations(responses_streams(tool_calls=st.lists(tool_calls(), max_size=2))))
def test_responses_api_tokens_concatenate_to_the_state(stream: GeneratedStream) -> None:
    tokens, final = run_messages(responses_graph, stream)
    streamed = aggregate(tokens["resp"])
    assert streamed.text == final["joke"] == stream.text
    assert [(c["id"], c["name"], c["args"]) for c in final["message"].tool_calls] == [
        (c.id, c.name, c.args) for c in stream.tool_calls
    ]


# --------------------------------------------------------------------------- 2. tool-call arguments


@STACK
@given(
    joke=sse_variations(
        chat_completion_streams(
            st.sampled_from(["", "Let me check."]),
            tool_calls=st.lists(tool_calls(), min_size=1, max_size=3),
            interleaved=True,
        )
    ),
    poem=poem_streams,
)
def test_tool_call_arguments_reassemble_to_the_generated_json(joke: GeneratedStream, poem: GeneratedStream) -> None:
    tokens, final = run_messages(graph, joke, poem)
    expected = [{"name": c.name, "args": c.args, "id": c.id, "type": "tool_call"} for c in joke.tool_calls]
    message = final["message"]
    assert message.tool_calls == expected
    assert message.invalid_tool_calls == []
    assert message.response_metadata["finish_reason"] == "tool_calls"
    assert aggregate(tokens["joke"]).tool_calls == expected
    for call, parsed in zip(joke.tool_calls, message.tool_calls, strict=True):
        assert json.dumps(parsed["args"], ensure_ascii=False, sort_keys=True) == json.dumps(
            json.loads(call.arguments), ensure_ascii=False, sort_keys=True
        )


# --------------------------------------------------------------------------- 3. custom-mode writers


def _custom(g: Any, stream: GeneratedStream) -> tuple[list[Any], State]:
    written: list[Any] = []
    final: State = {}
    with play(stream):
        for mode, item in g.stream({"topic": "cats"}, stream_mode=["custom", "values"]):
            if mode == "custom":
                written.append(item)
            else:
                final = item
    return written, final


@STACK
@given(stream=any_text_streams)
def test_custom_writers_receive_every_chunk_in_order(stream: GeneratedStream) -> None:
    written, final = _custom(custom_graph, stream)
    assert [item["content"] for item in written] == [delta for delta in stream.deltas if delta]
    assert final["joke"] == stream.text


@pytest.mark.asyncio
@STACK
@given(stream=any_text_streams)
async def test_custom_writers_receive_every_chunk_in_order_async(stream: GeneratedStream) -> None:
    written: list[Any] = []
    final: State = {}
    with play(stream):
        async for mode, item in acustom_graph.astream({"topic": "cats"}, stream_mode=["custom", "values"]):
            if mode == "custom":
                written.append(item)
            else:
                final = item
    assert [item["content"] for item in written] == [delta for delta in stream.deltas if delta]
    assert final["joke"] == stream.text


def test_the_how_to_stream_tokens_breaks_on_the_usage_chunk() -> None:
    """The how-to's ``chunk.choices[0].delta`` fails on the include_usage chunk; hypothesis finds it."""

    def how_to_tokens(stream: GeneratedStream) -> bool:
        with play(stream):
            try:
                for chunk in raw_client.chat.completions.create(model="m", messages=[], stream=True):
                    chunk.choices[0].delta  # noqa: B018 - the how-to's line
            except IndexError:
                return True
        return False

    found = find(chat_completion_streams(), how_to_tokens, settings=settings(database=None, deadline=None))
    assert found.usage is not None
    assert found.payloads[-1]["choices"] == []


# --------------------------------------------------------------------------- 4. SDK round trip


@STACK
@given(stream=sse_variations(chat_completion_streams(tool_calls=st.lists(tool_calls(), max_size=2), interleaved=True)))
def test_every_chat_body_parses_to_the_generated_chunks(stream: GeneratedStream) -> None:
    with play(stream):
        parsed = list(raw_client.chat.completions.create(model="gpt-4o-mini", messages=[], stream=True))
    assert [chunk.to_dict() for chunk in parsed] == stream.payloads
    assert "".join(c.choices[0].delta.content or "" for c in parsed if c.choices) == stream.text


@STACK
@given(stream=sse_variations(responses_streams(tool_calls=st.lists(tool_calls(), max_size=2))))
def test_every_responses_body_parses_to_the_generated_events(stream: GeneratedStream) -> None:
    with play(stream):
        parsed = list(raw_client.responses.create(model="gpt-4o-mini", input="hi", stream=True))
    assert [event.to_dict() for event in parsed] == stream.payloads
    with play(stream), raw_client.responses.stream(model="gpt-4o-mini", input="hi") as events:
        for _ in events:
            pass
        final = events.get_final_response()
    assert final.output_text == stream.text
    assert [(o.call_id, o.name, o.arguments) for o in final.output if o.type == "function_call"] == [
        (c.id, c.name, c.arguments) for c in stream.tool_calls
    ]


@pytest.mark.asyncio
@STACK
@given(stream=sse_variations(chat_completion_streams(tool_calls=st.lists(tool_calls(), max_size=1))))
async def test_every_chat_body_parses_to_the_generated_chunks_async(stream: GeneratedStream) -> None:
    with play(stream):
        response = await raw_async_client.chat.completions.create(model="gpt-4o-mini", messages=[], stream=True)
        parsed = [chunk async for chunk in response]
    assert [chunk.to_dict() for chunk in parsed] == stream.payloads


# --------------------------------------------------------------------------- re-chunked recordings

RECORDED = [
    b'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini",'
    b'"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n',
    *(
        b'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini",'
        b'"choices":[{"index":0,"delta":{"content":%s},"finish_reason":null}]}\n\n' % json.dumps(word).encode()
        for word in ("Why", " was", " the", " cat", " sitting", " on", " the", " computer", "?")
    ),
    b'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini",'
    b'"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
    b"data: [DONE]\n\n",
]


@STACK
@given(joke=sse_variations(rechunkings(RECORDED)), poem=poem_streams)
def test_a_recording_becomes_a_family_of_streams(joke: GeneratedStream, poem: GeneratedStream) -> None:
    tokens, final = run_messages(graph, joke, poem)
    assert text_of(tokens["joke"]) == final["joke"] == "Why was the cat sitting on the computer?"


# --------------------------------------------------------------------------- with the capture API


@STACK
@given(joke=joke_streams, poem=poem_streams)
def test_combines_with_capture(joke: GeneratedStream, poem: GeneratedStream) -> None:
    with play(joke, poem):
        transcript = capture(graph, {"topic": "cats"}, stream_mode=["messages", "values"])
    assert transcript.tagged("joke").text == JOKE
    assert transcript.tagged("poem").text == POEM
    transcript.assert_text_matches_state("joke", tag="joke")
    transcript.assert_text_matches_state("poem", tag="poem")


# --------------------------------------------------------------------------- shrinking


def words_per_chunk(tokens: list[str]) -> int:
    """A planted bug: counts words chunk by chunk, as if no chunk boundary fell inside a word."""
    return sum(len(token.split()) for token in tokens)


SHORT_JOKE = "Why was the cat sitting on the computer?"


def counts_wrong(stream: GeneratedStream) -> bool:
    tokens, _ = run_messages(joke_graph, stream)
    return words_per_chunk([t.content for t in tokens["joke"]]) != len(SHORT_JOKE.split())


def cuts_inside_a_word(deltas: tuple[str, ...]) -> bool:
    pieces = [piece for piece in deltas if piece]
    return any(not a[-1].isspace() and not b[0].isspace() for a, b in itertools.pairwise(pieces))


def test_a_cut_inside_a_word_shrinks_to_at_most_three_chunks() -> None:
    smallest = find(
        chat_completion_streams(SHORT_JOKE),
        counts_wrong,
        settings=settings(database=None, deadline=None, max_examples=500),
    )
    assert len(smallest.deltas) <= 3, smallest
    assert cuts_inside_a_word(smallest.deltas), smallest
    assert repr(smallest).startswith("GeneratedStream('") and "|" in repr(smallest)


def test_a_failure_prints_the_stream_with_pipes() -> None:
    @settings(database=None, deadline=None, max_examples=200, derandomize=True)
    @given(stream=chat_completion_streams(SHORT_JOKE))
    def counts_words(stream: GeneratedStream) -> None:
        assert not counts_wrong(stream)

    with pytest.raises(AssertionError) as failure:
        counts_words()
    notes = "\n".join(getattr(failure.value, "__notes__", []))
    assert "counts_words(" in notes
    printed = notes.split("stream=GeneratedStream(", 1)[1].split("\n", 1)[0]
    assert printed.startswith("'") and "|" in printed, notes


@STACK
@given(chunkings(JOKE))
def test_plain_chunkings_play_as_streams_too(chunks: tuple[str, ...]) -> None:
    """A bare chunking becomes a stream via chat_completion_streams(st.just(text)) – or build one by hand:"""
    events = [
        json.dumps({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": piece}}]})
        for piece in chunks
    ]
    body = [f"data: {event}\n\n".encode() for event in events] + [b"data: [DONE]\n\n"]
    with play(body):
        parsed = list(raw_client.chat.completions.create(model="m", messages=[], stream=True))
    assert "".join(c.choices[0].delta.content for c in parsed) == JOKE
