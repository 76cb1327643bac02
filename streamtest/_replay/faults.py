"""Faults injected into a replay: what a provider or the network does to a stream, on a chosen call.

A recording shows the happy path. A :class:`Fault` turns the answer to one call
(the *n*-th request the cassette answers, counted from 1) into a failure the
application's client really meets, starting from the recorded response:

- :func:`cut`: the connection closes after *k* events (httpx ``RemoteProtocolError``;
  ``reset=True``: ``ReadError``, a TCP reset); the openai SDK raises ``APIConnectionError``;
- :func:`http_error`: an HTTP 429/500/503/529... answer with ``retry-after``, its body
  shaped like the provider's (``WireFormat.error_body``); the SDK raises ``RateLimitError``...;
- :func:`malformed`: event *k+1* arrives cut in half (invalid JSON); the SDK's ``json.loads`` fails;
- :func:`stall`: nothing arrives after *k* events (0: before the response headers) for
  ``seconds`` or forever; past the client's read timeout httpx raises ``ReadTimeout``
  (the SDK: ``APITimeoutError``), see :mod:`.pacing`;
- :func:`error_event`: after *k* events the server sends its error event
  (``WireFormat.error_frame``) and ends the stream; the SDK raises ``APIError``.

A faulted call does not use up the recorded interaction it was built from: the
application's retry of the same request gets the recording. Applying a fault is
pure: a response dict in, a response dict out (``stall`` adds a ``"stall"`` key
the transport's schedule reads; exception types are httpx class names the
transport resolves for the client's httpx flavour).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, dataclass, fields
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, ClassVar

from streamtest._exceptions import UsageError
from streamtest._wire.base import WireFormat
from streamtest._wire.openai_chat import OPENAI_CHAT
from streamtest._wire.sse import encode_event, parse_event

if TYPE_CHECKING:  # the fault values load without vcrpy: the strategies build them (see apply)
    from vcr.request import Request

    from streamtest._cassette.interaction import Interaction

__all__ = [
    "KINDS",
    "Fault",
    "by_call",
    "cut",
    "error_event",
    "http_error",
    "malformed",
    "stall",
]

# What httpcore says for each break (measured against a local server; see tests/test_faults.py).
CLOSED = "peer closed connection without sending complete message body (incomplete chunked read)"
RESET = "[Errno 104] Connection reset by peer"
_REASONS = {529: "Overloaded"}  # Anthropic's; not an IANA status


@dataclass(frozen=True, kw_only=True)
class Fault(ABC):
    """One failure, on the ``call``-th request the cassette answers (from 1)."""

    call: int = 1
    kind: ClassVar[str]
    """The fault's name in :data:`KINDS` (what strategies draw from)."""

    def __post_init__(self) -> None:
        if isinstance(self.call, bool) or not isinstance(self.call, int) or self.call < 1:
            raise UsageError(f"{self.kind}: call={self.call!r} is not a call number (the first call is 1)")

    @abstractmethod
    def apply(self, response: dict[str, Any], interaction: Interaction) -> dict[str, Any]:
        """The faulted copy of the recorded ``response`` (``interaction`` is its read-only view)."""

    def __repr__(self) -> str:
        shown = [
            f"{f.name}={getattr(self, f.name)!r}"
            for f in fields(self)
            if f.name != "call" and (f.default is MISSING or getattr(self, f.name) != f.default)
        ]
        if self.call != 1:
            shown.append(f"call={self.call}")
        return f"{self.kind}({', '.join(shown)})"

    __str__ = __repr__


