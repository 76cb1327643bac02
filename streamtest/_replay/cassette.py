"""Record and replay through vcrpy, streaming: the one module that patches HTTP.

vcrpy does the patching (its ``CassettePatcherBuilder``), the bookkeeping (its
``Cassette``: matching, play counts, ordered replay of repeated requests) and
the other HTTP libraries. Only its httpx/httpx2 stubs are replaced, through
vcrpy's own ``skip_patchers`` + ``custom_patches`` options, because they
buffer: while recording they read the whole upstream body before the
application sees a byte, and on replay they hand back one ``ByteStream``.
Ours tee instead:

- **recording**: the application reads the real upstream stream chunk by
  chunk as it arrives; a tape beside it splits SSE events, stamps each with its
  arrival offset, and appends the interaction when the stream ends (or
  breaks: the break is recorded too);
- **replay**: the recorded events are served one per chunk, then the recorded
  break (if any) is raised again, with the same exception type.

Data flow: httpx request -> ``_vcr_request`` -> ``Cassette._play`` (replay) or
real transport + ``_Tape`` (record) -> response dict (see ``_cassette``) ->
``Cassette.finish`` writes it atomically after the leak guard.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import threading
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from vcr.cassette import Cassette as _VcrCassette
from vcr.patch import CassettePatcherBuilder
from vcr.request import Request

from streamtest._cassette import Interaction, dump, interactions_of, is_event_stream, load_path, sse_response
from streamtest._exceptions import (
    CassetteNotFoundError,
    ReplayMismatchError,
    SecretLeakError,
    UnplayedInteractionsError,
    UsageError,
)
from streamtest._files import atomic_write
from streamtest._match import MATCH_ON, describe_mismatch, method
from streamtest._network import blocked_network
from streamtest._scrub import DUMMY_API_KEY, ScrubPolicy, find_leaks, scrub_request, scrub_response
from streamtest._sse import EventSplitter, split_events

__all__ = ["Cassette", "RecordMode", "play", "use_cassette"]


class RecordMode(StrEnum):
    """``none``: replay only. ``all``: record every test from scratch. ``missing``: record absent cassettes."""

    NONE = "none"
    ALL = "all"
    MISSING = "missing"

    @classmethod
    def parse(cls, value: str | RecordMode | None) -> RecordMode:
        if value is None:
            return cls.NONE
        try:
            return cls(value)
        except ValueError:
            choices = ", ".join(repr(m.value) for m in cls)
            raise UsageError(f"record mode {value!r} is not one of {choices}") from None


# vcrpy's patcher groups and the module each imports; a group whose library is
# not installed is skipped, because vcrpy would retry the failed import (a
# search of sys.path) on every cassette start.
_PATCHER_MODULES = {
    "requests": "requests",
    "boto3": "botocore",
    "urllib3": "urllib3",
    "httplib2": "httplib2",
    "tornado": "tornado",
    "aiohttp": "aiohttp",
}


@functools.cache
def _absent_libraries() -> tuple[str, ...]:
    return tuple(group for group, module in _PATCHER_MODULES.items() if importlib.util.find_spec(module) is None)


# Hosts that --llm-server=local stands in for while recording.
_PROVIDER_HOSTS = frozenset({"api.openai.com"})

# Exception types a recorded stream break may be raised again as (module prefixes).
_REPLAYABLE_ERROR_MODULES = ("httpx2", "httpx", "httpcore", "builtins", "anyio", "ssl")


class Cassette:
    """The cassette a test runs under: its file, its mode, what it recorded and replayed.

    Made by :func:`use_cassette`, :func:`play` or the ``cassette`` fixture;
    active between :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        path: Path | None,
        *,
        recording: bool,
        policy: ScrubPolicy | None = None,
        requests: Sequence[Request] = (),
        responses: Sequence[dict[str, Any]] = (),
        match_on: Sequence[Callable[[Any, Any], None]] = MATCH_ON,
        rerecord_hint: str = "pytest --record",
        block_network: bool = True,
        upstream: str | None = None,
    ) -> None:
        self.path = path
        self.upstream = upstream
        self.recording = recording
        self.policy = policy or ScrubPolicy()
        self._rerecord_hint = rerecord_hint
        self._block_network = block_network and not recording
        self._match_on = tuple(match_on)
        self._lock = threading.Lock()
        self._mismatches: list[str] = []
        self._stack: contextlib.ExitStack | None = None
        self._vcr = _VcrCassette(
            str(path) if path else "<generated streams>",
            record_mode="all" if recording else "none",
            match_on=self._match_on,
            before_record_request=lambda r: scrub_request(r, self.policy),
            before_record_response=lambda r: scrub_response(r, self.policy),
            custom_patches=tuple(self._patches()),
            skip_patchers=("httpx", "httpx2", *_absent_libraries()),
        )
        self._vcr.data.extend(zip(requests, responses, strict=True))
        self._vcr.rewound = True  # vcrpy replays only from a cassette it considers loaded

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Cassette:
        """Patch HTTP (and block sockets when replaying)."""
        if self._stack is not None:
            raise UsageError(f"cassette {self.path} is already active")
        stack = contextlib.ExitStack()
        for patcher in CassettePatcherBuilder(self._vcr).build():
            stack.enter_context(patcher)
        if self._block_network:
            stack.enter_context(blocked_network(f"Record this test's LLM calls with `{self._rerecord_hint}`."))
        self._stack = stack
        return self

    def stop(self) -> None:
        """Undo the patches. Idempotent."""
        stack, self._stack = self._stack, None
        if stack is not None:
            stack.close()

    def finish(self, *, fail_on_unplayed: bool = True) -> None:
        """End of a successful test: write what was recorded, or check all was replayed.

        A mismatch is raised again here even if the code under test caught it
        (a broad ``except`` in a node, a retry wrapper): the test must not pass
        on a request the cassette could not answer.
        """
        if self._mismatches:
            raise ReplayMismatchError(self._mismatches[0])
        if self.recording:
            self.save()
        elif unplayed := self.unplayed:
            message = (
                f"{len(unplayed)} of {len(self)} recorded interaction(s) in {self.path} were never replayed "
                f"(#{', #'.join(map(str, unplayed))}): the code made fewer LLM calls than were recorded. "
                f"If that is intended, re-record with `{self._rerecord_hint}`."
            )
            if fail_on_unplayed:
                raise UnplayedInteractionsError(message)
            import warnings

            warnings.warn(message, stacklevel=2)

    def save(self) -> None:
        """Write the cassette atomically, refusing if the leak guard finds a credential."""
        if self.path is None:
            return
        text = dump(self._vcr.requests, self._vcr.responses)
        if leaks := find_leaks(text, self.policy):
            raise SecretLeakError(
                f"refused to write {self.path}: it would contain {', '.join(leaks)}. Nothing was written. "
                "Drop the header with the streamtest_drop_request_headers ini key, or remove the value "
                "from the prompt."
            )
        atomic_write(self.path, text)

    def __enter__(self) -> Cassette:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ views

    def __len__(self) -> int:
        return len(self._vcr.data)

    @property
    def interactions(self) -> list[Interaction]:
        """Every interaction, recorded now or loaded, in cassette order."""
        with self._lock:
            data = list(self._vcr.data)
        return interactions_of([r for r, _ in data], [r for _, r in data])

    @property
    def play_count(self) -> int:
        return self._vcr.play_count

    @property
    def unplayed(self) -> list[int]:
        """1-based numbers of the interactions never replayed."""
        return [i + 1 for i in range(len(self._vcr.data)) if self._vcr.play_counts[i] == 0]

    def __repr__(self) -> str:
        mode = "recording" if self.recording else "replaying"
        return f"<streamtest.Cassette {mode} {self.path or '<generated>'}: {len(self)} interaction(s)>"

    # ------------------------------------------------------------------ the stubs' side

    def _play(self, request: Request) -> dict[str, Any]:
        with self._lock:
            if self._vcr.can_play_response_for(request):
                return self._vcr.play_response(request)
            recorded = [scrub_request(r, self.policy) for r in self._vcr.requests]
            played = [self._vcr.play_counts[i] > 0 for i in range(len(recorded))]
            message = describe_mismatch(
                scrub_request(request, self.policy),
                recorded,
                played,
                cassette=str(self.path or "<generated streams>"),
                rerecord=self._rerecord_hint,
                match_on=self._match_on,
            )
            self._mismatches.append(message)
        raise ReplayMismatchError(message)

    def _append(self, request: Request, response: dict[str, Any]) -> None:
        with self._lock:
            self._vcr.append(request, response)

    def _patches(self) -> Iterator[tuple[Any, str, Any]]:
        for name in ("httpx2", "httpx"):
            try:
                module = importlib.import_module(name)
            except ImportError:
                continue
            yield module.HTTPTransport, "handle_request", _sync_stub(self, module.HTTPTransport.handle_request, module)
            yield (
                module.AsyncHTTPTransport,
                "handle_async_request",
                _async_stub(self, module.AsyncHTTPTransport.handle_async_request, module),
            )


