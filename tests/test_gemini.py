"""Google Gemini (google-genai and ChatGoogleGenerativeAI): record through httpx2 and replay one event per chunk.

The local llama.cpp server does not speak the Gemini API, so every stream here is built by
hand from Google's documented format (``GenerateContentResponse`` chunks over
``streamGenerateContent?alt=sse``) and served by a loopback HTTP server for recording.
Google's framing (CRLF) is reported by third parties, not verified here.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from google import genai
from google.genai import errors as genai_errors
from google.genai import types
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_google_genai import ChatGoogleGenerativeAI

import streamtest._replay.cassette
from streamtest import play, use_cassette
from streamtest._cassette.format import load_path
from streamtest._wire.base import Usage
from streamtest._wire.gemini import GEMINI
from streamtest.strategies import GeneratedStream, gemini_streams, sse_variations, tool_calls
from tests.chunk_spy import httpx_chunks
from tests.edge_server import Route, edge_server

MODEL = "gemini-2.5-flash"
KEY = "not-a-real-google-key"
STREAM_PATH = f"/v1/models/{MODEL}:streamGenerateContent"  # the edge server routes by path, without ?alt=sse


def _sse(payloads: list[dict[str, Any]], eol: str = "\r\n") -> list[bytes]:
    return [f"data: {json.dumps(p, separators=(',', ':'))}{eol}{eol}".encode() for p in payloads]


def _chunk(parts: list[dict[str, Any]], output: int, finish: str | None = None) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return {
        "candidates": [candidate],
        "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": output, "totalTokenCount": 8 + output},
        "modelVersion": MODEL,
        "responseId": "kP1bZ8rQJ9Sz1MkP5s2vqQ4",
    }


TEXT = _sse(
    [
        _chunk([{"text": "Why did"}], 2),
        _chunk([{"text": " the cat sit"}], 5),
        _chunk([{"text": " on the keyboard?"}], 9, "STOP"),
    ]
)
THOUGHT_TOOL = _sse(
    [
        _chunk([{"text": "The user wants the weather.", "thought": True}], 6),
        _chunk([{"text": "Let me check."}], 9),
        _chunk(
            [
                {
                    "functionCall": {"name": "get_weather", "args": {"location": "Paris"}},
                    "thoughtSignature": "CiQB0e2KbxI=",
                }
            ],
            14,
            "STOP",
        ),
    ],
    eol="\n",
)
UNAVAILABLE = [
    *TEXT[:1],
    *_sse([{"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}]),
]


def _client(base_url: str | None = None) -> genai.Client:
    options = types.HttpOptions(base_url=base_url) if base_url else None
    return genai.Client(api_key=KEY, http_options=options)


def _chat(base_url: str | None = None) -> ChatGoogleGenerativeAI:
    return ChatGoogleGenerativeAI(model=MODEL, google_api_key=KEY, base_url=base_url, max_retries=0)  # type: ignore[call-arg]


# ----------------------------------------------------------------------------- replay, chunk by chunk


def test_sdk_and_chat_model_are_served_one_recorded_event_per_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _client()
    with httpx_chunks(monkeypatch) as served, play(TEXT) as cassette:
        texts = [chunk.text for chunk in client.models.generate_content_stream(model=MODEL, contents="A joke")]
    assert served == TEXT
    (interaction,) = cassette.interactions
    assert interaction.wire is GEMINI and interaction.tokens == texts == [
        "Why did",
        " the cat sit",
        " on the keyboard?",
    ]
    assert interaction.usage == Usage(8, 9, 17) and interaction.finish_reason == "STOP"

    with httpx_chunks(monkeypatch) as served, play(TEXT):
        tokens = [str(chunk.text) for chunk in _chat().stream("A joke") if chunk.text]
    assert served == TEXT
    assert tokens == interaction.tokens


def test_async_sdk_and_chat_model_replay() -> None:
    async def run() -> tuple[list[str], list[str]]:
        client = _client()
        with play(TEXT):
            sdk = [
                chunk.text
                async for chunk in await client.aio.models.generate_content_stream(model=MODEL, contents="A joke")
            ]
        with play(TEXT):
            chat = [str(chunk.text) async for chunk in _chat().astream("A joke") if chunk.text]
        return [t for t in sdk if t], chat

    sdk, chat = asyncio.run(run())
    assert sdk == chat == ["Why did", " the cat sit", " on the keyboard?"]


def test_thoughts_and_a_whole_function_call() -> None:
    client = _client()
    config = types.GenerateContentConfig(thinking_config=types.ThinkingConfig(include_thoughts=True))
    with play(THOUGHT_TOOL) as cassette:
        chunks = list(client.models.generate_content_stream(model=MODEL, contents="Weather in Paris?", config=config))
    (interaction,) = cassette.interactions
    assert interaction.tokens == ["Let me check."]
    assert interaction.reasoning == "The user wants the weather."
    (call,) = interaction.tool_calls
    assert (call.name, call.args, call.id) == ("get_weather", {"location": "Paris"}, "")
    assert chunks[-1].function_calls[0].args == call.args  # type: ignore[index]
    with play(THOUGHT_TOOL):
        message = None
        for chunk in _chat().stream("Weather in Paris?"):
            message = chunk if message is None else message + chunk
    assert message is not None and [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("get_weather", {"location": "Paris"})
    ]
    assert str(message.text) == "Let me check."


def test_a_mid_stream_error_is_read_and_raised_after_the_chunks_before_it() -> None:
    client = _client()
    texts: list[str | None] = []
    with play(UNAVAILABLE) as cassette, pytest.raises(genai_errors.ServerError) as caught:
        for chunk in client.models.generate_content_stream(model=MODEL, contents="A joke"):
            texts.append(chunk.text)
    assert caught.value.code == 503
    (interaction,) = cassette.interactions
    assert texts == interaction.tokens == ["Why did"]
    assert interaction.errors == ("503: The model is overloaded.",)


# ----------------------------------------------------------------------------- live pass-through recording


def test_record_live_through_httpx2_then_replay_for_googles_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    routes = {STREAM_PATH: Route(chunks=TEXT, delay=0.02)}
    path = tmp_path / "gemini.yaml"
    with edge_server(routes) as edge, use_cassette(path, record="all"):
        client = _client(edge.url)  # keep a reference: a dropped genai.Client closes its httpx2 client
        live = [chunk.text for chunk in client.models.generate_content_stream(model=MODEL, contents="A joke")]
        chat_live = [str(c.text) for c in _chat(edge.url).stream("A joke") if c.text]
    requests, responses = load_path(path)
    assert [r["chunks"] for r in responses] == [TEXT, TEXT], "one event per line, as the server sent them"
    offsets = responses[0]["offsets"]
    assert offsets == sorted(offsets) and offsets[-1] - offsets[0] >= 0.03, "arrival times were stamped live"
    text = path.read_text()
    assert KEY not in text and "x-goog-api-key" not in text
    assert requests[0].path == f"/v1/models/{MODEL}:streamGenerateContent"

    client = _client()
    with use_cassette(path) as cassette, httpx_chunks(monkeypatch) as served:
        replayed = [chunk.text for chunk in client.models.generate_content_stream(model=MODEL, contents="A joke")]
        chat_replayed = [str(c.text) for c in _chat().stream("A joke") if c.text]
    assert replayed == live and chat_replayed == chat_live == cassette.interactions[1].tokens
    assert served == TEXT + TEXT
    assert cassette.interactions[0].model == MODEL and cassette.interactions[0].prompt == "A joke"


# ----------------------------------------------------------------------------- aiohttp


def test_async_client_leaves_aiohttp_for_httpx2_while_a_cassette_is_active(monkeypatch: pytest.MonkeyPatch) -> None:
    """With aiohttp installed, google-genai's async path would bypass the httpx2 stubs (and reach the network)."""
    import google.genai._api_client as api_client

    monkeypatch.setattr(api_client, "has_aiohttp", True)
    monkeypatch.setattr(streamtest._replay.clients, "_genai_with_aiohttp", lambda: True)
    client = _client()
    assert client._api_client._use_aiohttp()  # what production would use

    async def stream() -> list[str | None]:
        return [
            chunk.text
            async for chunk in await client.aio.models.generate_content_stream(model=MODEL, contents="A joke")
        ]

    with play(TEXT):
        assert not client._api_client._use_aiohttp()
        assert asyncio.run(stream()) == ["Why did", " the cat sit", " on the keyboard?"]
    assert api_client.has_aiohttp is True, "the switch is undone when the cassette stops"

    # Without the switch the request takes the aiohttp branch, which no streaming stub answers.
    monkeypatch.setattr(streamtest._replay.cassette, "client_patches", lambda: iter(()))
    with play(TEXT):
        assert client._api_client._use_aiohttp()
        with pytest.raises(Exception):  # noqa: B017 - whichever way aiohttp (or its absence) fails
            asyncio.run(stream())


