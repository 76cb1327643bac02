"""The OpenAI wire formats read a stream into what it says, checked against generated ground truth.

Every drawn stream knows the text, tool calls, usage and finish reason it was
built from; the wire readers must recover exactly that from the bytes.
"""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from vcr.request import Request

from streamtest._cassette.format import sse_response
from streamtest._cassette.interaction import Interaction
from streamtest._wire.base import Frame
from streamtest._wire.openai_chat import OPENAI_CHAT
from streamtest._wire.openai_responses import OPENAI_RESPONSES
from streamtest._wire.registry import format_for, local_server_hosts
from streamtest._wire.sse import SSE
from streamtest.strategies import (
    GeneratedStream,
    chat_completion_streams,
    responses_streams,
    sse_variations,
    tool_calls,
)


def _interaction(path: str, stream: GeneratedStream) -> Interaction:
    request = Request("POST", f"https://api.openai.com{path}", b'{"model":"m","stream":true}', {})
    # Recorded the way the tape records: the body cut into events, whatever the network chunks were.
    return Interaction.from_vcr(request, sse_response(SSE.split(stream.body)))


@given(sse_variations(chat_completion_streams(tool_calls=st.lists(tool_calls(), max_size=3), interleaved=True)))
def test_chat_completions_reading_recovers_the_ground_truth(stream: GeneratedStream) -> None:
    interaction = _interaction("/v1/chat/completions", stream)
    assert interaction.wire is OPENAI_CHAT
    assert interaction.tokens == [delta for delta in stream.deltas if delta]
    assert [(c.id, c.name, c.arguments) for c in interaction.tool_calls] == [
        (c.id, c.name, c.arguments) for c in stream.tool_calls
    ]
    assert interaction.usage == stream.usage
    assert interaction.finish_reason == stream.finish_reason
    assert interaction.errors == ()


@given(responses_streams(tool_calls=st.lists(tool_calls(), max_size=3)))
def test_responses_reading_recovers_the_ground_truth(stream: GeneratedStream) -> None:
    interaction = _interaction("/v1/responses", stream)
    assert interaction.wire is OPENAI_RESPONSES
    assert interaction.tokens == [delta for delta in stream.deltas if delta]
    assert [(c.id, c.name, c.arguments, c.deltas) for c in interaction.tool_calls] == [
        (c.id, c.name, c.arguments, c.deltas) for c in stream.tool_calls
    ]
    assert interaction.usage == stream.usage
    assert interaction.finish_reason == "completed"


def _chunk(delta: dict[str, object], finish: str | None = None) -> str:
    return json.dumps({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})


def test_compatible_servers_reasoning_and_mid_stream_errors() -> None:
    frames = [
        Frame(None, _chunk({"reasoning_content": "Think"})),
        Frame(None, _chunk({"reasoning": " more"})),  # OpenRouter's name
        Frame(None, _chunk({"content": "Hi"})),
        Frame(None, json.dumps({"error": {"code": 500, "message": "peg-native format"}})),
        Frame("error", "upstream overloaded"),
    ]
    reading = OPENAI_CHAT.read(frames)
    assert reading.reasoning == ("Think", " more")
    assert reading.text == ("Hi",)
    assert reading.errors == ("500: peg-native format", "upstream overloaded")


def test_only_the_first_choice_is_read() -> None:
    other = json.dumps({"choices": [{"index": 1, "delta": {"content": "B"}, "finish_reason": None}]})
    reading = OPENAI_CHAT.read([Frame(None, _chunk({"content": "A"})), Frame(None, other)])
    assert reading.text == ("A",)


def test_formats_are_found_by_path_then_by_payload() -> None:
    assert format_for("/openai/deployments/x/chat/completions") is OPENAI_CHAT
    assert format_for("/v1/responses") is OPENAI_RESPONSES
    assert format_for("/custom", [Frame(None, _chunk({"content": "x"}))]) is OPENAI_CHAT
    assert format_for("/custom", [Frame("response.created", '{"type": "response.created"}')]) is OPENAI_RESPONSES
    assert format_for("/custom", [Frame(None, "plain text")]) is None
    assert "api.openai.com" in local_server_hosts()