# ---------------------------------------------------------------------- transport stubs


def _vcr_request(request: Any, body: bytes) -> Request:
    return Request(request.method, str(request.url), body, dict(request.headers))


def _redirect(request: Any, upstream: str | None, httpx_mod: Any) -> None:
    """Send a request meant for the provider to ``upstream`` (the local server) instead.

    Done at the transport, not with OPENAI_BASE_URL, so the application is
    configured exactly as in production: ChatOpenAI, for one, turns
    ``stream_usage`` off when OPENAI_BASE_URL is set, which would make every
    recorded request differ from the one a CI replay makes. The cassette keeps
    the URL the application asked for.
    """
    if upstream is None or request.url.host not in _PROVIDER_HOSTS:
        return
    target = httpx_mod.URL(upstream)
    request.url = request.url.copy_with(scheme=target.scheme, host=target.host, port=target.port)
    request.headers["host"] = target.netloc.decode("ascii")


def _refuse_dummy_key(request: Any, upstream: str | None) -> None:
    """Recording with streamtest's placeholder key would record a 401 from the provider."""
    if request.headers.get("authorization") != f"Bearer {DUMMY_API_KEY}":
        return
    if upstream is not None and str(request.url).startswith(upstream):
        return
    raise UsageError(
        f"recording {request.method} {request.url} needs a real API key, and OPENAI_API_KEY is not set "
        "(streamtest put a placeholder there so clients can be built). Set OPENAI_API_KEY, or record "
        "against the embedded server with `pytest --record --llm-server=local`."
    )


