"""Ollama's native API (the ollama client and ChatOllama): NDJSON recorded one line per event, replayed one line per chunk.

The local llama.cpp server has no ``/api/chat``, so the streams here are built by hand from
Ollama's documented format (docs/api/streaming.mdx, docs/capabilities/tool-calling.mdx) and
served by a loopback HTTP server for recording. The ollama client uses httpx (not httpx2).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import ollama
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.tools import tool
from langchain_ollama import ChatOllama

from streamtest import play, use_cassette
from streamtest._cassette.format import dump, load, load_path
from streamtest._cli.lint import canonical_form
from streamtest._wire.base import Usage
from streamtest._wire.ndjson import LineSplitter, split_lines
from streamtest._wire.ollama import OLLAMA
from streamtest.strategies import GeneratedStream, ollama_streams, tool_calls
from tests.chunk_spy import httpx_chunks
from tests.edge_server import Route, edge_server

MODEL = "llama3.2"
PROMPT = [{"role": "user", "content": "Write a joke about cats"}]
NDJSON = (("content-type", "application/x-ndjson"),)


def _line(**fields: Any) -> bytes:
    payload = {"model": MODEL, "created_at": "2025-10-26T17:15:24.097767Z", **fields}
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def _say(content: str = "", **message: Any) -> bytes:
    return _line(message={"role": "assistant", "content": content, **message}, done=False)


DONE = _line(
    message={"role": "assistant", "content": ""},
    done=True,
    done_reason="stop",
    total_duration=4883583458,
    load_duration=1334875,
    prompt_eval_count=26,
    prompt_eval_duration=342546000,
    eval_count=7,
    eval_duration=4535599000,
)


def _served(lines: list[bytes]) -> dict[str, Any]:
    """A response dict serving ``lines`` as Ollama does (``application/x-ndjson``), one per chunk."""
    return {
        "status": {"code": 200, "message": "OK"},
        "headers": {"content-type": ["application/x-ndjson; charset=utf-8"]},
        "body": {"string": b"".join(lines)},
        "chunks": list(lines),
    }


TEXT = [*(_say(t) for t in ("Why", " did", " the", " cat", " sit", " there", "?")), DONE]
THINKING_TOOL = [
    _say(thinking="The user"),
    _say(thinking=" wants weather."),
    _say("Checking."),
    _say(tool_calls=[{"function": {"index": 0, "name": "get_weather", "arguments": {"location": "Paris"}}}]),
    DONE,
]
BROKEN = [*TEXT[:3], b'{"error":"an error was encountered while running the model"}\n']


@tool
def get_weather(location: str) -> str:
    """The weather at a location."""
    return "sunny"


def _tokens(stream: Any) -> list[str]:
    return [part.message.content for part in stream if part.message.content]


# ----------------------------------------------------------------------------- the framing and its codec


@given(st.binary(max_size=200), st.data())
def test_lines_split_back_to_the_body_whatever_the_network_cuts(body: bytes, data: st.DataObject) -> None:
    lines = split_lines(body)
    assert b"".join(lines) == body
    assert all(line.endswith(b"\n") for line in lines[:-1])
    cuts = sorted(data.draw(st.lists(st.integers(0, len(body)), max_size=8)))
    splitter, fed = LineSplitter(), []
    for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True):
        fed.extend(splitter.feed(body[a:b]))
    if tail := splitter.flush():
        fed.append(tail)
    assert fed == lines


_LINES = st.one_of(
    st.builds(
        lambda v: json.dumps(v, separators=(",", ":")).encode() + b"\n",
        st.dictionaries(st.text(max_size=4), st.integers() | st.text(max_size=6), max_size=3),
    ),
    st.binary(max_size=20).map(lambda b: b.replace(b"\n", b"") + b"\n"),
    st.text(max_size=10).map(lambda t: (t.replace("\n", "") + "\r\n").encode()),
)


@given(st.lists(_LINES, max_size=6), st.binary(max_size=6).map(lambda b: b.replace(b"\n", b"")))
def test_any_ndjson_body_survives_the_cassette_byte_for_byte(lines: list[bytes], tail: bytes) -> None:
    from vcr.request import Request

    chunks = [*lines, *([tail] if tail else [])]
    response = {
        "status": {"code": 200, "message": "OK"},
        "headers": {"content-type": ["application/x-ndjson"]},
        "body": {"string": b"".join(chunks)},
        "chunks": chunks,
        "offsets": [0.1 * i for i in range(len(chunks))],
    }
    text = dump([Request("POST", "http://localhost:11434/api/chat", b"{}", {})], [response])
    (loaded,) = load(text, "<test>")[1]
    assert loaded["chunks"] == chunks
    assert dump(*load(text, "<test>")) == text


def test_a_cassette_stores_one_parsed_line_per_event() -> None:
    from vcr.request import Request

    response = {
        "status": {"code": 200, "message": "OK"},
        "headers": {"content-type": ["application/x-ndjson"]},
        "body": {"string": b"".join(TEXT)},
        "chunks": TEXT,
        "offsets": None,
    }
    text = dump([Request("POST", "http://localhost:11434/api/chat", b"{}", {})], [response])
    block = text[text.index("ndjson:") :]
    assert block.count('{"data":{"model":"llama3.2"') == len(TEXT)
    assert "json: compact" in block


# ----------------------------------------------------------------------------- replay through the client and ChatOllama


def test_client_and_chat_ollama_are_served_one_recorded_line_per_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    with httpx_chunks(monkeypatch) as served, play(_served(TEXT)) as cassette:
        tokens = _tokens(ollama.Client().chat(model=MODEL, messages=PROMPT, stream=True))
    assert served == TEXT
    (interaction,) = cassette.interactions
    assert interaction.framing == "ndjson" and interaction.wire is OLLAMA
    assert tokens == interaction.tokens == ["Why", " did", " the", " cat", " sit", " there", "?"]
    assert interaction.usage == Usage(26, 7, 33) and interaction.finish_reason == "stop"

    with httpx_chunks(monkeypatch) as served, play(_served(TEXT)):
        chat_tokens = [str(chunk.content) for chunk in ChatOllama(model=MODEL).stream(PROMPT) if chunk.content]
    assert served == TEXT
    assert chat_tokens == interaction.tokens


def test_async_client_and_chat_ollama() -> None:
    async def run() -> tuple[list[str], list[str]]:
        with play(_served(TEXT)):
            client = [
                part.message.content
                async for part in await ollama.AsyncClient().chat(model=MODEL, messages=PROMPT, stream=True)
                if part.message.content
            ]
        with play(_served(TEXT)):
            chat = [str(chunk.content) async for chunk in ChatOllama(model=MODEL).astream(PROMPT) if chunk.content]
        return client, chat

    client, chat = asyncio.run(run())
    assert client == chat == ["Why", " did", " the", " cat", " sit", " there", "?"]


def test_thinking_and_a_whole_tool_call() -> None:
    with play(_served(THINKING_TOOL)) as cassette:
        parts = list(ollama.Client().chat(model=MODEL, messages=PROMPT, stream=True, think=True))
    (interaction,) = cassette.interactions
    assert interaction.reasoning == "".join(p.message.thinking or "" for p in parts) == "The user wants weather."
    assert interaction.tokens == ["Checking."]
    (call,) = interaction.tool_calls
    assert (call.name, call.args) == ("get_weather", {"location": "Paris"})
    with play(_served(THINKING_TOOL)):
        message = None
        for chunk in ChatOllama(model=MODEL, reasoning=True).bind_tools([get_weather]).stream(PROMPT):
            message = chunk if message is None else message + chunk
    assert message is not None and [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("get_weather", {"location": "Paris"})
    ]
    assert message.additional_kwargs["reasoning_content"] == interaction.reasoning


def test_an_error_line_raises_after_the_lines_before_it_and_is_read() -> None:
    received: list[str] = []
    with play(_served(BROKEN)) as cassette, pytest.raises(ollama.ResponseError, match="an error was encountered"):
        for part in ollama.Client().chat(model=MODEL, messages=PROMPT, stream=True):
            received.append(part.message.content or "")
    (interaction,) = cassette.interactions
    assert received == interaction.tokens == ["Why", " did", " the"]
    assert interaction.errors == ("an error was encountered while running the model",)
    with play(_served(BROKEN)), pytest.raises(ollama.ResponseError):
        list(ChatOllama(model=MODEL).stream(PROMPT))


# ----------------------------------------------------------------------------- live recording


def test_record_live_through_httpx_then_replay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ollama.yaml"
    routes = {"/api/chat": Route(headers=NDJSON, chunks=[b"".join(TEXT[:2]), *TEXT[2:]], delay=0.02)}
    with edge_server(routes) as edge, use_cassette(path, record="all"):
        live = _tokens(ollama.Client(host=edge.url).chat(model=MODEL, messages=PROMPT, stream=True))
        chat_live = [str(c.content) for c in ChatOllama(model=MODEL, base_url=edge.url).stream(PROMPT) if c.content]
    _, responses = load_path(path)
    assert [r["chunks"] for r in responses] == [TEXT, TEXT], "two lines in one network read are two events"
    offsets = responses[0]["offsets"]
    assert offsets == sorted(offsets) and offsets[-1] - offsets[0] >= 0.05
    assert "ndjson:" in path.read_text() and canonical_form(path.read_text(), path) == path.read_text()

    with use_cassette(path) as cassette, httpx_chunks(monkeypatch) as served:
        replayed = _tokens(ollama.Client().chat(model=MODEL, messages=PROMPT, stream=True))
        chat_replayed = [str(c.content) for c in ChatOllama(model=MODEL).stream(PROMPT) if c.content]
    assert served == TEXT + TEXT
    assert replayed == live == chat_replayed == chat_live == cassette.interactions[0].tokens
    assert cassette.interactions[1].model == MODEL and cassette.interactions[1].prompt == "Write a joke about cats"


# ----------------------------------------------------------------------------- generated streams


# The ollama client splits lines with str.splitlines, which also breaks at U+0085 (NEL); Go's
# encoder leaves NEL raw, so a real Ollama line with one breaks the client (see the next test).
NO_NEL = st.text(st.characters(codec="utf-8", blacklist_characters="\x85"), max_size=24)


def test_a_raw_nel_breaks_the_ollama_client_and_replay_keeps_it_so() -> None:
    stream = _served([_say("caf\u00e9\x85ok"), DONE])
    assert b"\xc2\x85" in stream["chunks"][0], "Go writes U+0085 raw"
    with play(stream) as cassette, pytest.raises(json.JSONDecodeError):
        list(ollama.Client().chat(model=MODEL, messages=PROMPT, stream=True))
    assert cassette.interactions[0].tokens == ["caf\u00e9\x85ok"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ollama_streams(
        NO_NEL,
        tool_calls=st.lists(tool_calls().filter(lambda call: "\x85" not in call.arguments), max_size=2),
        reasoning=NO_NEL,
    )
)
def test_generated_streams_are_read_alike_by_the_client_chat_ollama_and_streamtest(stream: GeneratedStream) -> None:
    with play(stream) as cassette:
        parts = list(ollama.Client().chat(model=MODEL, messages=PROMPT, stream=True))
    (interaction,) = cassette.interactions
    assert (
        [p.message.content for p in parts if p.message.content] == interaction.tokens == [d for d in stream.deltas if d]
    )
    assert interaction.reasoning == "".join(stream.reasoning)
    assert [(c.name, c.args) for c in interaction.tool_calls] == [(c.name, c.args) for c in stream.tool_calls]
    assert interaction.usage == stream.usage
    with play(stream):
        message = None
        for chunk in ChatOllama(model=MODEL).stream(PROMPT):
            message = chunk if message is None else message + chunk
    assert message is not None and str(message.content) == "".join(stream.deltas)
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [(c.name, c.args) for c in stream.tool_calls]


def test_async_client_records_live_through_httpx_too(tmp_path: Path) -> None:
    path = tmp_path / "ollama-async.yaml"

    async def tokens(host: str | None) -> list[str]:
        stream = await ollama.AsyncClient(host=host).chat(model=MODEL, messages=PROMPT, stream=True)
        return [part.message.content async for part in stream if part.message.content]

    with (
        edge_server({"/api/chat": Route(headers=NDJSON, chunks=TEXT, delay=0.01)}) as edge,
        use_cassette(path, record="all"),
    ):
        live = asyncio.run(tokens(edge.url))
    assert load_path(path)[1][0]["chunks"] == TEXT
    with use_cassette(path):
        assert asyncio.run(tokens(None)) == live == ["Why", " did", " the", " cat", " sit", " there", "?"]


def test_credential_fields_in_lines_are_scrubbed_line_by_line() -> None:
    from streamtest._cassette.scrub import ScrubPolicy, scrub_response

    lines = [_say("Hi"), b'{"model":"m","api_key":"sk-live-0123456789abcdefghij","done":false}\n', DONE]
    clean = scrub_response(_served(lines) | {"offsets": None}, ScrubPolicy())
    assert clean["chunks"][0] == lines[0] and clean["chunks"][2] == DONE, "lines without credentials stay byte for byte"
    assert b"sk-live" not in clean["chunks"][1] and clean["chunks"][1].endswith(b"\n")
    assert b"".join(clean["chunks"]) == clean["body"]["string"]
