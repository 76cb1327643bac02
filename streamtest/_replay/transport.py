"""The HTTP transport stubs: where a request is answered from a cassette or recorded as it streams.

vcrpy's own httpx/httpx2 stubs buffer: while recording they read the whole
upstream body before the application sees a byte, and on replay they hand back
one ``ByteStream``. These replace them (installed by
:class:`~streamtest._replay.cassette.Cassette` through vcrpy's
``custom_patches``) and tee instead:

- **recording**: the application reads the real upstream stream chunk by chunk
  as it arrives; a :class:`~streamtest._replay.tape.Tape` beside it cuts the
  body into frames with the response's framing (SSE events...), stamps each
  with its arrival offset, and hands the interaction to the cassette when the
  stream ends (or breaks: the break is recorded too);
- **replay**: the recorded frames are served one per chunk, then the recorded
  break (if any) is raised again, with the same exception type.

The stubs talk to the cassette through the small :class:`~streamtest._replay.tape.Deck`
protocol, so this module does not import the cassette: imports point one way.
The tape (what recording keeps) is shared with the botocore stub
(:mod:`streamtest._replay.aws`).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from vcr.request import Request

from streamtest._cassette.format import try_json
from streamtest._cassette.scrub import DUMMY_API_KEY
from streamtest._exceptions import UsageError
from streamtest._replay.pacing import Schedule, Step, hang_error, run_async, run_sync
from streamtest._replay.tape import Deck, Tape
from streamtest._server.shaping import shape_request
from streamtest._wire.registry import format_for, local_server_hosts

__all__ = ["Deck", "transport_patches"]

# Exception types a recorded stream break may be raised again as (module prefixes).
_REPLAYABLE_ERROR_MODULES = ("httpx2", "httpx", "httpcore", "builtins", "anyio", "ssl")


def transport_patches(deck: Deck) -> Iterator[tuple[Any, str, Any]]:
    """``(class, method name, stub)`` for every installed httpx flavour, for vcrpy's ``custom_patches``."""
    for name in ("httpx2", "httpx"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        yield module.HTTPTransport, "handle_request", _sync_stub(deck, module.HTTPTransport.handle_request, module)
        yield (
            module.AsyncHTTPTransport,
            "handle_async_request",
            _async_stub(deck, module.AsyncHTTPTransport.handle_async_request, module),
        )


def _vcr_request(request: Any, body: bytes) -> Request:
    # headers.items() merges repeated names as dict(headers) does, in one pass over the list;
    # dict(headers) looks each name up again, scanning the whole list per name.
    return Request(request.method, str(request.url), body, dict(request.headers.items()))


def _redirect(request: Any, body: bytes, upstream: str | None, httpx_mod: Any) -> None:
    """Send a request meant for the provider to ``upstream`` (the local server) instead, shaped for it.

    Done at the transport, not with OPENAI_BASE_URL, so the application is
    configured exactly as in production: ChatOpenAI, for one, turns
    ``stream_usage`` off when OPENAI_BASE_URL is set, which would make every
    recorded request differ from the one a CI replay makes. The body the local
    server gets is reshaped so a 270M base model calls tools and stops
    (:func:`streamtest._server.shaping.shape_request` says what and why). The
    cassette keeps the URL and the body the application sent: the recording's
    request was made from them before this runs.
    """
    if upstream is None or request.url.host not in local_server_hosts():
        return
    target = httpx_mod.URL(upstream)
    request.url = request.url.copy_with(scheme=target.scheme, host=target.host, port=target.port)
    request.headers["host"] = target.netloc.decode("ascii")
    sent = try_json(body) if body else None
    shaped = shape_request(request.url.path, sent)
    if shaped is not sent:
        data = json.dumps(shaped, ensure_ascii=False).encode("utf-8")
        request.stream = httpx_mod.ByteStream(data)
        request.headers["content-length"] = str(len(data))


def _refuse_dummy_key(request: Any, upstream: str | None) -> None:
    """Recording with streamtest's placeholder key would record a 401 from the provider.

    The placeholder may travel in any header (``Authorization: Bearer`` for
    openai and anthropic, ``x-api-key``, ``x-goog-api-key``) or the query.
    """
    if upstream is not None and str(request.url).startswith(upstream):
        return
    if DUMMY_API_KEY not in str(request.url) and not any(DUMMY_API_KEY in value for value in request.headers.values()):
        return
    wire = format_for(request.url.path)
    variable = wire.key_env[0] if wire is not None and wire.key_env else "the provider's API key variable"
    local = wire is None or wire.local_server
    raise UsageError(
        f"recording {request.method} {request.url} needs a real API key, and {variable} is not set "
        f"(streamtest put a placeholder there so clients can be built). Set {variable}"
        + (", or record against the embedded server with `pytest --record --llm-server=local`." if local else ".")
    )


def _replayed_response(deck: Deck, recorded: dict[str, Any], request: Any, httpx_mod: Any) -> Step:
    """The recorded answer as an httpx response, paced, after whatever delays its headers."""
    chunks = recorded.get("chunks")
    if chunks is None:
        body = recorded["body"]["string"]
        chunks = [body.encode("utf-8") if isinstance(body, str) else body]
    status = recorded["status"]
    headers = [(name, value) for name, values in recorded["headers"].items() for value in values]
    error = recorded.get("stream_error")
    stall = recorded.get("stall")
    classes = _stream_classes(httpx_mod)
    wait = 0.0
    if deck.pace.fast and stall is None and not error:  # nothing to wait for or raise: the chunks as they are
        stream = classes.ReplayAtOnce(iter(chunks))
    else:
        schedule = Schedule(
            deck.pace,
            read_timeout=(request.extensions.get("timeout") or {}).get("read"),
            timeout_error=lambda: httpx_mod.ReadTimeout("timed out"),
            hang_error=lambda: deck.report(hang_error(f"{request.method} {request.url}")),
        )
        head = schedule.head(stall)
        if head is not None:
            if head[1] is not None:
                return head
            wait = head[0]
        steps = schedule.steps(chunks, recorded.get("offsets"), stall=stall, error=_recorded_error(error, httpx_mod) if error else None)
        stream = classes.Replay(steps)
    response = httpx_mod.Response(
        status["code"],
        headers=headers,
        stream=stream,
        extensions={"reason_phrase": (status.get("message") or "").encode("ascii", "replace")},
    )
    return wait, response


def _head(response: Any) -> tuple[int, str, dict[str, list[str]]]:
    """An httpx response's status, reason and headers (lower-cased names), for the tape."""
    headers: dict[str, list[str]] = {}
    for name, value in response.headers.multi_items():
        headers.setdefault(name.lower(), []).append(value)
    reason = response.extensions.get("reason_phrase", b"")
    return response.status_code, reason.decode("ascii", "replace"), headers


def _intercept(deck: Deck, request: Any, body: bytes, httpx_mod: Any) -> tuple[dict[str, Any] | None, Tape | None]:
    """What both stubs do before the transport: find the recorded answer, get ready to record, or both.

    Returns ``(recorded response, None)`` to replay, ``(None, tape)`` to record,
    ``(recorded response, tape)`` to verify (send live, answer from the cassette).
    """
    request.stream = httpx_mod.ByteStream(body)
    vcr_request = _vcr_request(request, body)
    recorded = None if deck.recording else deck.replay_response(vcr_request)
    if recorded is not None and not deck.verifying:
        return recorded, None
    _redirect(request, body, deck.upstream, httpx_mod)
    _refuse_dummy_key(request, deck.upstream)
    return recorded, Tape(deck, vcr_request)


def _sync_stub(deck: Deck, real: Callable[..., Any], httpx_mod: Any) -> Callable[..., Any]:
    @functools.wraps(real)
    def handle_request(transport: Any, request: Any) -> Any:
        recorded, tape = _intercept(deck, request, b"".join(request.stream), httpx_mod)
        if tape is not None:
            response = real(transport, request)
            tape.begin(*_head(response))
            response.stream = _stream_classes(httpx_mod).RecordingSync(response.stream, tape)
            if recorded is None:
                return response
            with contextlib.suppress(httpx_mod.TransportError), contextlib.closing(response):
                for _ in response.stream:  # verify: the tape keeps the live stream (and any break)
                    pass
        assert recorded is not None
        return run_sync(_replayed_response(deck, recorded, request, httpx_mod))

    return handle_request


def _async_stub(deck: Deck, real: Callable[..., Any], httpx_mod: Any) -> Callable[..., Any]:
    @functools.wraps(real)
    async def handle_async_request(transport: Any, request: Any) -> Any:
        recorded, tape = _intercept(deck, request, b"".join([part async for part in request.stream]), httpx_mod)
        if tape is not None:
            response = await real(transport, request)
            tape.begin(*_head(response))
            response.stream = _stream_classes(httpx_mod).RecordingAsync(response.stream, tape)
            if recorded is None:
                return response
            try:
                with contextlib.suppress(httpx_mod.TransportError):
                    async for _ in response.stream:  # verify: the tape keeps the live stream (and any break)
                        pass
            finally:
                await response.aclose()
        assert recorded is not None
        return await run_async(_replayed_response(deck, recorded, request, httpx_mod))

    return handle_async_request


def _recorded_error(error: dict[str, str], httpx_mod: Any) -> BaseException:
    """The exception a recorded break is raised again as; a bare name (a fault's) is an httpx class."""
    module_name, _, name = error["type"].rpartition(".")
    exc_type: Any = None
    if not module_name:
        exc_type = getattr(httpx_mod, name, None)
    elif module_name.startswith(_REPLAYABLE_ERROR_MODULES):
        with contextlib.suppress(ImportError, AttributeError):
            exc_type = getattr(importlib.import_module(module_name), name)
    if not (isinstance(exc_type, type) and issubclass(exc_type, BaseException)):
        exc_type = httpx_mod.ReadError
    try:
        return exc_type(error["message"])  # type: ignore[no-any-return]
    except TypeError:
        return httpx_mod.ReadError(error["message"])  # type: ignore[no-any-return]


@functools.cache
def _stream_classes(httpx_mod: Any) -> Any:
    """Byte-stream classes for one httpx flavour (httpx or httpx2), made once."""

    class Replay(httpx_mod.SyncByteStream, httpx_mod.AsyncByteStream):  # type: ignore[misc, name-defined]
        """The recorded chunks, one per iteration step, each when its schedule says, then the recorded break.

        Read once, like the socket it stands in for: a second iteration (the
        openai SDK drains the body again after ``[DONE]``) gets only what the
        first one left, so each recorded byte is delivered exactly once.
        """

        def __init__(self, steps: Iterator[Step]) -> None:
            self._steps = steps  # shared by both iterators: see streamtest._replay.pacing

        def __iter__(self) -> Iterator[bytes]:
            for step in self._steps:
                yield run_sync(step)

        async def __aiter__(self) -> AsyncIterator[bytes]:
            for step in self._steps:
                yield await run_async(step)

    class ReplayAtOnce(httpx_mod.SyncByteStream, httpx_mod.AsyncByteStream):  # type: ignore[misc, name-defined]
        """``Replay`` when the schedule has nothing to do (fast pace, no stall, no break): one chunk per step, read once.

        The sync iterator is the shared chunk iterator itself (no generator and
        no step per chunk on the hot path of every replay).
        """

        def __init__(self, chunks: Iterator[bytes]) -> None:
            self._chunks = chunks

        def __iter__(self) -> Iterator[bytes]:
            return self._chunks

        async def __aiter__(self) -> AsyncIterator[bytes]:
            for chunk in self._chunks:
                yield chunk

    class RecordingSync(httpx_mod.SyncByteStream):  # type: ignore[misc, name-defined]
        """Pass the upstream chunks through as they arrive, copying them to the tape."""

        def __init__(self, inner: Any, tape: Tape) -> None:
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

        def __init__(self, inner: Any, tape: Tape) -> None:
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

    return type(
        "_Streams",
        (),
        {"Replay": Replay, "ReplayAtOnce": ReplayAtOnce, "RecordingSync": RecordingSync, "RecordingAsync": RecordingAsync},
    )