def _replayed_response(recorded: dict[str, Any], httpx_mod: Any) -> Any:
    chunks = recorded.get("chunks")
    if chunks is None:
        body = recorded["body"]["string"]
        chunks = [body.encode("utf-8") if isinstance(body, str) else body]
    status = recorded["status"]
    headers = [(name, value) for name, values in recorded["headers"].items() for value in values]
    error = recorded.get("stream_error")
    return httpx_mod.Response(
        status["code"],
        headers=headers,
        stream=_stream_classes(httpx_mod).Replay(chunks, error, httpx_mod),
        extensions={"reason_phrase": (status.get("message") or "").encode("ascii", "replace")},
    )


def _intercept(cassette: Cassette, request: Any, body: bytes, httpx_mod: Any) -> tuple[Any, _Tape | None]:
    """What both stubs do before the transport: replay from the cassette, or get ready to record.

    Returns ``(replayed response, None)`` or ``(None, tape)``.
    """
    request.stream = httpx_mod.ByteStream(body)
    vcr_request = _vcr_request(request, body)
    if not cassette.recording:
        return _replayed_response(cassette._play(vcr_request), httpx_mod), None
    _redirect(request, cassette.upstream, httpx_mod)
    _refuse_dummy_key(request, cassette.upstream)
    return None, _Tape(cassette, vcr_request)


def _sync_stub(cassette: Cassette, real: Callable[..., Any], httpx_mod: Any) -> Callable[..., Any]:
    @functools.wraps(real)
    def handle_request(transport: Any, request: Any) -> Any:
        replayed, tape = _intercept(cassette, request, b"".join(request.stream), httpx_mod)
        if tape is None:
            return replayed
        response = real(transport, request)
        tape.begin(response)
        response.stream = _stream_classes(httpx_mod).RecordingSync(response.stream, tape)
        return response

    return handle_request


def _async_stub(cassette: Cassette, real: Callable[..., Any], httpx_mod: Any) -> Callable[..., Any]:
    @functools.wraps(real)
    async def handle_async_request(transport: Any, request: Any) -> Any:
        replayed, tape = _intercept(cassette, request, b"".join([part async for part in request.stream]), httpx_mod)
        if tape is None:
            return replayed
        response = await real(transport, request)
        tape.begin(response)
        response.stream = _stream_classes(httpx_mod).RecordingAsync(response.stream, tape)
        return response

    return handle_async_request


