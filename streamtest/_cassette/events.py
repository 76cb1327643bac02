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
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any

from streamtest._cassette.eventstream_codec import decode_frames, encode_frames
from streamtest._cassette.jsonstyle import ENCODERS, json_style
from streamtest._cassette.ndjson_codec import decode_lines, encode_lines
from streamtest._wire.sse import SSEEvent, encode_event, parse_event

__all__ = ["CODECS", "decode_events", "encode_events"]

_EOL_NAMES = {"\n": "lf", "\r\n": "crlf", "\r": "cr"}
_EOLS = {name: eol for eol, name in _EOL_NAMES.items()}


def encode_events(framing: str, chunks: Sequence[bytes], offsets: Sequence[float] | None) -> dict[str, Any]:
    """The cassette block of a streamed body cut into ``chunks`` by the framing named ``framing``."""
    if framing not in CODECS:
        raise ValueError(f"no cassette codec for framing {framing!r}")
    return CODECS[framing][0](chunks, offsets)


def decode_events(framing: str, entry: Any, where: str) -> tuple[list[bytes], list[float] | None]:
    """The units and arrival offsets of a cassette block; ``ValueError`` says what is wrong."""
    if framing not in CODECS:
        raise ValueError(f"{where} has no codec for framing {framing!r}")
    return CODECS[framing][1](entry, where)


def _encode_sse(chunks: Sequence[bytes], offsets: Sequence[float] | None) -> dict[str, Any]:
    """SSE chunks as one-line event entries; the stream's JSON style and EOL are detected once."""
    parsed: list[SSEEvent | None] = []
    for chunk in chunks:
        try:
            parsed.append(parse_event(chunk))
        except UnicodeDecodeError:
            parsed.append(None)
    eol = next((p.eol for p in parsed if p is not None), "\n")
    style = next(
        (s for p in parsed if p is not None and p.data is not None and (s := json_style(p.data)) is not None),
        "compact",
    )
    events = []
    for index, (chunk, event) in enumerate(zip(chunks, parsed, strict=True)):
        entry: dict[str, Any] = {}
        if offsets is not None:
            entry["t"] = round(offsets[index], 4)
        entry.update(_encode_event(chunk, event, eol, style))
        events.append(entry)
    return {"json": style, "eol": _EOL_NAMES[eol], "events": events}


def _encode_event(chunk: bytes, event: SSEEvent | None, eol: str, style: str) -> dict[str, Any]:
    if event is None:
        return {"raw_base64": base64.b64encode(chunk).decode("ascii")}
    simple = event.data is not None and not (event.comments or event.id or event.retry)
    if simple and encode_event(event.data, event=event.event, eol=eol) == chunk:  # type: ignore[arg-type]
        named = {"event": event.event} if event.event is not None else {}
        if json_style(event.data) == style:  # type: ignore[arg-type]
            return {**named, "data": json.loads(event.data)}  # type: ignore[arg-type]
        return {**named, "text": event.data}
    return {"raw": chunk.decode("utf-8")}


def _decode_sse(entry: Any, where: str) -> tuple[list[bytes], list[float] | None]:
    if not isinstance(entry, dict) or not isinstance(entry.get("events"), list):
        raise ValueError(f"{where}.sse needs an events list")
    encoder = ENCODERS.get(entry.get("json", "compact"))
    if encoder is None:
        raise ValueError(f"{where}.sse has unknown json style {entry.get('json')!r}")
    eol = _EOLS.get(entry.get("eol", "lf"))
    if eol is None:
        raise ValueError(f"{where}.sse has unknown eol {entry.get('eol')!r} (lf, crlf or cr)")
    chunks: list[bytes] = []
    offsets: list[float] = []
    for number, event in enumerate(entry["events"], 1):
        if not isinstance(event, dict):
            raise ValueError(f"{where}.sse event {number} must be a mapping")
        if "raw" in event:
            chunks.append(str(event["raw"]).encode("utf-8"))
        elif "raw_base64" in event:
            chunks.append(base64.b64decode(event["raw_base64"]))
        elif "data" in event:
            chunks.append(encode_event(encoder.encode(event["data"]), event=event.get("event"), eol=eol))
        elif "text" in event:
            chunks.append(encode_event(str(event["text"]), event=event.get("event"), eol=eol))
        else:
            raise ValueError(f"{where}.sse event {number} needs data, text or raw")
        if "t" in event:
            offsets.append(float(event["t"]))
    return chunks, (offsets if len(offsets) == len(chunks) else None)


_Encode = Callable[[Sequence[bytes], Sequence[float] | None], dict[str, Any]]
_Decode = Callable[[Any, str], tuple[list[bytes], list[float] | None]]

# Framing name -> (encode, decode). A new framing adds its codec module here.
CODECS: dict[str, tuple[_Encode, _Decode]] = {
    "sse": (_encode_sse, _decode_sse),
    "ndjson": (encode_lines, decode_lines),
    "eventstream": (encode_frames, decode_frames),
}
