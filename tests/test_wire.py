"""Record and replay through the real openai SDK and ChatOpenAI: every kind of wire traffic.

Real streams come from the llama.cpp server; the edge server supplies only what
a model cannot be asked for (429/500, a stream cut mid-way, gzip).
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx2
import openai
import pytest
from langchain_openai import ChatOpenAI

from streamtest import ReplayMismatchError, UnplayedInteractionsError, UnplayedInteractionsWarning, play, use_cassette
from streamtest._cassette.format import load_path
from tests.edge_server import Route, chat_chunks, edge_server

PROMPT = [{"role": "user", "content": "Write a joke about cats"}]


def _tokens(stream: object) -> list[str]:
    return [c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta.content]  # type: ignore[attr-defined]


def _client(base: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=base + "/v1", api_key="sk-planted-test-key-0123456789abcdef", max_retries=0)


def test_chat_completions_stream_replays_the_recorded_tokens(llm_server: str, tmp_path: Path) -> None:
    path = tmp_path / "chat.yaml"
    with use_cassette(path, record="all"):
        recorded = _tokens(_client(llm_server).chat.completions.create(model="m", messages=PROMPT, stream=True, max_tokens=12, temperature=0))
    assert recorded
    # Replay against another host: scheme, host and port are not matched.
    with use_cassette(path) as cassette:
        replayed = _tokens(_client("https://api.openai.com").chat.completions.create(model="m", messages=PROMPT, stream=True, max_tokens=12, temperature=0))
    assert replayed == recorded
    assert cassette.interactions[0].tokens == recorded


def test_replay_serves_one_recorded_event_per_chunk(llm_server: str, tmp_path: Path) -> None:
    path = tmp_path / "raw.yaml"
    body = {"model": "m", "messages": PROMPT, "stream": True, "max_tokens": 6}
    with use_cassette(path, record="all"), httpx2.Client(timeout=120) as http:
        with http.stream("POST", llm_server + "/v1/chat/completions", json=body) as response:
            live = b"".join(response.iter_raw())
    (recorded,) = load_path(path)[1]
    assert b"".join(recorded["chunks"]) == live
    with use_cassette(path), httpx2.Client() as http:
        with http.stream("POST", "http://elsewhere.invalid/v1/chat/completions", json=body) as response:
            replayed = list(response.iter_raw())
    assert replayed == recorded["chunks"]


def test_async_client_and_chat_openai_all_entry_points(llm_server: str, tmp_path: Path) -> None:
    path = tmp_path / "lc.yaml"

    def model() -> ChatOpenAI:
        return ChatOpenAI(model="gpt-4o-mini", base_url=llm_server + "/v1", api_key="dummy-key-value", max_tokens=8, temperature=0, max_retries=0)

    async def run_async() -> tuple[str, str]:
        a = await model().ainvoke("Say hi")
        b = "".join([c.content async for c in model().astream("Say bye")])  # type: ignore[misc]
        return str(a.content), b

    with use_cassette(path, record="all"):
        sync_recorded = (str(model().invoke("Say hi").content), "".join(str(c.content) for c in model().stream("Say bye")))
        async_recorded = asyncio.run(run_async())
    with use_cassette(path):
        sync_replayed = (str(model().invoke("Say hi").content), "".join(str(c.content) for c in model().stream("Say bye")))
        async_replayed = asyncio.run(run_async())
    assert sync_replayed == sync_recorded
    assert async_replayed == async_recorded
    assert all(sync_recorded)


def test_responses_api_stream_and_plain_json(llm_server: str, tmp_path: Path) -> None:
    path = tmp_path / "responses.yaml"

    def run() -> tuple[list[str], str]:
        client = _client(llm_server)
        deltas = [e.delta for e in client.responses.create(model="m", input="Write a joke", stream=True, max_output_tokens=6) if e.type == "response.output_text.delta"]
        plain = client.chat.completions.create(model="m", messages=PROMPT, max_tokens=6).choices[0].message.content
        return deltas, str(plain)

    with use_cassette(path, record="all"):
        recorded = run()
    text = path.read_text()
    assert "raw:" not in text  # every typed event is stored as fields, one per line
    assert '"event":"response.output_text.delta","data":{"type":"response.output_text.delta"' in text
    assert "event: response.output_text.delta\ndata: " in "".join(c.decode() for c in load_path(path)[1][0]["chunks"])
    with use_cassette(path):
        assert run() == recorded


@pytest.mark.parametrize("status", [429, 500])
def test_http_errors_replay_as_the_same_sdk_error(tmp_path: Path, status: int) -> None:
    route = Route(status=status, headers=[("content-type", "application/json"), ("x-should-retry", "false")], chunks=[b'{"error":{"message":"slow down","type":"rate_limit"}}'])
    errors = []
    with edge_server({"/v1/chat/completions": route}) as server:
        for record in ("all", "none"):
            with use_cassette(tmp_path / "err.yaml", record=record):
                with pytest.raises(openai.APIStatusError) as info:
                    _client(server.url).chat.completions.create(model="m", messages=PROMPT, stream=True)
            errors.append((type(info.value), info.value.status_code, info.value.message))
        assert len(server.connections) == 1
    assert errors[0] == errors[1]
    assert errors[0][1] == status


@pytest.mark.parametrize("gzip_body", [False, True], ids=["plain", "gzip"])
def test_a_stream_broken_mid_way_replays_as_the_same_break(tmp_path: Path, gzip_body: bool) -> None:
    route = Route(chunks=chat_chunks(["Why", " was", " the", " cat"]), break_after=3, gzip_body=gzip_body)
    outcomes = []
    with edge_server({"/v1/chat/completions": route}) as server:
        for record in ("all", "none"):
            seen: list[str] = []
            with use_cassette(tmp_path / "broken.yaml", record=record):
                with pytest.raises(openai.APIError) as info:
                    for chunk in _client(server.url).chat.completions.create(model="m", messages=PROMPT, stream=True):
                        seen.extend(c.delta.content or "" for c in chunk.choices)
            cause = info.value.__cause__ or info.value.__context__
            outcomes.append((seen, type(info.value), type(cause)))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == ["", "Why", " was"]


def test_gzip_bodies_are_stored_decoded(tmp_path: Path) -> None:
    payload = {"id": "x", "object": "chat.completion", "created": 1, "model": "m", "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}]}
    route = Route(headers=[("content-type", "application/json")], chunks=[json.dumps(payload).encode()], gzip_body=True)
    with edge_server({"/v1/chat/completions": route}) as server:
        with use_cassette(tmp_path / "gz.yaml", record="all"):
            live = _client(server.url).chat.completions.create(model="m", messages=PROMPT).choices[0].message.content
    assert "content-encoding" not in (tmp_path / "gz.yaml").read_text()
    with use_cassette(tmp_path / "gz.yaml"):
        assert _client("http://x.invalid").chat.completions.create(model="m", messages=PROMPT).choices[0].message.content == live == "hi"


def test_a_gzip_stream_is_stored_as_timed_readable_events_and_replays_what_the_app_read(tmp_path: Path) -> None:
    """httpx decodes gzip before the app reads a byte; the cassette keeps the decoded events, timed, and serves them."""
    path = tmp_path / "gzip-sse.yaml"
    events = chat_chunks(["Why", " was", " the", " cat"])
    body = {"model": "m", "messages": PROMPT, "stream": True}
    with edge_server({"/v1/chat/completions": Route(chunks=events, delay=0.1, gzip_body=True)}) as server:
        with use_cassette(path, record="all"), httpx2.Client() as http:
            with http.stream("POST", server.url + "/v1/chat/completions", json=body) as response:
                assert response.headers["content-encoding"] == "gzip"
                live = list(response.iter_bytes())
        with use_cassette(path, record="all"):
            recorded_tokens = _tokens(_client(server.url).chat.completions.create(model="m", messages=PROMPT, stream=True))
    text = path.read_text()
    assert "content-encoding" not in text and "raw_base64" not in text
    assert '"delta":{"content":" was"}' in text  # stored readable, one event per line
    (response_dict,) = load_path(path)[1]
    assert response_dict["chunks"] == events
    offsets = response_dict["offsets"]
    assert offsets == sorted(offsets) and offsets[-1] - offsets[0] > 0.3  # timed as they arrived
    with use_cassette(path), httpx2.Client() as http:
        with http.stream("POST", "http://elsewhere.invalid/v1/chat/completions", json=body) as response:
            served = list(response.iter_raw())
            assert "content-encoding" not in response.headers
    assert served == events  # one recorded event per chunk
    assert b"".join(served) == b"".join(live)  # what the application read while recording
    with use_cassette(path):
        assert _tokens(_client("http://x.invalid").chat.completions.create(model="m", messages=PROMPT, stream=True)) == recorded_tokens == ["Why", " was", " the", " cat"]


def test_play_takes_a_raw_sse_body_as_bytes_or_str() -> None:
    events = chat_chunks(["Why", " was"])
    for body in (b"".join(events), b"".join(events).decode()):
        with play(body) as cassette:
            tokens = _tokens(_client("http://x.invalid").chat.completions.create(model="m", messages=PROMPT, stream=True))
        assert tokens == ["Why", " was"]
        assert cassette.interactions[0].chunks == tuple(events)  # split into events, one chunk each


@pytest.mark.parametrize(
    ("stream", "got"),
    [
        (42, "got int: 42"),
        (None, "got NoneType"),
        ([b"data: {}\n\n", 3], "got a list holding a int (3)"),
        (["data: {}\n\n"], "got a list holding a str ('data: {}\\n\\n'): encode each event"),
        ({"chunks": [b"x"]}, "got a dict without 'status'"),
    ],
)
def test_play_says_what_it_accepts(stream: object, got: str) -> None:
    from streamtest import UsageError

    with pytest.raises(UsageError) as caught, play(stream):
        pass
    message = str(caught.value)
    assert message.startswith("play() takes, per request: a raw SSE body (bytes or str), a list of SSE event chunks")
    assert got in message


def test_recording_passes_each_event_through_as_it_arrives(tmp_path: Path) -> None:
    """The application sees the first token long before the stream ends (vcrpy alone buffers it all)."""
    route = Route(chunks=chat_chunks(["a", "b", "c", "d", "e"]), delay=0.15)
    with edge_server({"/v1/chat/completions": route}) as server:
        with use_cassette(tmp_path / "live.yaml", record="all"):
            start = time.perf_counter()
            arrivals = [time.perf_counter() - start for _ in _client(server.url).chat.completions.create(model="m", messages=PROMPT, stream=True)]
    # Chunks reach the application spread out over the stream, not all at its end.
    assert arrivals[-1] - arrivals[0] > 0.5
    offsets = load_path(tmp_path / "live.yaml")[1][0]["offsets"]
    assert offsets == sorted(offsets) and offsets[-1] - offsets[0] > 0.5


def test_repeated_identical_requests_replay_in_recorded_order(tmp_path: Path) -> None:
    bodies = [chat_chunks(["first"]), chat_chunks(["second"])]
    with play(*bodies):
        got = [_tokens(_client("http://x.invalid").chat.completions.create(model="m", messages=PROMPT, stream=True)) for _ in bodies]
    assert got == [["first"], ["second"]]


def test_more_calls_than_recorded_says_so(tmp_path: Path) -> None:
    with pytest.raises(ReplayMismatchError, match="were all played already: the code made more calls"):
        with play(chat_chunks(["only"])) as cassette:
            for _ in range(2):
                _tokens(_client("http://x.invalid").chat.completions.create(model="m", messages=PROMPT, stream=True))
    assert cassette.play_count == 1


def test_a_swallowed_mismatch_still_fails_the_test(tmp_path: Path) -> None:
    path = _record_one(tmp_path)
    with pytest.raises(ReplayMismatchError, match="closest recorded request"), use_cassette(path) as cassette:
        try:  # noqa: SIM105 - spelled out: this is the app under test swallowing the error
            _tokens(_client("http://x.invalid").chat.completions.create(model="m", messages=[{"role": "user", "content": "changed"}], stream=True))
        except Exception:
            pass
    assert cassette.play_count == 0


def _record_one(tmp_path: Path) -> Path:
    path = tmp_path / "one.yaml"
    with edge_server({"/v1/chat/completions": Route(chunks=chat_chunks(["x"]))}) as server:
        with use_cassette(path, record="all"):
            _tokens(_client(server.url).chat.completions.create(model="m", messages=PROMPT, stream=True))
    return path


def test_fewer_calls_than_recorded_fails_on_finish(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    with edge_server({"/v1/chat/completions": Route(chunks=chat_chunks(["x"]))}) as server:
        with use_cassette(path, record="all"):
            for _ in range(2):
                _tokens(_client(server.url).chat.completions.create(model="m", messages=PROMPT, stream=True))
    with pytest.raises(UnplayedInteractionsError, match=r"1 of 2 recorded interaction\(s\).*#2.*fewer LLM calls.*re-record with `use_cassette\(path, record=\"all\"\)`"):
        with use_cassette(path):
            _tokens(_client("http://x.invalid").chat.completions.create(model="m", messages=PROMPT, stream=True))
    with pytest.warns(UnplayedInteractionsWarning, match="never replayed") as warned, use_cassette(path, unplayed="warn"):
        _tokens(_client("http://x.invalid").chat.completions.create(model="m", messages=PROMPT, stream=True))
    (warning,) = warned.list
    assert issubclass(warning.category, UserWarning)
    assert warning.filename == __file__  # the `with use_cassette(...)` line, not streamtest's code


def test_replay_never_opens_a_socket(tmp_path: Path) -> None:
    """A replayed request and an unmatched one both stay off the network: the listener sees nothing."""
    with edge_server({"/v1/chat/completions": Route(chunks=chat_chunks(["x"]))}) as server:
        with use_cassette(tmp_path / "net.yaml", record="all"):
            _tokens(_client(server.url).chat.completions.create(model="m", messages=PROMPT, stream=True))
        assert len(server.connections) == 1
        with use_cassette(tmp_path / "net.yaml"):
            _tokens(_client(server.url).chat.completions.create(model="m", messages=PROMPT, stream=True))
            # Anything that goes around the HTTP patches hits the socket guard.
            import socket

            from streamtest import NetworkBlockedError

            host, port = server.url.removeprefix("http://").split(":")
            with pytest.raises(NetworkBlockedError, match="replay offline"):
                socket.create_connection((host, int(port)), timeout=2)
        with pytest.raises(ReplayMismatchError), use_cassette(tmp_path / "net.yaml"):
            _client(server.url).chat.completions.create(model="m", messages=[{"role": "user", "content": "other"}], stream=True)
        assert len(server.connections) == 1


def test_failed_recording_leaves_the_previous_cassette(tmp_path: Path) -> None:
    path = tmp_path / "keep.yaml"
    path.write_text("previous contents\n")
    with edge_server({"/v1/chat/completions": Route(chunks=chat_chunks(["x"]))}) as server:
        with pytest.raises(RuntimeError), use_cassette(path, record="all"):
            _tokens(_client(server.url).chat.completions.create(model="m", messages=PROMPT, stream=True))
            raise RuntimeError("test failed mid-recording")
    assert path.read_text() == "previous contents\n"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.yaml"]


def _counting_client(delivered: list[bytes]) -> httpx2.AsyncClient:
    """An async http client whose response hook records every body chunk the SDK reads."""

    async def wrap(response: httpx2.Response) -> None:
        inner = response.stream

        class Counting(httpx2.AsyncByteStream):
            async def __aiter__(self):  # type: ignore[no-untyped-def]
                async for chunk in inner:  # type: ignore[union-attr]
                    delivered.append(chunk)
                    yield chunk

            async def aclose(self) -> None:
                await inner.aclose()  # type: ignore[union-attr]

        response.stream = Counting()

    return httpx2.AsyncClient(event_hooks={"response": [wrap]})


def test_async_replay_delivers_each_recorded_byte_once(llm_server: str, tmp_path: Path) -> None:
    """The SDK drains the body again after [DONE]; a replayed body, like a socket, is read once."""
    path = tmp_path / "async.yaml"
    body = {"model": "m", "messages": PROMPT, "stream": True, "max_tokens": 8, "temperature": 0}

    async def run(base: str, delivered: list[bytes]) -> list[str]:
        async with openai.AsyncOpenAI(
            base_url=base + "/v1", api_key="sk-planted-test-key-0123456789abcdef", max_retries=0, http_client=_counting_client(delivered)
        ) as client:
            stream = await client.chat.completions.create(**body)  # type: ignore[call-overload]
            return [c.choices[0].delta.content async for c in stream if c.choices and c.choices[0].delta.content]

    live: list[bytes] = []
    with use_cassette(path, record="all"):
        recorded_tokens = asyncio.run(run(llm_server, live))
    (recorded,) = load_path(path)[1]
    replayed: list[bytes] = []
    with use_cassette(path):
        replayed_tokens = asyncio.run(run("https://api.openai.com", replayed))
    assert replayed_tokens == recorded_tokens
    assert replayed == recorded["chunks"]  # one recorded event per chunk, each exactly once
    assert b"".join(replayed) == b"".join(live)
