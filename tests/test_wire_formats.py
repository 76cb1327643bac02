"""The wire format modules on their own: what each reads back is what its writer wrote, and how traffic finds its format.

No SDK here: the formats are pure. The SDK-level tests (a generated stream read by the real client
and its LangChain chat model) live in each provider's test file.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamtest._wire.base import Frame, Script, ToolCall, Usage, WireFormat
from streamtest._wire.framing import FRAMINGS, frames_of, framing_named
from streamtest._wire.openai_responses import OPENAI_RESPONSES, ResponsesIds
from streamtest._wire.registry import FORMATS, format_for, format_named, local_server_hosts, placeholder_env
from streamtest.strategies import (
    GeneratedStream,
    anthropic_streams,
    bedrock_streams,
    chat_completion_streams,
    gemini_streams,
    ollama_streams,
    responses_streams,
    tool_calls,
)

CALLS = st.lists(tool_calls(), max_size=2)
STREAMS: dict[str, st.SearchStrategy[GeneratedStream]] = {
    "openai-chat": chat_completion_streams(tool_calls=CALLS),
    "openai-responses": responses_streams(tool_calls=CALLS),
    "anthropic-messages": anthropic_streams(tool_calls=CALLS, reasoning=st.text(max_size=8)),
    "gemini": gemini_streams(tool_calls=CALLS, reasoning=st.text(max_size=8)),
    "ollama": ollama_streams(tool_calls=CALLS, reasoning=st.text(max_size=8)),
    "bedrock-converse": bedrock_streams(tool_calls=CALLS, reasoning=st.text(max_size=8)),
}
# Formats whose envelope carries text "" beside the deltas (chat's role chunk, Ollama's thinking,
# tool-call and done lines): their deltas come back in order among empty ones.
PADDED = {"openai-chat", "ollama"}


def _read_back(wire: WireFormat, stream: GeneratedStream) -> Any:
    framing = framing_named(wire.framing)
    assert framing is not None and framing.content_type == stream.content_type
    units = framing.split(stream.body)
    assert units == list(stream.chunks), "one unit per chunk, and the framing cuts them back apart"
    frames = frames_of(framing, units)
    assert [(f.event, f.data) for f in frames] == list(stream.events)
    assert format_for("", frames) is wire, "the frames alone tell the format"
    return wire.read(frames)


def test_every_format_has_a_generated_stream_test() -> None:
    assert sorted(STREAMS) == sorted(wire.name for wire in FORMATS)


@pytest.mark.parametrize("name", sorted(STREAMS))
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_format_reads_back_what_its_writer_wrote(name: str, data: st.DataObject) -> None:
    wire = format_named(name)
    assert wire is not None
    stream = data.draw(STREAMS[name])
    reading = _read_back(wire, stream)
    assert [t for t in reading.text if t] == [d for d in stream.deltas if d]
    if name not in PADDED:
        assert reading.text == stream.deltas
    assert reading.reasoning == stream.reasoning
    assert [(c.id, c.name, c.args) for c in reading.tool_calls] == [(c.id, c.name, c.args) for c in stream.tool_calls]
    assert reading.usage == stream.usage
    if name != "bedrock-converse":  # Bedrock names the model in the request path only
        assert reading.model == stream.model
    assert reading.errors == ()
    if stream.finish_reason is not None:
        assert reading.finish_reason == stream.finish_reason


def test_a_script_without_cuts_or_usage_still_writes_a_readable_stream() -> None:
    call = ToolCall("get_weather", '{"city":"Paris"}', id="toolu_1")
    script = Script(text=("Hi",), tool_calls=(call,), model="m")
    for wire in FORMATS:
        frames = (
            wire.write(script, ids=ResponsesIds(calls=("fc_1",))) if wire is OPENAI_RESPONSES else wire.write(script)
        )  # type: ignore[call-arg]
        assert all(isinstance(frame, Frame) for frame in frames)
        reading = wire.read(frames)
        assert "".join(reading.text) == "Hi", wire
        # A call without argument cuts is sent whole (formats that send an object re-encode it).
        assert [(c.name, c.args) for c in reading.tool_calls] == [("get_weather", call.args)], wire


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/v1/chat/completions", "openai-chat"),
        ("/openai/v1/chat/completions", "openai-chat"),
        ("/v1/responses", "openai-responses"),
        ("/v1/messages", "anthropic-messages"),
        ("/v1/threads/thread_1/messages", None),
        ("/v1beta/models/gemini-2.5-flash:streamGenerateContent", "gemini"),
        (
            "/v1beta1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-pro:streamGenerateContent",
            "gemini",
        ),
        ("/v1beta/models/gemini-2.5-flash:generateContent", None),
        ("/api/chat", "ollama"),
        ("/api/generate", "ollama"),
        ("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream", "bedrock-converse"),
        ("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse", None),
    ],
)
def test_a_path_names_its_format(path: str, name: str | None) -> None:
    found = format_for(path)
    assert (found.name if found else None) == name


def test_the_local_server_stands_in_for_the_formats_it_speaks() -> None:
    assert local_server_hosts() == {"api.openai.com", "api.anthropic.com"}
    assert all(framing_named(wire.framing) in FRAMINGS for wire in FORMATS)


def test_placeholder_env_fills_only_what_is_unset() -> None:
    keys = {"OPENAI_API_KEY": "k", "ANTHROPIC_API_KEY": "k", "GOOGLE_API_KEY": "k"}
    assert placeholder_env({}, "k", replaying=False) == keys
    # AWS clients sign before sending: placeholder credentials and region, only while replaying.
    replaying = placeholder_env({"AWS_ACCESS_KEY_ID": "real"}, "k", replaying=True)
    assert replaying["AWS_EC2_METADATA_DISABLED"] == "true" and "AWS_SECRET_ACCESS_KEY" in replaying
    assert "AWS_ACCESS_KEY_ID" not in replaying
    assert placeholder_env({"OPENAI_API_KEY": "real"}, "k", replaying=False) == {
        "ANTHROPIC_API_KEY": "k",
        "GOOGLE_API_KEY": "k",
    }
    # Gemini clients read either variable: a GEMINI_API_KEY alone is a real key, left alone.
    assert "GOOGLE_API_KEY" not in placeholder_env({"GEMINI_API_KEY": "real"}, "k", replaying=False)


def test_usage_repr_and_tool_call_parsing() -> None:
    assert repr(Usage(3, 1, 4, 2)) == "Usage(3+1, cached=2)"
    assert ToolCall("f", '{"a": 1}').args == {"a": 1}


@pytest.mark.parametrize("wire", FORMATS, ids=[wire.name for wire in FORMATS])
def test_each_format_reads_its_own_error_event_as_an_error(wire: WireFormat) -> None:
    """The error answers faults inject are the provider's own: its reader counts them."""
    frame = wire.error_frame("the model is overloaded")
    reading = wire.read([frame])
    assert len(reading.errors) == 1 and "the model is overloaded" in reading.errors[0]
    framing = framing_named(wire.framing)
    assert framing is not None and framing.frame(framing.encode(frame)) == frame
    assert "the model is overloaded" in json.dumps(wire.error_body(429, "the model is overloaded"))


