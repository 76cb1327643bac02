"""Streamed bodies in a cassette: one line per unit (an SSE event...), each with its arrival time.

Per framing (see ``streamtest._wire.framing``), a codec turns the units of a
recorded body into plain entries and back, byte for byte: SSE's is here,
the others have their own modules (:mod:`.ndjson_codec`, :mod:`.eventstream_codec`), and
:data:`CODECS` lists them all. For SSE an entry is
``{"t": 0.1021, "data": {...}}`` (data stored parsed when re-encoding it gives
the exact bytes back), ``{"text": "[DONE]"}`` (data kept as text), or
``{"raw": "..."}`` / ``{"raw_base64": "..."}`` (comments, several data lines,
``id:`` lines, a broken tail, bytes that are not UTF-8). ``event`` holds the
event name. The block also states the stream's JSON style and line ending
once (``json: compact``, ``eol: lf``).

In the file the entries are JSON lines, which the loader cuts out before YAML
sees them and hands over as :class:`EventLines`. Lines the checksum vouches for
(written by ``dump`` and not edited since) decode on a fast path: an SSE
``data`` entry of a ``compact`` stream already holds the event's wire text, so
its bytes are cut out of the line instead of parsed and encoded again (bench
row 4). Every other line is parsed and checked, and a problem names the event
and its line in the file.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import compress
from typing import Any

from streamtest._cassette.eventstream_codec import decode_frames, encode_frames
from streamtest._cassette.jsonstyle import ENCODERS, JSON_STYLES, block_entries
from streamtest._cassette.ndjson_codec import decode_lines, encode_lines
from streamtest._wire.sse import SSEEvent, encode_event, parse_event

__all__ = ["CODECS", "EventLines", "Offsets", "decode_events", "encode_events"]

_EOL_NAMES = {"\n": "lf", "\r\n": "crlf", "\r": "cr"}
_EOLS = {name: eol for eol, name in _EOL_NAMES.items()}
# Errors that turn into "this entry is wrong" rather than escaping as themselves.
_ENTRY_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, RecursionError)


@dataclass(frozen=True)
class EventLines:
    """An events block as the file holds it: one JSON object per line, not parsed yet.

    The block is ``raw[start:end]``: ``count`` lines, each ``<indent>- `` (``skip``
    bytes) and one entry. ``checked`` says the block's size and CRC-32 matched
    its header, so the lines are byte for byte what ``dump`` wrote.
    """

    raw: bytes = field(repr=False)  # the whole file
    start: int
    end: int
    count: int
    skip: int
    checked: bool

    def where(self, number: int) -> str:
        """``event 3 (line 47)``: an entry and its line in the file, for error messages."""
        line = self.raw.count(b"\n", 0, self.start) + number
        return f"event {number} (line {line})"

    def entries(self, where: str) -> list[dict[str, Any]]:
        """Every line parsed; a line that is not one JSON object is named."""
        entries = []
        for number, line in enumerate(self.raw[self.start : self.end].split(b"\n"), 1):
            try:
                entry = json.loads(line[self.skip :].decode("utf-8"))
            except UnicodeDecodeError:
                raise ValueError(f"{where} {self.where(number)} is not UTF-8 text") from None
            except (ValueError, RecursionError) as exc:
                raise ValueError(f"{where} {self.where(number)} is not one JSON object ({exc})") from None
            if not isinstance(entry, dict):
                raise ValueError(f"{where} {self.where(number)} must be a JSON object, not {type(entry).__name__}")
            entries.append(entry)
        return entries


def encode_events(framing: str, chunks: Sequence[bytes], offsets: Sequence[float] | None) -> dict[str, Any]:
    """The cassette block of a streamed body cut into ``chunks`` by the framing named ``framing``."""
    if framing not in CODECS:
        raise ValueError(f"no cassette codec for framing {framing!r}")
    return CODECS[framing][0](chunks, offsets)


def decode_events(framing: str, entry: Any, where: str) -> tuple[list[bytes], Sequence[float] | None]:
    """The units and arrival offsets of a cassette block; ``ValueError`` says what is wrong and where.

    ``entry["events"]`` is a list of entries (a block YAML parsed) or
    :class:`EventLines` (a block of JSON lines); a codec without a line
    decoder of its own gets the lines parsed into entries.
    """
    if framing not in CODECS:
        raise ValueError(f"{where} has no codec for framing {framing!r}")
    if not isinstance(entry, dict):
        raise ValueError(f"{where}.{framing} must be a mapping")
    events = entry.get("events")
    if isinstance(events, EventLines) and framing not in _LINE_CODECS:
        entry = {**entry, "events": events.entries(f"{where}.{framing}")}
    return CODECS[framing][1](entry, where)


# Framings whose codec reads EventLines itself (a fast path for lines the checksum vouches for).
_LINE_CODECS = frozenset({"sse"})


# --------------------------------------------------------------------------- SSE


def _encode_sse(chunks: Sequence[bytes], offsets: Sequence[float] | None) -> dict[str, Any]:
    """SSE chunks as one-line event entries; the stream's JSON style and EOL are detected once."""
    parsed: list[SSEEvent | None] = []
    for chunk in chunks:
        try:
            parsed.append(parse_event(chunk))
        except UnicodeDecodeError:
            parsed.append(None)
    eol = next((p.eol for p in parsed if p is not None), "\n")
    style, datas = block_entries([p.data if p is not None else None for p in parsed])
    events = []
    for index, (chunk, event, data) in enumerate(zip(chunks, parsed, datas, strict=True)):
        entry: dict[str, Any] = {}
        if offsets is not None:
            entry["t"] = round(offsets[index], 4)
        entry.update(_encode_event(chunk, event, data, eol))
        events.append(entry)
    return {"json": style, "eol": _EOL_NAMES[eol], "events": events}