class _Tape:
    """What the application read from one upstream response, with SSE event arrival times."""

    def __init__(self, cassette: Cassette, request: Request) -> None:
        self._cassette = cassette
        self._request = request
        self._started = time.perf_counter()
        self._raw = bytearray()
        self._chunks: list[bytes] = []
        self._offsets: list[float] = []
        self._splitter: EventSplitter | None = None
        self._response: dict[str, Any] = {}
        self._done = False

    def begin(self, response: Any) -> None:
        headers: dict[str, list[str]] = {}
        for name, value in response.headers.multi_items():
            headers.setdefault(name.lower(), []).append(value)
        reason = response.extensions.get("reason_phrase", b"")
        self._response = {
            "status": {"code": response.status_code, "message": reason.decode("ascii", "replace")},
            "headers": headers,
        }
        encoding = response.headers.get("content-encoding", "identity").lower()
        if is_event_stream(self._response) and encoding == "identity":
            self._splitter = EventSplitter()

    def feed(self, data: bytes) -> None:
        self._raw += data
        if self._splitter is not None:
            events = self._splitter.feed(data)
            if events:
                offset = time.perf_counter() - self._started
                self._chunks.extend(events)
                self._offsets.extend([offset] * len(events))

    def finish(self, error: BaseException | None = None) -> None:
        """Append the interaction once: at the end of the stream, at a break, or at close."""
        if self._done:
            return
        self._done = True
        response = dict(self._response)
        body = bytes(self._raw)
        if self._splitter is not None:
            if tail := self._splitter.flush():
                self._chunks.append(tail)
                self._offsets.append(time.perf_counter() - self._started)
            response["chunks"], response["offsets"] = self._chunks, self._offsets
        else:
            body = _decoded(body, response)
            if is_event_stream(response):
                response["chunks"] = split_events(body)
                response["offsets"] = None
        response["body"] = {"string": body}
        if error is not None:
            kind = type(error)
            response["stream_error"] = {"type": f"{kind.__module__}.{kind.__qualname__}", "message": str(error)}
        self._cassette._append(self._request, response)


def _decoded(body: bytes, response: dict[str, Any]) -> bytes:
    """Undo gzip/deflate so the cassette stores readable bytes; other encodings stay as sent."""
    headers = response["headers"]
    encoding = headers.get("content-encoding", ["identity"])[0].lower()
    if encoding in ("gzip", "deflate"):
        wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
        with contextlib.suppress(zlib.error):
            body = zlib.decompress(body, wbits)
            headers.pop("content-encoding")
    return body


def _raise_recorded(error: dict[str, str], httpx_mod: Any) -> None:
    module_name, _, name = error["type"].rpartition(".")
    exc_type: Any = None
    if module_name.startswith(_REPLAYABLE_ERROR_MODULES):
        with contextlib.suppress(ImportError, AttributeError):
            exc_type = getattr(importlib.import_module(module_name), name)
    if not (isinstance(exc_type, type) and issubclass(exc_type, BaseException)):
        exc_type = httpx_mod.ReadError
    try:
        exc = exc_type(error["message"])
    except TypeError:
        exc = httpx_mod.ReadError(error["message"])
    raise exc