@dataclass(frozen=True, kw_only=True, repr=False)
class _StreamFault(Fault):
    """A fault placed after ``after`` events of the recorded stream."""

    after: int

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.after, bool) or not isinstance(self.after, int) or self.after < 0:
            raise UsageError(f"{self.kind}: after={self.after!r} must be a number of events (0 or more)")

    def _stream(self, interaction: Interaction) -> None:
        """Check that the recorded answer is a stream with an event after ``after``."""
        if interaction.framing is None or interaction.status >= 400:
            raise UsageError(
                f"{self!r} on call {self.call}: the recorded answer to {interaction.method} {interaction.path} "
                f"is not a stream (HTTP {interaction.status}, no event framing)"
            )
        if self.after >= len(interaction.chunks):
            raise UsageError(
                f"{self!r} on call {self.call}: the recorded stream answering {interaction.method} "
                f"{interaction.path} has {len(interaction.chunks)} events; after= must be below that"
            )


@dataclass(frozen=True, kw_only=True, repr=False)
class _Cut(_StreamFault):
    reset: bool = False
    kind = "cut"

    def apply(self, response: dict[str, Any], interaction: Interaction) -> dict[str, Any]:
        self._stream(interaction)
        error = {"type": "ReadError", "message": RESET} if self.reset else {"type": "RemoteProtocolError", "message": CLOSED}
        return _with_chunks(response, interaction, self.after, stream_error=error)