def _encode_event(chunk: bytes, event: SSEEvent | None, data: dict[str, Any] | None, eol: str) -> dict[str, Any]:
    """One event's entry: its ``data`` entry (from ``block_entries``) when the event is only a
    name and data written canonically, else the event's text as ``raw`` (or ``raw_base64``)."""
    if event is None:
        return {"raw_base64": base64.b64encode(chunk).decode("ascii")}
    simple = data is not None and not (event.comments or event.id or event.retry)
    if simple and data is not None and encode_event(event.data, event=event.event, eol=eol) == chunk:
        return {"event": event.event, **data} if event.event is not None else data
    return {"raw": chunk.decode("utf-8")}


def _decode_sse(entry: dict[str, Any], where: str) -> tuple[list[bytes], Sequence[float] | None]:
    where = f"{where}.sse"
    events = entry.get("events")
    style = entry.get("json", "compact")
    encoder = ENCODERS.get(style) if isinstance(style, str) else None
    if encoder is None:
        raise ValueError(f"{where} has unknown json style {style!r} ({', '.join(ENCODERS)})")
    eol_name = entry.get("eol", "lf")
    eol = _EOLS.get(eol_name) if isinstance(eol_name, str) else None
    if eol is None:
        raise ValueError(f"{where} has unknown eol {eol_name!r} (lf, crlf or cr)")
    if isinstance(events, EventLines):
        if events.checked and style == "compact":
            fast = _sse_checked_lines(events, eol.encode("ascii"))
            if fast is not None:
                return fast
        numbered, name = events.entries(where), events.where
    elif isinstance(events, list):
        numbered, name = events, "event {}".format
    else:
        raise ValueError(f"{where} needs an events list")
    chunks: list[bytes] = []
    offsets: list[float] = []
    add_chunk, add_offset = chunks.append, offsets.append
    # The common entry, {"t": T, "data": D} in a one-line JSON style, inline; every other through _decode_sse_entry.
    one_line = "indent" not in JSON_STYLES.get(style, {})
    head, tail = "data: ", eol + eol
    for number, event in enumerate(numbered, 1):
        try:
            if one_line and type(event) is dict and event.keys() <= _TIMED_DATA and "data" in event:
                add_chunk((head + encoder.encode(event["data"]) + tail).encode("utf-8"))
                if "t" in event:
                    add_offset(_offset(event["t"]))
                continue
            chunk, offset = _decode_sse_entry(event, encoder, eol)
        except _ENTRY_ERRORS + (UnicodeError,) as exc:
            raise ValueError(f"{where} {name(number)}: {exc}") from None
        add_chunk(chunk)
        if offset is not None:
            add_offset(offset)
    return chunks, (offsets if len(offsets) == len(chunks) else None)


_TIMED_DATA = frozenset({"t", "data"})


