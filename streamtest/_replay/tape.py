"""What recording keeps of one response, and the cassette side the HTTP stubs talk to.

Every recording stub (httpx/httpx2 in :mod:`.transport`, botocore in
:mod:`.botocore`) hands the bytes the application reads, as it reads them, to
a :class:`Tape`: it cuts them into units with the response's framing (SSE
events, NDJSON lines, AWS event-stream frames), stamps each with its arrival
offset, and gives the interaction to the :class:`Deck` (the cassette) once, when
the stream ends, breaks or is closed.
"""

from __future__ import annotations

import contextlib
import importlib
import time
import zlib
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

from vcr.request import Request

from streamtest._cassette.format import framing_of
from streamtest._wire.framing import Framing, Splitter

if TYPE_CHECKING:
    from streamtest._exceptions import StreamtestError
    from streamtest._replay.pacing import Pace

__all__ = ["Deck", "Tape", "raise_recorded"]


class Deck(Protocol):
    """What the stubs need of a cassette: its mode, where recording goes, replay and record."""

    @property
    def recording(self) -> bool: ...

    @property
    def upstream(self) -> str | None:
        """While recording: the local server that stands in for provider hosts, if any."""

    @property
    def recording_started(self) -> float:
        """``time.perf_counter()`` when the cassette started recording: each interaction's ``started`` counts from it."""

    def replay_response(self, request: Request) -> dict[str, Any]:
        """The recorded response dict for ``request``; raises ``ReplayMismatchError``."""

    def add_recording(self, request: Request, response: dict[str, Any]) -> None:
        """Keep one recorded interaction (called once per response, when its stream ends)."""

    @property
    def verifying(self) -> bool:
        """Replay, and also send each request live so its stream can be compared (``--record=verify``)."""

    @property
    def pace(self) -> Pace:
        """How fast replayed chunks are served (see ``streamtest._replay.pacing``)."""

    def report(self, error: StreamtestError) -> StreamtestError:
        """Keep an error raised inside the transport, so the test fails even if the app catches it."""


class Tape:
    """What the application read from one upstream response, cut into units with their arrival times.

    A compressed body (``content-encoding: gzip`` or ``deflate``) is decoded
    as it arrives, so it is cut into timed events like any other stream and
    stored readable, without the header: replay then serves the decoded
    events, which is what the application read (httpx decodes before
    ``iter_bytes``). Another encoding (``br``, ``zstd``), or bytes that fail to
    decode, are stored as they came, with their header, and replay lets httpx
    decode them again.
    """

    def __init__(self, deck: Deck, request: Request) -> None:
        self._deck = deck
        self._request = request
        self._started = time.perf_counter()
        self._raw = bytearray()
        self._decoded = bytearray()
        self._chunks: list[bytes] = []
        self._offsets: list[float] = []
        self._framing: Framing | None = None
        self._splitter: Splitter | None = None
        self._decoder: Any = None  # a zlib decompressobj while a gzip/deflate body decodes
        self._encoded = False  # the body is stored as sent, with its content-encoding
        self._response: dict[str, Any] = {}
        self._done = False

    def begin(self, status: int, reason: str, headers: dict[str, list[str]]) -> None:
        """The response head arrived: ``headers`` maps lower-cased names to their values."""
        self._response = {"status": {"code": status, "message": reason}, "headers": headers}
        encoding = (headers.get("content-encoding") or ["identity"])[0].strip().lower()
        if encoding in _WBITS:
            self._decoder = zlib.decompressobj(_WBITS[encoding])
        elif encoding != "identity":
            self._encoded = True
        self._framing = framing_of(self._response)
        if self._framing is not None and not self._encoded:
            self._splitter = self._framing.splitter()

    def feed(self, data: bytes) -> None:
        self._raw += data
        if self._encoded:
            return
        if self._decoder is not None:
            try:
                data = self._decoder.decompress(data)
            except zlib.error:
                self._give_up_decoding()
                return
        self._decoded += data
        if self._splitter is not None:
            events = self._splitter.feed(data)
            if events:
                offset = time.perf_counter() - self._started
                self._chunks.extend(events)
                self._offsets.extend([offset] * len(events))

    def _give_up_decoding(self) -> None:
        self._encoded = True
        self._decoder = self._splitter = None

    def finish(self, error: BaseException | None = None) -> None:
        """Append the interaction once: at the end of the stream, at a break, or at close."""
        if self._done:
            return
        self._done = True
        if self._decoder is not None:
            try:
                self._feed_tail(self._decoder.flush())
            except zlib.error:
                self._give_up_decoding()
        response = dict(self._response)
        if self._encoded:
            body = bytes(self._raw)
        else:
            body = bytes(self._decoded)
            if self._decoder is not None:
                response["headers"] = {k: v for k, v in response["headers"].items() if k not in _DECODED_AWAY}
            if self._splitter is not None:
                if tail := self._splitter.flush():
                    self._chunks.append(tail)
                    self._offsets.append(time.perf_counter() - self._started)
                response["chunks"], response["offsets"] = self._chunks, self._offsets
        response["body"] = {"string": body}
        if error is not None:
            kind = type(error)
            response["stream_error"] = {"type": f"{kind.__module__}.{kind.__qualname__}", "message": str(error)}
        response["started"] = self._started - self._deck.recording_started
        self._deck.add_recording(self._request, response)

    def _feed_tail(self, data: bytes) -> None:
        """What the decoder still held at the end, fed without counting it as raw bytes."""
        if data:
            self._decoded += data
            if self._splitter is not None:
                events = self._splitter.feed(data)
                offset = time.perf_counter() - self._started
                self._chunks.extend(events)
                self._offsets.extend([offset] * len(events))


# zlib window bits per content-encoding; gzip has a header and trailer, deflate a zlib wrapper.
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
# Headers that describe the encoded body, wrong once it is stored decoded.
_DECODED_AWAY = frozenset({"content-encoding", "content-length"})


def raise_recorded(error: dict[str, str], modules: tuple[str, ...], fallback: type[BaseException]) -> NoReturn:
    """Raise a recorded stream break again: its own type when it lives in one of ``modules``
    (module prefixes) and takes a message, else ``fallback``."""
    module_name, _, name = error["type"].rpartition(".")
    exc_type: Any = None
    if module_name.startswith(modules):
        with contextlib.suppress(ImportError, AttributeError):
            exc_type = getattr(importlib.import_module(module_name), name)
    if not (isinstance(exc_type, type) and issubclass(exc_type, BaseException)):
        exc_type = fallback
    try:
        exc = exc_type(error["message"])
    except TypeError:
        exc = fallback(error["message"])
    raise exc