@functools.cache
def _stream_classes(httpx_mod: Any) -> Any:
    """Byte-stream classes for one httpx flavour (httpx or httpx2), made once."""

    class Replay(httpx_mod.SyncByteStream, httpx_mod.AsyncByteStream):  # type: ignore[misc, name-defined]
        """The recorded chunks, one per iteration step, then the recorded break."""

        def __init__(self, chunks: Sequence[bytes], error: dict[str, str] | None, module: Any) -> None:
            self._chunks = chunks
            self._error = error
            self._module = module

        def __iter__(self) -> Iterator[bytes]:
            yield from self._chunks
            if self._error:
                _raise_recorded(self._error, self._module)

        async def __aiter__(self) -> AsyncIterator[bytes]:
            for chunk in self._chunks:
                yield chunk
            if self._error:
                _raise_recorded(self._error, self._module)

    class RecordingSync(httpx_mod.SyncByteStream):  # type: ignore[misc, name-defined]
        """Pass the upstream chunks through as they arrive, copying them to the tape."""

        def __init__(self, inner: Any, tape: _Tape) -> None:
            self._inner = inner
            self._tape = tape

        def __iter__(self) -> Iterator[bytes]:
            try:
                for chunk in self._inner:
                    self._tape.feed(chunk)
                    yield chunk
            except Exception as exc:
                self._tape.finish(exc)
                raise
            finally:
                self._tape.finish()

        def close(self) -> None:
            self._tape.finish()
            self._inner.close()

    class RecordingAsync(httpx_mod.AsyncByteStream):  # type: ignore[misc, name-defined]
        """Async twin of ``RecordingSync``."""

        def __init__(self, inner: Any, tape: _Tape) -> None:
            self._inner = inner
            self._tape = tape

        async def __aiter__(self) -> AsyncIterator[bytes]:
            try:
                async for chunk in self._inner:
                    self._tape.feed(chunk)
                    yield chunk
            except Exception as exc:
                self._tape.finish(exc)
                raise
            finally:
                self._tape.finish()

        async def aclose(self) -> None:
            self._tape.finish()
            await self._inner.aclose()

    return type("_Streams", (), {"Replay": Replay, "RecordingSync": RecordingSync, "RecordingAsync": RecordingAsync})


# ---------------------------------------------------------------------- entry points


def open_cassette(
    path: str | Path,
    *,
    record: str | RecordMode = RecordMode.NONE,
    policy: ScrubPolicy | None = None,
    rerecord_hint: str | None = None,
    block_network: bool = True,
    upstream: str | None = None,
) -> Cassette:
    """Load (replay) or create (record) the cassette at ``path``, not yet started.

    ``upstream``: while recording, where requests for api.openai.com really go.
    """
    mode = RecordMode.parse(record)
    path = Path(path)
    hint = rerecord_hint or "pytest --record"
    recording = mode is RecordMode.ALL or (mode is RecordMode.MISSING and not path.exists())
    if recording:
        return Cassette(path, recording=True, policy=policy, rerecord_hint=hint, upstream=upstream)
    if not path.exists():
        raise CassetteNotFoundError(path)
    requests, responses = load_path(path)
    return Cassette(
        path,
        recording=False,
        policy=policy,
        requests=requests,
        responses=responses,
        rerecord_hint=hint,
        block_network=block_network,
    )


@contextlib.contextmanager
def use_cassette(
    path: str | Path,
    *,
    record: str | RecordMode = RecordMode.NONE,
    policy: ScrubPolicy | None = None,
    fail_on_unplayed: bool = True,
    block_network: bool = True,
    upstream: str | None = None,
) -> Iterator[Cassette]:
    """Replay (or record) the cassette at ``path`` around a block of code, outside pytest too.

    On a clean exit a recording is written atomically and a replay is checked
    for interactions never played; when the block raises, nothing is written.
    """
    cassette = open_cassette(path, record=record, policy=policy, block_network=block_network, upstream=upstream)
    with cassette:
        yield cassette
    cassette.finish(fail_on_unplayed=fail_on_unplayed)


def _as_response(stream: Any) -> dict[str, Any]:
    if isinstance(stream, dict) and "status" in stream:
        return stream
    chunks = getattr(stream, "chunks", stream)
    if isinstance(chunks, bytes | str):
        raise UsageError(f"play() takes sequences of SSE event chunks, not a single {type(chunks).__name__}: {chunks!r:.60}")
    return sse_response(chunks)


@contextlib.contextmanager
def play(*streams: Any) -> Iterator[Cassette]:
    """Serve ``streams`` to the next HTTP requests, in order, through the replay path.

    Each stream is a sequence of SSE chunks (``bytes``, one event each), an
    object with a ``chunks`` attribute (what ``streamtest.strategies`` makes),
    or a response dict. Requests match in order whatever their body: a
    generated stream is a cassette nobody recorded. Concurrent requests (a
    fan-out graph) therefore get the streams in the order they reach the
    transport, which varies; replay a cassette (matched by body) for those.
    """
    responses = [_as_response(s) for s in streams]
    requests = [Request("POST", "http://streamtest.invalid/generated", b"", {}) for _ in responses]
    cassette = Cassette(
        None,
        recording=False,
        requests=requests,
        responses=responses,
        match_on=(method,),
        rerecord_hint="(generated streams: give play() one stream per request)",
        block_network=False,
    )
    with cassette:
        yield cassette