def _decode_sse_entry(event: Any, encoder: json.JSONEncoder, eol: str) -> tuple[bytes, float | None]:
    """One entry's bytes and arrival offset; raises what is wrong with it."""
    if not isinstance(event, dict):
        raise ValueError(f"must be a mapping, not {type(event).__name__}")
    offset = _offset(event["t"]) if "t" in event else None
    name = event.get("event")
    if name is not None and (not isinstance(name, str) or "\n" in name or "\r" in name):
        raise ValueError(f"event name must be one line of text, not {name!r:.60}")
    if "raw" in event:
        return _text(event["raw"], "raw").encode("utf-8"), offset
    if "raw_base64" in event:
        try:
            return base64.b64decode(_text(event["raw_base64"], "raw_base64"), validate=True), offset
        except binascii.Error as exc:
            raise ValueError(f"raw_base64 is not base64 ({exc})") from None
    if "data" in event:
        try:
            text = encoder.encode(event["data"])
        except (TypeError, ValueError) as exc:
            raise ValueError(f"data is not JSON data ({exc})") from None
        return encode_event(text, event=name, eol=eol), offset
    if "text" in event:
        return encode_event(_text(event["text"], "text"), event=name, eol=eol), offset
    raise ValueError("needs data, text, raw or raw_base64")


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{key} must be text, not {type(value).__name__}")
    return value


def _offset(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"t must be a number of seconds, not {value!r:.40}")
    seconds = float(value)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"t must be a finite number of seconds >= 0, not {value!r:.40}")
    return seconds


def _sse_checked_lines(lines: EventLines, eol: bytes) -> tuple[list[bytes], Sequence[float] | None] | None:
    """Chunks cut straight out of lines ``dump`` wrote, or ``None`` to take the checking path.

    A ``data`` line reads ``{"t":T,"data":D}`` or ``{"t":T,"event":"E","data":D}``
    (``t`` optional), and ``D`` is the compact JSON the wire carried: the chunk
    is ``data: D`` plus the blank line, with no parse and no re-encode. One
    regular-expression split of the block cuts ``T``, ``E`` and ``D`` out of
    every line into one flat list (no tuple per line for the garbage collector
    to track), and the chunks are assembled by ``map`` (C loops, no bytecode
    per line): that is what brings a 100,000-event load under cassetter's
    (bench row 4). Other lines (``text``, ``raw``) are parsed one by one.
    Anything unexpected gives up, and the caller checks every line instead.
    The arrival times stay text until something reads them (:class:`Offsets`).
    """
    common = _timed_data_lines(lines, eol)
    if common is not None:
        return common
    # [before, T, E, D, other, between, T, E, D, other, ..., after]: every line matched, nothing between.
    # (The block's copy is split and dropped at once: kept, it would double a large load's peak memory.)
    flat = _sse_line(lines.skip).split(lines.raw[lines.start - 1 : lines.end])
    count = len(flat) // 5
    if count != lines.count or any(flat[0::5]):
        return None
    seconds: list[bytes | None] = flat[1::5]
    names, values, others = flat[2::5], flat[3::5], flat[4::5]
    odd = list(compress(range(count), others)) if any(others) else []
    for index in odd:
        values[index] = b""
    chunks = list(map(_chunk_template(eol).__mod__, values))
    try:
        for index in compress(range(count), names):  # a name is captured with its quotes: "" is a name too
            chunks[index] = b"event: " + names[index][1:-1] + eol + chunks[index]
        for index in odd:
            chunks[index], seconds[index] = _other_line(others[index], eol)
    except _ENTRY_ERRORS + (UnicodeError,):
        return None
    return chunks, Offsets.of(seconds)


def _timed_data_lines(lines: EventLines, eol: bytes) -> tuple[list[bytes], Sequence[float] | None] | None:
    """The common block, or ``None``: every line ``{"t":T,"data":D}`` but for non-data lines at its end.

    A chat stream's block is that (its ``[DONE]`` is a ``text`` line at the
    end). The block is split where one data line ends and the next begins
    (``}``, the line break, ``<indent>- {"t":T,"data":``), so the pieces are
    the ``D`` s themselves and the regular-expression engine steps through the
    opening of each line only, not all of it: about two thirds of the time of
    a pattern that matches whole lines (bench row 4 at 2,000 events). A piece
    holding a line break would hide a line of another kind; the line count
    the checksum vouches for catches it, and the general path takes over.
    """
    head = _data_line_start(lines.skip).match(lines.raw, lines.start - 1, lines.end)
    if head is None:  # not this shape (event names, no times)
        return None
    # [D, T, D, T, ..., D + "}" + any lines of other kinds after the last data line]
    flat = _data_line_boundary(lines.skip).split(lines.raw[head.end() : lines.end])
    last, *tail = flat[-1].split(b"\n")
    if not last.endswith(b"}"):
        return None
    flat[-1] = last[:-1]
    values = flat[0::2]
    if len(values) + len(tail) != lines.count:
        return None
    chunks = list(map(_chunk_template(eol).__mod__, values))
    seconds: list[bytes | None] = [head.group(1), *flat[1::2]]
    try:
        for line in tail:
            chunk, offset = _other_line(line[lines.skip :], eol)
            chunks.append(chunk)
            seconds.append(offset)
    except _ENTRY_ERRORS + (UnicodeError,):
        return None
    return chunks, Offsets.of(seconds)