@dataclass(frozen=True, kw_only=True, repr=False)
class _Malformed(_StreamFault):
    kind = "malformed"

    def apply(self, response: dict[str, Any], interaction: Interaction) -> dict[str, Any]:
        self._stream(interaction)
        chunks = list(interaction.chunks)
        event = _sse_event(self, interaction, chunks[self.after])
        data = event.data or ""
        chunks[self.after] = encode_event(data[: len(data) // 2] or "{", event=event.event, eol=event.eol)
        return {**response, "chunks": chunks, "body": {"string": b"".join(chunks)}}


@dataclass(frozen=True, kw_only=True, repr=False)
class _Stall(_StreamFault):
    seconds: float | None = None
    kind = "stall"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.seconds is not None and not (isinstance(self.seconds, int | float) and self.seconds > 0):
            raise UsageError(f"stall: seconds={self.seconds!r} must be a positive number (None: forever)")

    def apply(self, response: dict[str, Any], interaction: Interaction) -> dict[str, Any]:
        self._stream(interaction)
        return {**response, "stall": {"after": self.after, "seconds": self.seconds}}


@dataclass(frozen=True, kw_only=True, repr=False)
class _ErrorEvent(_StreamFault):
    message: str = "The server had an error while processing your request. (streamtest fault)"
    kind = "error_event"

    def apply(self, response: dict[str, Any], interaction: Interaction) -> dict[str, Any]:
        self._stream(interaction)
        like = _sse_event(self, interaction, interaction.chunks[self.after])
        frame = _wire(interaction).error_frame(self.message)
        unit = encode_event(frame.data, event=frame.event, eol=like.eol)
        return _with_chunks(response, interaction, self.after, extra=unit)


@dataclass(frozen=True, kw_only=True, repr=False)
class _HttpError(Fault):
    status: int
    retry_after: float | None = None
    message: str | None = None
    kind = "http_error"

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.status, bool) or not isinstance(self.status, int) or not 400 <= self.status <= 599:
            raise UsageError(f"http_error: status={self.status!r} is not an HTTP error status (400-599)")
        if self.retry_after is not None and not (isinstance(self.retry_after, int | float) and self.retry_after >= 0):
            raise UsageError(f"http_error: retry_after={self.retry_after!r} must be seconds (0 or more) or None")

    def apply(self, response: dict[str, Any], interaction: Interaction) -> dict[str, Any]:
        message = self.message or f"{_reason(self.status)} (streamtest fault: {self!r})"
        body = json.dumps(_wire(interaction).error_body(self.status, message), separators=(",", ":")).encode()
        headers = {"content-type": ["application/json"]}
        if self.retry_after is not None:
            headers["retry-after"] = [f"{self.retry_after:g}"]
        return {"status": {"code": self.status, "message": _reason(self.status)}, "headers": headers, "body": {"string": body}}


# ---------------------------------------------------------------------- constructors (the public API)


def cut(after: int, *, call: int = 1, reset: bool = False) -> Fault:
    """The connection closes after ``after`` events of call ``call`` (``reset``: a TCP reset instead)."""
    return _Cut(after=after, call=call, reset=reset)


def http_error(status: int, *, call: int = 1, retry_after: float | None = None, message: str | None = None) -> Fault:
    """Call ``call`` is answered with HTTP ``status`` (429, 500, 503, 529...), ``retry-after`` if given."""
    return _HttpError(status=status, call=call, retry_after=retry_after, message=message)


def malformed(after: int, *, call: int = 1) -> Fault:
    """The event after the first ``after`` events of call ``call`` arrives cut in half (invalid JSON)."""
    return _Malformed(after=after, call=call)


def stall(after: int, *, call: int = 1, seconds: float | None = None) -> Fault:
    """Nothing arrives after ``after`` events (0: before the headers) for ``seconds`` (``None``: forever).

    A stall longer than the client's read timeout ends in the timeout error.
    ``seconds`` are provider time, scaled by the replay pace like recorded gaps.
    """
    return _Stall(after=after, call=call, seconds=seconds)


def error_event(after: int, *, call: int = 1, message: str | None = None) -> Fault:
    """After ``after`` events the provider sends its error event and ends the stream."""
    return _ErrorEvent(after=after, call=call) if message is None else _ErrorEvent(after=after, call=call, message=message)


#: Every fault kind, in the order strategies shrink towards.
KINDS = ("cut", "http_error", "malformed", "stall", "error_event")


def by_call(faults: Fault | Iterable[Fault]) -> dict[int, Fault]:
    """Faults keyed by call number; ``UsageError`` for anything else or two faults on one call."""
    if isinstance(faults, str | bytes):  # list("cut") would report 'c' as "not a fault"
        raise UsageError(f"faults={faults!r}: expected a fault or a list of faults, built with streamtest.faults (cut, http_error...)")
    items = [faults] if isinstance(faults, Fault) else list(faults)
    keyed: dict[int, Fault] = {}
    for fault in items:
        if not isinstance(fault, Fault):
            raise UsageError(f"faults: {fault!r} is not a fault; build one with streamtest.faults (cut, http_error...)")
        if fault.call in keyed:
            raise UsageError(f"faults: {keyed[fault.call]!r} and {fault!r} are both on call {fault.call}; give one fault per call")
        keyed[fault.call] = fault
    return keyed


# ---------------------------------------------------------------------- helpers


def apply(fault: Fault, request: Request, response: dict[str, Any]) -> dict[str, Any]:
    """The answer to a faulted call: ``fault`` applied to the recorded ``response`` to ``request``."""
    from streamtest._cassette.interaction import Interaction

    return fault.apply(response, Interaction.from_vcr(request, response))


def _wire(interaction: Interaction) -> WireFormat:
    return interaction.wire or OPENAI_CHAT


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return _REASONS.get(status, "Error")


def _sse_event(fault: Fault, interaction: Interaction, chunk: bytes) -> Any:
    if interaction.framing != "sse":
        raise UsageError(f"{fault!r} on call {fault.call}: only SSE streams can carry it, this one is {interaction.framing}")
    try:
        return parse_event(chunk)
    except UnicodeDecodeError:
        raise UsageError(f"{fault!r} on call {fault.call}: the recorded event there is not text") from None


def _with_chunks(
    response: Mapping[str, Any],
    interaction: Interaction,
    keep: int,
    *,
    extra: bytes | None = None,
    stream_error: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``response`` with only its first ``keep`` chunks (plus ``extra``), ending in ``stream_error``."""
    chunks = list(interaction.chunks[:keep])
    offsets = list(interaction.offsets[: keep + 1]) if interaction.offsets is not None else None
    if extra is not None:
        chunks.append(extra)
    if offsets is not None:
        offsets = offsets[: len(chunks)]
    out = {key: value for key, value in response.items() if key != "stream_error"}
    out.update(chunks=chunks, offsets=offsets, body={"string": b"".join(chunks)})
    if stream_error is not None:
        out["stream_error"] = stream_error
    return out

