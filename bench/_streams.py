"""The streams the rows replay: recorded once from the local llama.cpp server, cached.

The source is raw: the SSE bytes the server sent, split into events, with
their arrival offsets and the response headers, read with plain httpx2 (not
through streamtest, the code under measurement). It is cached as JSON in
``<streamtest cache dir>/bench/`` because a 2,000-token generation takes
minutes on a loaded 2-core machine; ``--refresh-stream`` records it again.

From the source, :func:`build_stream` makes a stream of any length (the
2,000-token stream of rows 1-2, the ~100-token one of rows 3 and 7, the
100 to 100,000-event ones of row 4). When the source is long enough it is a
prefix of the recorded events, cut before the finish chunk and closed with
the recorded finish/usage/``[DONE]`` events; when it is not, content events
are repeated in recorded order. ``Stream.how`` says which, and the table
prints it.

Every tool's cassette of a stream is built from the same bytes:
:func:`write_streamtest_cassette` with streamtest's own serializer
(``_cassette.dump``), :func:`write_vcrpy_cassette` with vcrpy's filesystem
persister and default YAML serializer, and :func:`write_cassetter_cassette`
with cassetter's own ``Cassette.record`` + ``save``: in each case the code the
tool runs when it records.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "CapturedRequest",
    "FreshCopies",
    "Source",
    "Stream",
    "build_stream",
    "capture_requests",
    "load_source",
    "serve_in_memory",
    "serve_in_memory_sync",
    "write_cassetter_cassette",
    "write_streamtest_cassette",
    "write_vcrpy_cassette",
]

SOURCE_TOKENS = 2000
#: llama.cpp threads for the bench's server. One, not LocalLLMServer's default two: on a
#: busy 2-core machine two threads spin-wait on each other and generate 5-20x slower
#: (measured here: 57 ms/token with one thread, 280-1000 ms/token with two, load ~8).
SERVER_THREADS = 1
_SOURCE_VERSION = 1
_PROMPTS = (
    "Write a very long, detailed story about a cat who travels around the world. "
    "Describe every city she visits, the people she meets and the food she eats. "
    "Make it at least 3000 words long.",
    "Continue the story of the travelling cat with a new journey across the oceans, in great detail.",
    "Write a long essay about the history of cats in human culture, with many examples.",
    "Write a long guide to caring for a cat, chapter by chapter.",
)


@dataclass(frozen=True)
class Source:
    """Recorded responses: each a list of SSE events, their offsets and the response headers."""

    responses: list[dict[str, Any]]
    recorded_at: str
    seconds: float

    @property
    def content_tokens(self) -> int:
        return sum(sum(1 for e in r["events"] if _is_content(e.encode())) for r in self.responses)


@dataclass(frozen=True)
class Stream:
    """One chat-completions SSE stream: ``events`` (bytes, one event each) and how it was built."""

    events: list[bytes]
    offsets: list[float]
    headers: dict[str, list[str]]
    how: str

    @property
    def body(self) -> bytes:
        return b"".join(self.events)

    @property
    def content_events(self) -> int:
        return sum(1 for e in self.events if _is_content(e))


# ---------------------------------------------------------------------- classification


def _payload(event: bytes) -> Any:
    text = event.decode("utf-8").strip()
    if not text.startswith("data: "):
        return None
    data = text[len("data: ") :]
    if data == "[DONE]":
        return "[DONE]"
    try:
        return json.loads(data)
    except ValueError:
        return None


def _is_content(event: bytes) -> bool:
    payload = _payload(event)
    if not isinstance(payload, dict) or not payload.get("choices"):
        return False
    choice = payload["choices"][0]
    return bool((choice.get("delta") or {}).get("content")) and choice.get("finish_reason") is None


# ---------------------------------------------------------------------- the source


def source_path() -> Path:
    from streamtest._server.local import cache_dir

    return cache_dir() / "bench" / f"source-{SOURCE_TOKENS}.json"


def load_source(*, refresh: bool = False, log: Callable[[str], None] = print) -> Source:
    """The cached recording, or a new one from the local server (minutes: it says so first)."""
    path = source_path()
    if not refresh and path.exists():
        with contextlib.suppress(ValueError, KeyError):
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == _SOURCE_VERSION:
                return Source(data["responses"], data["recorded_at"], data["seconds"])
    log(
        f"recording the {SOURCE_TOKENS}-token source stream from the local llama.cpp server (cached afterwards in {path})"
    )
    source = _record_source(log)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".tmp")
    temp.write_text(
        json.dumps(
            {
                "version": _SOURCE_VERSION,
                "responses": source.responses,
                "recorded_at": source.recorded_at,
                "seconds": source.seconds,
            }
        ),
        encoding="utf-8",
    )
    temp.replace(path)
    return source


def _record_source(log: Callable[[str], None]) -> Source:
    import httpx2

    from streamtest._server.local import LocalLLMServer
    from streamtest._wire.sse import EventSplitter

    started = time.perf_counter()
    responses: list[dict[str, Any]] = []
    with (
        LocalLLMServer(n_ctx=SOURCE_TOKENS + 256, n_threads=SERVER_THREADS) as server,
        httpx2.Client(timeout=None) as client,
    ):
        tokens = 0
        for prompt in _PROMPTS:
            body = {
                "model": "gpt-4o-mini",
                "messages": [{"role": "user", "content": prompt}],
                "stream": True,
                "stream_options": {"include_usage": True},
                "max_tokens": SOURCE_TOKENS - tokens,
                "temperature": 0,
            }
            t0 = time.perf_counter()
            events: list[bytes] = []
            offsets: list[float] = []
            splitter = EventSplitter()
            with client.stream("POST", f"{server.base_url}/v1/chat/completions", json=body) as response:
                headers: dict[str, list[str]] = {}
                for name, value in response.headers.multi_items():
                    headers.setdefault(name.lower(), []).append(value)
                for data in response.iter_raw():
                    complete = splitter.feed(data)
                    events.extend(complete)
                    offsets.extend([time.perf_counter() - t0] * len(complete))
            if pending := splitter.flush():
                events.append(pending)
                offsets.append(time.perf_counter() - t0)
            got = sum(1 for e in events if _is_content(e))
            tokens += got
            log(f"  recorded {got} content tokens in {time.perf_counter() - t0:.0f} s (total {tokens})")
            responses.append(
                {
                    "prompt": prompt,
                    "headers": headers,
                    "events": [e.decode("utf-8") for e in events],
                    "offsets": [round(o, 4) for o in offsets],
                }
            )
            if tokens >= SOURCE_TOKENS:
                break
    return Source(responses, time.strftime("%Y-%m-%d %H:%M"), round(time.perf_counter() - started, 1))


def build_stream(source: Source, content_events: int) -> Stream:
    """A stream with exactly ``content_events`` content events, built from the recorded ones.

    Head (events before the first content event: the role chunk) and tail
    (finish, usage, ``[DONE]``) come from the first recorded response. The
    content events are the recorded ones in order, across responses; if more
    are asked for than were recorded, they repeat (with offsets continuing).
    """
    first = source.responses[0]
    events0 = [e.encode("utf-8") for e in first["events"]]
    flags = [_is_content(e) for e in events0]
    first_content = flags.index(True)
    last_content = len(flags) - 1 - flags[::-1].index(True)
    head, tail = events0[:first_content], events0[last_content + 1 :]
    head_t, tail_t = first["offsets"][:first_content], first["offsets"][last_content + 1 :]

    pool: list[tuple[bytes, float]] = []
    for response in source.responses:
        for event, offset in zip(response["events"], response["offsets"], strict=True):
            raw = event.encode("utf-8")
            if _is_content(raw):
                pool.append((raw, offset))
    recorded = len(pool)
    body: list[bytes] = []
    offsets: list[float] = list(head_t)
    base = 0.0
    last = head_t[-1] if head_t else 0.0
    while len(body) < content_events:
        for raw, offset in pool[: content_events - len(body)]:
            body.append(raw)
            last = base + offset
            offsets.append(last)
        base = last
    span = (tail_t[0] - first["offsets"][last_content]) if tail_t else 0.0
    offsets += [last + span + (t - tail_t[0]) for t in tail_t]

    responses = len(source.responses)
    if content_events <= recorded:
        origin = "one recorded response" if responses == 1 else f"{responses} recorded responses, content concatenated"
        how = f"{content_events} content events: the first {content_events} recorded by the local llama.cpp server ({origin})"
    else:
        how = (
            f"{content_events} content events: the {recorded} recorded by the local llama.cpp server "
            f"repeated {content_events / recorded:.0f}x (re-chunked recording)"
        )
    return Stream(events=head + body + tail, offsets=offsets, headers=first["headers"], how=how)


# ---------------------------------------------------------------------- the application's request


@dataclass(frozen=True)
class CapturedRequest:
    method: str
    url: str
    body: bytes
    headers: dict[str, str]


@contextlib.contextmanager
def capture_requests(body: bytes) -> Iterator[list[CapturedRequest]]:
    """Patch httpx2's transports: record each request the application makes, answer with ``body`` as SSE.

    Used once per stream to learn the exact request (URL, JSON body, headers)
    ChatOpenAI or AsyncOpenAI sends, so the cassettes hold that request. The
    application's own client is left as configured (no injected http_client,
    which would change what ChatOpenAI sends).
    """
    from unittest import mock

    import httpx2

    captured: list[CapturedRequest] = []

    def answer(request: Any, content: bytes) -> Any:
        captured.append(CapturedRequest(request.method, str(request.url), content, dict(request.headers)))
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    def handle(self: Any, request: Any) -> Any:
        return answer(request, request.read())

    async def handle_async(self: Any, request: Any) -> Any:
        return answer(request, await request.aread())

    with (
        mock.patch.object(httpx2.HTTPTransport, "handle_request", handle),
        mock.patch.object(httpx2.AsyncHTTPTransport, "handle_async_request", handle_async),
    ):
        yield captured


@contextlib.contextmanager
def serve_in_memory(events: Sequence[bytes]) -> Iterator[None]:
    """Answer every async httpx2 request with ``events``, one chunk per event, from memory.

    The HTTP floor of rows 1-2: the application's own client, the SDK's SSE
    parsing and ChatOpenAI all run; no cassette is loaded, nothing is matched,
    nothing but this one method is patched.
    """
    from unittest import mock

    import httpx2

    class Events(httpx2.AsyncByteStream):
        async def __aiter__(self) -> Any:
            for event in events:
                yield event

    async def handle_async(self: Any, request: Any) -> Any:
        await request.aread()
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, stream=Events())

    with mock.patch.object(httpx2.AsyncHTTPTransport, "handle_async_request", handle_async):
        yield


@contextlib.contextmanager
def serve_in_memory_sync(events: Sequence[bytes]) -> Iterator[None]:
    """The sync twin of :func:`serve_in_memory`: ``httpx2.HTTPTransport`` answers from memory, one chunk per event."""
    from unittest import mock

    import httpx2

    class Events(httpx2.SyncByteStream):
        def __iter__(self) -> Any:
            yield from events

    def handle(self: Any, request: Any) -> Any:
        request.read()
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, stream=Events())

    with mock.patch.object(httpx2.HTTPTransport, "handle_request", handle):
        yield


# ---------------------------------------------------------------------- cassettes


class FreshCopies:
    """A new file name for the same cassette on every call, so each load is a first load.

    streamtest may cache parsed cassettes in-process (by path, mtime and
    size); a suite gives each test its own cassette, so what a test pays is a
    first load. Copies are made (and the previous one deleted) by the caller
    outside the timed part.
    """

    def __init__(self) -> None:
        self._numbers = itertools.count()
        self._last: dict[Path, Path] = {}

    def __call__(self, path: Path) -> Path:
        if (previous := self._last.get(path)) is not None:
            previous.unlink(missing_ok=True)
        copy = path.with_name(f"{path.stem}.run{next(self._numbers)}{path.suffix}")
        shutil.copyfile(path, copy)
        self._last[path] = copy
        return copy


def _vcr_request(request: CapturedRequest) -> Any:
    from vcr.request import Request

    return Request(request.method, request.url, request.body, dict(request.headers))


def streamtest_text(requests: Sequence[CapturedRequest], streams: Sequence[Stream]) -> str:
    """Cassette text in streamtest's format, from streamtest's own serializer and scrubber."""
    from streamtest._cassette.format import dump, sse_response
    from streamtest._cassette.scrub import ScrubPolicy, scrub_request

    policy = ScrubPolicy()
    vcr_requests = [scrub_request(_vcr_request(r), policy) for r in requests]
    responses = []
    for stream in streams:
        response = sse_response(stream.events)
        response["offsets"] = stream.offsets
        responses.append(response)
    return dump(vcr_requests, responses)


def write_streamtest_cassette(path: Path, requests: Sequence[CapturedRequest], streams: Sequence[Stream]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(streamtest_text(requests, streams), encoding="utf-8")
    return path


def write_vcrpy_cassette(path: Path, requests: Sequence[CapturedRequest], streams: Sequence[Stream]) -> Path:
    """A default vcrpy cassette (what ``vcr.use_cassette`` writes when recording this exchange)."""
    from vcr.persisters.filesystem import FilesystemPersister
    from vcr.serializers import yamlserializer

    responses = [
        {"status": {"code": 200, "message": "OK"}, "headers": dict(stream.headers), "body": {"string": stream.body}}
        for stream in streams
    ]
    FilesystemPersister.save_cassette(
        path, {"requests": [_vcr_request(r) for r in requests], "responses": responses}, serializer=yamlserializer
    )
    return path


def write_cassetter_cassette(path: Path, requests: Sequence[CapturedRequest], streams: Sequence[Stream]) -> Path:
    """A default cassetter cassette: its ``Cassette.record`` (body processing, scrubbing) then ``save``."""
    from cassetter import Cassette, RecordMode

    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    cassette = Cassette(path, record_mode=RecordMode.ALL)
    cassette.load()
    for request, stream in zip(requests, streams, strict=True):
        cassette.record(
            request.method,
            request.url,
            {name.lower(): [value] for name, value in request.headers.items()},
            request.body,
            200,
            {name: list(values) for name, values in stream.headers.items()},
            stream.body,
        )
    cassette.save()
    return path