def _other_line(entry: bytes, eol: bytes) -> tuple[bytes, bytes | None]:
    """A checked line of another kind (``text``, ``raw``...), parsed: its chunk, and its time as :class:`Offsets` keeps it."""
    chunk, offset = _decode_sse_entry(json.loads(entry), ENCODERS["compact"], eol.decode("ascii"))
    return chunk, None if offset is None else repr(offset).encode("ascii")  # repr reads back as the same float


@functools.lru_cache(maxsize=4)
def _chunk_template(eol: bytes) -> bytes:
    """``data: %s`` and the blank line: ``template % D`` is one event's wire bytes."""
    return b"data: %s" + eol + eol


# A finite number >= 0 as ``dump`` writes one (``round(t, 4)``): float() of it cannot fail or overflow.
_SECONDS = rb"(\d+(?:\.\d+)?(?:[eE][+-]?\d{1,2})?)"


@functools.lru_cache(maxsize=16)
def _sse_line(skip: int) -> re.Pattern[bytes]:
    """A line break and one line of a block as ``dump`` writes it: groups ``T``, ``E``, ``D``, or the entry of another kind."""
    item = re.escape(b" " * (skip - 2) + b"- ")
    return re.compile(
        b"\n" + item + rb'(?:\{(?:"t":' + _SECONDS + rb',)?(?:"event":("[^"\\\n]*"),)?"data":([^\n]*)\}(?=\n|$)|([^\n]*))'
    )


@functools.lru_cache(maxsize=16)
def _data_line_start(skip: int) -> re.Pattern[bytes]:
    """A line break and the opening of a ``{"t":T,"data":D}`` line, up to ``D``: group ``T``."""
    return re.compile(b"\n" + re.escape(b" " * (skip - 2) + b"- ") + rb'\{"t":' + _SECONDS + rb',"data":')


@functools.lru_cache(maxsize=16)
def _data_line_boundary(skip: int) -> re.Pattern[bytes]:
    """The end of a line, the line break and the opening of a ``{"t":T,"data":D}`` line: group ``T``."""
    return re.compile(rb"\}\n" + re.escape(b" " * (skip - 2) + b"- ") + rb'\{"t":' + _SECONDS + rb',"data":')


class Offsets(Sequence[float]):
    """Arrival offsets of a checked events block, kept as the file's text until something reads them.

    Turning 2,000 decimal strings into floats costs about 340 us, a sixth of
    loading that block (bench row 4), and only a paced replay, a timeline and
    the interaction views read them. Each text matched ``_SECONDS`` (or is the
    ``repr`` of a checked float), so the conversion cannot fail. The texts are
    joined into one object: thousands of small ones, made while the block was
    split, would pin the allocator's arenas and keep a large load's memory
    resident after it is freed. Compares equal to a list of the same floats,
    as the list it stands for would.
    """

    __slots__ = ("_count", "_text", "_values")

    @classmethod
    def of(cls, texts: Sequence[bytes | None]) -> Offsets | None:
        """The times of a block, or ``None`` when a line has none (as the checking path decides)."""
        return None if None in texts else cls(texts)  # type: ignore[arg-type]

    def __init__(self, texts: Sequence[bytes]) -> None:
        self._count = len(texts)
        self._text = b" ".join(texts)
        self._values: list[float] | None = None

    def _floats(self) -> list[float]:
        # The text is kept: two threads reading the times at once (a cassette's responses are shared) both
        # convert the same text, instead of one finding it gone.
        values = self._values
        if values is None:
            values = self._values = list(map(float, self._text.split()))
        return values

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: Any) -> Any:
        return self._floats()[index]

    def __iter__(self) -> Iterator[float]:
        return iter(self._floats())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Offsets):
            return self._floats() == other._floats()
        return self._floats() == other if isinstance(other, list) else NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a list stand-in: unhashable as a list is

    def __repr__(self) -> str:
        return f"Offsets({self._floats()!r})"


_Encode = Callable[[Sequence[bytes], Sequence[float] | None], dict[str, Any]]
_Decode = Callable[[Any, str], tuple[list[bytes], Sequence[float] | None]]

# Framing name -> (encode, decode). A new framing adds its codec module here.
CODECS: dict[str, tuple[_Encode, _Decode]] = {
    "sse": (_encode_sse, _decode_sse),
    "ndjson": (encode_lines, decode_lines),
    "eventstream": (encode_frames, decode_frames),
}
