"""Framings: how a streamed body is cut into units (an SSE event, an NDJSON line...).

A framing is chosen by the response's content type. Recording feeds the
network chunks to its :class:`Splitter` and stores one unit per line of the
cassette with its arrival time; replay serves one unit per chunk. Every
framing keeps the invariant replay relies on: ``b"".join(split(body)) == body``.

Adding a framing means one module with one :class:`Framing` instance, listed in
:data:`FRAMINGS` (splitting, reading, writing and the scrubber's rewriting of a
unit are all asked of it), and its cassette block codec (a module in
``streamtest._cassette``, listed in ``streamtest._cassette.events.CODECS``: the
cassette layer's table, which the wire layer cannot import). A test checks that
the two tables name the same framings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from streamtest._wire.base import Frame
from streamtest._wire.eventstream import EVENTSTREAM
from streamtest._wire.ndjson import NDJSON
from streamtest._wire.sse import SSE

__all__ = ["FRAMINGS", "Framing", "Splitter", "frames_of", "framing_for", "framing_named"]


class Splitter(Protocol):
    """Cuts bytes that arrive in network-sized pieces into whole units."""

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes; return the units they complete (possibly none)."""

    def flush(self) -> bytes:
        """Return whatever is buffered (an unterminated tail) and reset."""


class Framing(Protocol):
    """One way of cutting a streamed body into units."""

    @property
    def name(self) -> str:
        """The key a cassette stores such a body under (``"sse"``)."""

    def accepts(self, content_type: str) -> bool:
        """Whether a response with this (lower-cased) content type uses this framing."""

    def splitter(self) -> Splitter:
        """A fresh incremental splitter."""

    def split(self, body: bytes) -> list[bytes]:
        """A complete body cut into units whose concatenation is ``body``."""

    def frame(self, unit: bytes) -> Frame | None:
        """What one unit carries, or ``None`` when it carries no data (a comment, a keep-alive)."""

    @property
    def content_type(self) -> str:
        """The content type a generated body of this framing is served with."""

    def encode(self, frame: Frame) -> bytes:
        """The canonical unit carrying ``frame`` (what a format's writer produces is encoded with this)."""

    def with_data(self, unit: bytes, data: str) -> bytes:
        """``unit`` carrying ``data`` where :meth:`frame` read its data, the rest of it kept.

        For a unit that carries data: ``with_data(unit, frame(unit).data)`` gives a unit
        with the same frame (the same bytes when ``unit`` is canonical), and the result
        is one unit. The scrubber rewrites a unit's JSON through this.
        """


FRAMINGS: tuple[Framing, ...] = (SSE, NDJSON, EVENTSTREAM)


def framing_for(content_type: str) -> Framing | None:
    """The framing of a response with this content type, or ``None`` for a plain body."""
    lowered = content_type.lower()
    return next((framing for framing in FRAMINGS if framing.accepts(lowered)), None)


def framing_named(name: str) -> Framing | None:
    """The framing a cassette stores under ``name``."""
    return next((framing for framing in FRAMINGS if framing.name == name), None)


def frames_of(framing: Framing | None, units: Sequence[bytes]) -> list[Frame]:
    """The frames carrying data among ``units`` (none for a plain body)."""
    if framing is None:
        return []
    return [frame for unit in units if (frame := framing.frame(unit)) is not None]
