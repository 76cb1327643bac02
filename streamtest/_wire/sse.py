"""Server-sent events, byte-exact: split a body into events, parse and build events.

Pure functions over ``bytes``. The invariant everything else relies on:
``b"".join(split_events(body)) == body`` for every body, so a stream cut into
events (for the cassette, for replay, for timing) loses no byte. Line endings
follow the SSE spec (CRLF, LF or a lone CR); an event ends at a blank line and
its chunk keeps that blank line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from streamtest._wire.base import Frame

__all__ = ["SSE", "EventSplitter", "SSEEvent", "encode_event", "parse_event", "split_events"]

# One line with its terminator. A lone CR is a terminator too (SSE spec 9.2.5).
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)")
_BLANK_LINES = frozenset((b"\n", b"\r\n", b"\r"))


def _cut(buffer: bytes, *, final: bool) -> tuple[list[bytes], bytes]:
    """Split complete events off the front of ``buffer``; return them and the rest.

    When more bytes may follow (``final`` is false) a CR at the very end is
    ambiguous (it may be the first half of CRLF), so that line waits.
    """
    events: list[bytes] = []
    start = pos = 0
    size = len(buffer)
    while pos < size:
        match = _LINE.match(buffer, pos)
        if match is None:
            break
        end = match.end()
        if not final and end == size and buffer[end - 1 : end] == b"\r":
            break
        if match.group() in _BLANK_LINES:
            events.append(buffer[start:end])
            start = end
        pos = end
    return events, buffer[start:]


def split_events(body: bytes) -> list[bytes]:
    """Split a complete SSE body into event chunks whose concatenation is ``body``.

    A trailing fragment without a closing blank line (a stream that broke
    mid-event, or a server that omits the last blank line) is its own chunk.
    """
    events, rest = _cut(body, final=True)
    if rest:
        events.append(rest)
    return events


class EventSplitter:
    """Incremental :func:`split_events` for bytes that arrive in network-sized pieces."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes; return the events they complete (possibly none)."""
        self._buffer += data
        events, self._buffer = _cut(self._buffer, final=False)
        return events

    def flush(self) -> bytes:
        """Return whatever is buffered (the unterminated tail) and reset."""
        rest, self._buffer = self._buffer, b""
        return rest


@dataclass(frozen=True)
class SSEEvent:
    """The fields of one event as the SSE spec reads them.

    ``data`` is ``None`` when the event has no data line; several data lines
    are joined with ``\\n`` as the spec says. ``comments`` keeps ``:`` lines.
    """

    event: str | None = None
    data: str | None = None
    id: str | None = None
    retry: str | None = None
    comments: tuple[str, ...] = field(default=())
    eol: str = "\n"


def parse_event(raw: bytes) -> SSEEvent:
    """Parse one event chunk (as produced by :func:`split_events`)."""
    text = raw.decode("utf-8")
    lines = re.split(r"\r\n|\r|\n", text)
    eol_match = re.search(r"\r\n|\r|\n", text)
    eol = eol_match.group() if eol_match else "\n"
    event = ident = retry = None
    data: list[str] = []
    comments: list[str] = []
    for line in lines:
        if not line:
            continue
        if line.startswith(":"):
            comments.append(line[1:])
            continue
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
        elif name == "id":
            ident = value
        elif name == "retry":
            retry = value
    return SSEEvent(
        event=event,
        data="\n".join(data) if data else None,
        id=ident,
        retry=retry,
        comments=tuple(comments),
        eol=eol,
    )


def encode_event(
    data: str | None,
    *,
    event: str | None = None,
    eol: str = "\n",
    comments: Sequence[str] = (),
    id: str | None = None,
    retry: str | None = None,
    space: bool = True,
) -> bytes:
    """The bytes of one event, the one SSE writer: the format writers' frames, the scrubber's
    rewritten events and the strategies' variations all go through it.

    Lines in this order: a ``:`` line per comment (``comments`` hold the text after
    the colon, as :class:`SSEEvent` keeps them), ``id:``, ``event:``, ``retry:``, one
    ``data:`` line per line of ``data`` (none when ``data`` is ``None``: a comment-only
    event), then the blank line; ``eol`` ends every line. ``space`` puts the optional
    space after each field's colon. With only ``data`` and ``event`` this is the
    canonical form a cassette entry decodes to.
    """
    if not (comments or id is not None or retry is not None) and space and data is not None:
        lines = [f"event: {event}"] if event is not None else []  # the common case, kept short
        lines.extend(f"data: {line}" for line in data.split("\n"))
        return (eol.join(lines) + eol + eol).encode("utf-8")
    colon = ": " if space else ":"
    lines = [f":{comment}" for comment in comments]
    lines += [f"{name}{colon}{value}" for name, value in (("id", id), ("event", event), ("retry", retry)) if value is not None]
    if data is not None:
        lines += [f"data{colon}{line}" for line in data.split("\n")]
    return (eol.join(lines) + eol + eol).encode("utf-8")


class _SSEFraming:
    """Server-sent events as a :class:`~streamtest._wire.framing.Framing`: one unit per event."""

    name = "sse"
    content_type = "text/event-stream"

    def accepts(self, content_type: str) -> bool:
        return content_type.startswith("text/event-stream")

    def splitter(self) -> EventSplitter:
        return EventSplitter()

    def split(self, body: bytes) -> list[bytes]:
        return split_events(body)

    def frame(self, unit: bytes) -> Frame | None:
        try:
            event = parse_event(unit)
        except UnicodeDecodeError:
            return None
        if event.data is None:
            return None
        return Frame(event.event, event.data)

    def encode(self, frame: Frame) -> bytes:
        return encode_event(frame.data, event=frame.event)

    def with_data(self, unit: bytes, data: str) -> bytes:
        """The event written again around ``data``: its name, id, retry, comments and line
        ending kept (canonical spacing and field order); an unterminated tail stays one."""
        event = parse_event(unit)
        rebuilt = encode_event(
            data, event=event.event, eol=event.eol, comments=event.comments, id=event.id, retry=event.retry
        )
        if not unit.endswith((b"\n\n", b"\r\n\r\n", b"\r\r")):
            rebuilt = rebuilt[: -len(event.eol.encode()) * 2]
        return rebuilt


SSE = _SSEFraming()
"""The SSE framing."""
