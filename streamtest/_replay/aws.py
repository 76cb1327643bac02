"""The botocore stub (AWS SDKs): AWS requests recorded as they stream and replayed one event-stream frame per chunk.

boto3 (and langchain-aws's ChatBedrockConverse, which builds its own sessions)
sends every request through ``botocore.httpsession.URLLib3Session.send``, on
urllib3, not httpx. vcrpy's own boto3 patcher swaps botocore's connection class
and buffers: while recording the application sees every frame at the end, on
replay botocore's event-stream decoder gets the whole body in one piece. While a
cassette is active this stub replaces ``send`` instead (class-level, so every
client and session is covered) and vcrpy's boto3 patcher is skipped:

- **recording**: the real ``send`` runs; for a streaming response
  (``request.stream_output``: ConverseStream, InvokeModelWithResponseStream...)
  the urllib3 response is wrapped so the application reads each chunk as it
  arrives while a :class:`~streamtest._replay.tape.Tape` cuts frames and stamps
  arrival times beside it; other responses (read whole by ``send`` itself) are
  recorded whole;
- **replay**: the recorded response comes back as an ``AWSResponse`` whose raw
  body yields one recorded unit per ``stream()`` step, then the recorded break
  (as fast as botocore reads: replay pacing applies to the httpx stubs only);
- **verify** (``--record=verify``): the request is also sent live and the
  live stream taped for the shape comparison; the answer is the recording's.

Requests to AWS credential endpoints (instance metadata, the container
credentials endpoint, STS, SSO) pass through unrecorded: their bodies are
credentials. At replay they never happen: the plugin sets placeholder
credentials and turns instance-metadata lookups off (see
``streamtest._wire.bedrock``). botocore header values are bytes; they are
recorded as text, so the cassette holds no ``!!binary`` and the scrubber and
leak guard read them.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

from vcr.request import Request

from streamtest._replay.tape import Deck, Tape, raise_recorded

__all__ = ["botocore_installed", "botocore_patches"]

# Exception types a recorded stream break may be raised again as (module prefixes).
_REPLAYABLE_ERROR_MODULES = ("urllib3", "botocore", "builtins", "ssl")
_CREDENTIAL_HOSTS = ("169.254.169.254", "169.254.170.2", "169.254.170.23", "fd00:ec2::254", "[fd00:ec2::254]")
_CREDENTIAL_HOST_PREFIXES = ("sts.", "portal.sso.", "oidc.", "cognito-identity.")


@functools.cache
def botocore_installed() -> bool:
    return importlib.util.find_spec("botocore") is not None


def botocore_patches(deck: Deck) -> Iterator[tuple[Any, str, Any]]:
    """``(class, method name, stub)`` for vcrpy's ``custom_patches``, when botocore is installed."""
    if not botocore_installed():
        return
    from botocore.httpsession import URLLib3Session

    yield URLLib3Session, "send", _send_stub(deck, URLLib3Session.send)


def _credential_endpoint(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in _CREDENTIAL_HOSTS or host.startswith(_CREDENTIAL_HOST_PREFIXES)


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes | bytearray) else str(value)


def _body(request: Any) -> bytes:
    """The request body as bytes (read once from a file-like body, which is then replaced by them)."""
    body = request.body
    if body is None:
        return b""
    if hasattr(body, "read"):
        body = body.read()
        request.body = body
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def _send_stub(deck: Deck, real: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(real)
    def send(session: Any, request: Any) -> Any:
        if _credential_endpoint(request.url):
            return real(session, request)
        headers = {str(name): _text(value) for name, value in request.headers.items()}
        vcr_request = Request(request.method, request.url, _body(request), headers)
        recorded = None if deck.recording else deck.replay_response(vcr_request)
        if recorded is not None and not deck.verifying:
            return _replayed(request, recorded)
        tape = Tape(deck, vcr_request)
        response = real(session, request)
        raw = response.raw
        head: dict[str, list[str]] = {}
        for name, value in response.headers.items():
            head.setdefault(name.lower(), []).append(_text(value))
        tape.begin(response.status_code, _text(getattr(raw, "reason", "") or ""), head)
        if request.stream_output:
            response.raw = _TappedRaw(raw, tape)
        else:  # send() has read it whole already
            tape.feed(response.content)
            tape.finish()
        if recorded is None:
            return response
        # --record=verify: the tape keeps the live stream (and any break); the answer is the recording's.
        with contextlib.suppress(Exception):
            for _ in response.raw.stream():
                pass
        response.raw.close()
        return _replayed(request, recorded)

    return send


def _replayed(request: Any, recorded: dict[str, Any]) -> Any:
    from botocore.awsrequest import AWSResponse

    chunks = recorded.get("chunks")
    if chunks is None:
        body = recorded["body"]["string"]
        chunks = [body.encode("utf-8") if isinstance(body, str) else body]
    headers = {name: ", ".join(values) for name, values in recorded["headers"].items()}
    response = AWSResponse(
        request.url, recorded["status"]["code"], headers, _ReplayRaw(chunks, recorded.get("stream_error"))
    )
    if not request.stream_output:
        response.content  # noqa: B018 - as the real send() does: read a non-streaming body at once
    return response


class _ReplayRaw:
    """Stands in for urllib3's ``HTTPResponse`` (``preload_content=False``): ``stream()`` yields one
    recorded unit per step, then raises the recorded break. Read once, like a socket."""

    def __init__(self, chunks: Sequence[bytes], error: dict[str, str] | None) -> None:
        self._chunks = list(chunks)
        self._error = error
        self._served = 0
        self._pending = b""  # what a read(amt) took from a unit and did not return
        self.closed = False

    def _rest(self) -> Iterator[bytes]:
        if self._pending:
            pending, self._pending = self._pending, b""
            yield pending
        while self._served < len(self._chunks):
            self._served += 1
            yield self._chunks[self._served - 1]
        error, self._error = self._error, None
        if error:
            from urllib3.exceptions import ProtocolError

            raise_recorded(error, _REPLAYABLE_ERROR_MODULES, ProtocolError)

    def stream(self, amt: int | None = 2**16, decode_content: bool | None = None) -> Iterator[bytes]:
        return self._rest()

    def read(self, amt: int | None = None, decode_content: bool | None = None) -> bytes:
        if amt is None:
            return b"".join(self._rest())
        data = b""
        for chunk in self._rest():
            data += chunk
            if len(data) >= amt:
                break
        data, self._pending = data[:amt], data[amt:]
        return data

    def close(self) -> None:
        self.closed = True

    def release_conn(self) -> None:
        pass


class _TappedRaw:
    """The real urllib3 response, its chunks copied to the tape as the application reads them."""

    def __init__(self, inner: Any, tape: Tape) -> None:
        self._inner = inner
        self._tape = tape

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[bytes]:
        try:
            for chunk in self._inner.stream(*args, **kwargs):
                self._tape.feed(chunk)
                yield chunk
        except Exception as exc:
            self._tape.finish(exc)
            raise
        finally:
            self._tape.finish()

    def read(self, *args: Any, **kwargs: Any) -> bytes:
        data: bytes = self._inner.read(*args, **kwargs)
        self._tape.feed(data)
        amt = args[0] if args else kwargs.get("amt")
        if not data or amt is None:  # the end, or everything at once
            self._tape.finish()
        return data

    def close(self) -> None:
        self._tape.finish()
        self._inner.close()

    def release_conn(self) -> None:
        self._tape.finish()
        self._inner.release_conn()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
