"""The HTTP transport stubs: where a request is answered from a cassette or recorded as it streams.

vcrpy's own httpx/httpx2 stubs buffer: while recording they read the whole
upstream body before the application sees a byte, and on replay they hand back
one ``ByteStream``. These replace them (installed by
:class:`~streamtest._replay.cassette.Cassette` through vcrpy's
``custom_patches``) and tee instead:

- **recording**: the application reads the real upstream stream chunk by chunk
  as it arrives; a :class:`_Tape` beside it cuts the body into frames with the
  response's framing (SSE events...), stamps each with its arrival offset, and
  hands the interaction to the cassette when the stream ends (or breaks: the
  break is recorded too); see :class:`~streamtest._replay.tape.Tape`;
- **replay**: the recorded frames are served one per chunk, then the recorded
  break (if any) is raised again, with the same exception type.

The stubs talk to the cassette through the small :class:`~streamtest._replay.tape.Deck`
protocol, so this module does not import the cassette: imports point one way.
The tape (what recording keeps) is shared with the botocore stub
(:mod:`streamtest._replay.botocore`).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

from vcr.request import Request

from streamtest._cassette.scrub import DUMMY_API_KEY
from streamtest._exceptions import UsageError
from streamtest._replay.tape import Deck, Tape, raise_recorded
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
    return Request(request.method, str(request.url), body, dict(request.headers))


def _redirect(request: Any, upstream: str | None, httpx_mod: Any) -> None:
    """Send a request meant for the provider to ``upstream`` (the local server) instead.

    Done at the transport, not with OPENAI_BASE_URL, so the application is
    configured exactly as in production: ChatOpenAI, for one, turns
    ``stream_usage`` off when OPENAI_BASE_URL is set, which would make every
    recorded request differ from the one a CI replay makes. The cassette keeps
    the URL the application asked for.
    """
    if upstream is None or request.url.host not in local_server_hosts():
        return
    target = httpx_mod.URL(upstream)
    request.url = request.url.copy_with(scheme=target.scheme, host=target.host, port=target.port)
    request.headers["host"] = target.netloc.decode("ascii")


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


def _head(response: Any) -> tuple[int, str, dict[str, list[str]]]:
    """An httpx response's status, reason and headers (lower-cased names), for the tape."""
    headers: dict[str, list[str]] = {}
    for name, value in response.headers.multi_items():
        headers.setdefault(name.lower(), []).append(value)
    reason = response.extensions.get("reason_phrase", b"")
    return response.status_code, reason.decode("ascii", "replace"), headers


def _intercept(deck: Deck, request: Any, body: bytes, httpx_mod: Any) -> tuple[Any, Tape | None]:
    """What both stubs do before the transport: replay from the cassette, or get ready to record.

    Returns ``(replayed response, None)`` or ``(None, tape)``.
    """
    request.stream = httpx_mod.ByteStream(body)
    vcr_request = _vcr_request(request, body)
    if not deck.recording:
        return _replayed_response(deck.replay_response(vcr_request), httpx_mod), None
    _redirect(request, deck.upstream, httpx_mod)
    _refuse_dummy_key(request, deck.upstream)
    return None, Tape(deck, vcr_request)


def _sync_stub(deck: Deck, real: Callable[..., Any], httpx_mod: Any) -> Callable[..., Any]:
    @functools.wraps(real)
    def handle_request(transport: Any, request: Any) -> Any:
        replayed, tape = _intercept(deck, request, b"".join(request.stream), httpx_mod)
        if tape is None:
            return replayed
        response = real(transport, request)
        tape.begin(*_head(response))
        response.stream = _stream_classes(httpx_mod).RecordingSync(response.stream, tape)
        return response

    return handle_request


def _async_stub(deck: Deck, real: Callable[..., Any], httpx_mod: Any) -> Callable[..., Any]:
    @functools.wraps(real)
    async def handle_async_request(transport: Any, request: Any) -> Any:
        replayed, tape = _intercept(deck, request, b"".join([part async for part in request.stream]), httpx_mod)
        if tape is None:
            return replayed
        response = await real(transport, request)
        tape.begin(*_head(response))
        response.stream = _stream_classes(httpx_mod).RecordingAsync(response.stream, tape)
        return response

    return handle_async_request


def _raise_recorded(error: dict[str, str], httpx_mod: Any) -> None:
    raise_recorded(error, _REPLAYABLE_ERROR_MODULES, httpx_mod.ReadError)


@functools.cache
def _stream_classes(httpx_mod: Any) -> Any:
    """Byte-stream classes for one httpx flavour (httpx or httpx2), made once."""

    class Replay(httpx_mod.SyncByteStream, httpx_mod.AsyncByteStream):  # type: ignore[misc, name-defined]
        """The recorded chunks, one per iteration step, then the recorded break.

        Read once, like the socket it stands in for: a second iteration (the
        openai SDK drains the body again after ``[DONE]``) gets only what the
        first one left, so each recorded byte is delivered exactly once.
        """

        def __init__(self, chunks: Sequence[bytes], error: dict[str, str] | None, module: Any) -> None:
            self._chunks = chunks
            self._error = error
            self._module = module
            self._served = 0  # chunks handed out so far, by either iterator

        def _rest(self) -> Iterator[bytes]:
            while self._served < len(self._chunks):
                self._served += 1
                yield self._chunks[self._served - 1]
            error, self._error = self._error, None
            if error:
                _raise_recorded(error, self._module)

        def __iter__(self) -> Iterator[bytes]:
            return self._rest()

        async def __aiter__(self) -> AsyncIterator[bytes]:
            for chunk in self._rest():
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

    return type("_Streams", (), {"Replay": Replay, "RecordingSync": RecordingSync, "RecordingAsync": RecordingAsync})