def test_the_switch_with_aiohttp_really_installed() -> None:
    pytest.importorskip("aiohttp")
    client = _client()
    assert client._api_client._use_aiohttp()

    async def stream() -> list[str | None]:
        return [
            chunk.text
            async for chunk in await client.aio.models.generate_content_stream(model=MODEL, contents="A joke")
        ]

    async def chat_stream() -> list[str]:
        return [str(chunk.text) async for chunk in _chat().astream("A joke") if chunk.text]

    with play(TEXT):
        assert asyncio.run(stream()) == ["Why did", " the cat sit", " on the keyboard?"]
    with play(TEXT):
        assert asyncio.run(chat_stream()) == ["Why did", " the cat sit", " on the keyboard?"]


# ----------------------------------------------------------------------------- generated streams


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sse_variations(
        gemini_streams(tool_calls=st.lists(tool_calls(), max_size=2), reasoning=st.text(max_size=10)),
        # google-genai reads every line that is not "data: " (with its space) as raw JSON,
        # so comments and the space-less form are not Gemini streams.
        comments=False,
        no_space=False,
    )
)
def test_generated_streams_are_read_alike_by_the_sdk_chat_model_and_streamtest(stream: GeneratedStream) -> None:
    client = _client()
    with play(stream) as cassette:
        chunks = list(client.models.generate_content_stream(model=MODEL, contents="hi"))
    (interaction,) = cassette.interactions
    assert [c.text for c in chunks if c.text] == interaction.tokens == [d for d in stream.deltas if d]
    assert interaction.reasoning == "".join(stream.reasoning)
    assert [(c.name, c.args) for c in interaction.tool_calls] == [(c.name, c.args) for c in stream.tool_calls]
    assert interaction.usage == stream.usage
    with play(stream):
        message = None
        for chunk in _chat().stream("hi"):
            message = chunk if message is None else message + chunk
    assert message is not None
    assert str(message.text) == "".join(stream.deltas)
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [(c.name, c.args) for c in stream.tool_calls]