# ---------------------------------------------------------------------- framings


def test_every_framing_has_its_cassette_codec() -> None:
    """The wire layer's table (FRAMINGS) and the cassette layer's (events.CODECS) name the same framings.

    Everything else per framing (splitting, reading, writing, the scrubber's rewriting of a unit)
    is asked of the Framing itself, so these two tables are all a new framing must join.
    """
    from streamtest._cassette.events import CODECS

    assert sorted(framing.name for framing in FRAMINGS) == sorted(CODECS)
    assert len({framing.name for framing in FRAMINGS}) == len(FRAMINGS)


@pytest.mark.parametrize("name", sorted(STREAMS))
@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_framing_puts_new_data_where_it_read_the_old(name: str, data: st.DataObject) -> None:
    """with_data (what the scrubber rewrites a unit with): the same data gives the same unit back,
    other data gives one unit with the same name carrying it."""
    wire = format_named(name)
    assert wire is not None
    framing = framing_named(wire.framing)
    assert framing is not None
    stream = data.draw(STREAMS[name])
    replacements = ['{"k":"<scrubbed>"}', "[DONE]"]
    if framing.name != "ndjson":  # a line is one line
        replacements.append('{\n  "a": 1\n}')  # the scrubber re-encodes an indented payload as it came
    replacement = data.draw(st.sampled_from(replacements))
    for unit in stream.chunks:
        frame = framing.frame(unit)
        assert frame is not None
        assert framing.with_data(unit, frame.data) == unit
        rewritten = framing.with_data(unit, replacement)
        assert framing.split(rewritten) == [rewritten]
        assert framing.frame(rewritten) == Frame(frame.event, replacement)


def test_with_data_keeps_what_else_a_unit_carries() -> None:
    from streamtest._wire.eventstream import EVENTSTREAM, decode_frame, encode_frame
    from streamtest._wire.ndjson import NDJSON
    from streamtest._wire.sse import SSE

    assert SSE.with_data(b": hi\r\nevent: e\r\ndata: a\r\n\r\n", "b") == b": hi\r\nevent: e\r\ndata: b\r\n\r\n"
    assert SSE.with_data(b"data: a", "b") == b"data: b"  # an unterminated tail stays one
    assert NDJSON.with_data(b'{"a":1}\r\n', "x") == b"x\r\n"
    assert NDJSON.with_data(b'{"a":1}', "x") == b"x"
    headers = {":message-type": "error", ":error-code": "ThrottlingException", ":error-message": "slow down"}
    error = encode_frame(headers, b"")
    assert EVENTSTREAM.frame(error) == Frame("ThrottlingException", "slow down")
    assert decode_frame(EVENTSTREAM.with_data(error, "calm")) == ({**headers, ":error-message": "calm"}, b"")