def test_recording_with_the_placeholder_key_is_refused_and_names_the_variable(tmp_path: Path) -> None:
    """The placeholder travels in x-goog-api-key here; the refusal finds it there too."""
    from streamtest import UsageError
    from streamtest._cassette.scrub import DUMMY_API_KEY

    with edge_server({STREAM_PATH: Route(chunks=TEXT)}) as edge:
        client = genai.Client(api_key=DUMMY_API_KEY, http_options=types.HttpOptions(base_url=edge.url))
        with use_cassette(tmp_path / "refused.yaml", record="all"), pytest.raises(UsageError) as caught:
            list(client.models.generate_content_stream(model=MODEL, contents="A joke"))
    assert edge.connections == []
    assert "needs a real API key, and GOOGLE_API_KEY is not set" in str(caught.value)
    assert "--llm-server=local" not in str(caught.value), "the local server does not speak Gemini"


def test_async_client_records_live_through_httpx2_too(tmp_path: Path) -> None:
    path = tmp_path / "gemini-async.yaml"

    async def stream(client: genai.Client) -> list[str | None]:
        return [c.text async for c in await client.aio.models.generate_content_stream(model=MODEL, contents="A joke")]

    with edge_server({STREAM_PATH: Route(chunks=TEXT, delay=0.01)}) as edge, use_cassette(path, record="all"):
        live = asyncio.run(stream(_client(edge.url)))
    assert load_path(path)[1][0]["chunks"] == TEXT
    with use_cassette(path):
        assert asyncio.run(stream(_client())) == live == ["Why did", " the cat sit", " on the keyboard?"]


def test_injected_faults_take_googles_shapes(tmp_path: Path) -> None:
    from streamtest.faults import error_event, http_error

    path = tmp_path / "gemini.yaml"
    with edge_server({STREAM_PATH: Route(chunks=TEXT)}) as edge, use_cassette(path, record="all"):
        recorder = _client(edge.url)
        list(recorder.models.generate_content_stream(model=MODEL, contents="A joke"))
    client = _client()
    texts: list[str | None] = []
    with pytest.raises(genai_errors.ServerError) as caught:
        with use_cassette(path, faults=error_event(after=1)):
            texts.extend(chunk.text for chunk in client.models.generate_content_stream(model=MODEL, contents="A joke"))
    assert texts == ["Why did"] and caught.value.code == 503
    with pytest.raises(genai_errors.ClientError) as limited:
        with use_cassette(path, faults=http_error(429)):
            list(client.models.generate_content_stream(model=MODEL, contents="A joke"))
    assert limited.value.code == 429 and limited.value.status == "RESOURCE_EXHAUSTED"
