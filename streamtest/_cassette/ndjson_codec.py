"""NDJSON bodies in a cassette: one entry per line, each with its arrival time.

The block (under the response's ``ndjson:`` key) states the stream's JSON style
once and lists one entry per line::

    ndjson:
      json: compact
      events:  # one JSON object per line
      - {"t":0.0412,"data":{"model":"llama3.2","message":{"role":"assistant","content":"Why"},"done":false}}
      - {"t":0.4100,"data":{"model":"llama3.2","done":true,"done_reason":"stop","eval_count":12}}

``data`` is the parsed line, written only when re-encoding it in the block's
style plus ``\\n`` gives the recorded bytes back; otherwise ``text`` (the line
without its ``\\n``), ``raw`` (a CRLF line, an unterminated tail) or
``raw_base64`` (bytes that are not UTF-8). Replay therefore serves exactly the
recorded lines, one per chunk.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from streamtest._cassette.jsonstyle import ENCODERS, block_entries

__all__ = ["decode_lines", "encode_lines"]


def _line_of(chunk: bytes) -> str | None:
    """The line a unit carries, when it is UTF-8 and ends with a lone ``\\n``."""
    try:
        text = chunk.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.endswith("\n") or text.endswith("\r\n") or "\n" in text[:-1]:
        return None
    return text[:-1]


def encode_lines(chunks: Sequence[bytes], offsets: Sequence[float] | None) -> dict[str, Any]:
    """NDJSON units as one-line entries; the stream's JSON style is detected once."""
    style, lines = block_entries([_line_of(chunk) for chunk in chunks])
    events = []
    for index, (chunk, line) in enumerate(zip(chunks, lines, strict=True)):
        entry: dict[str, Any] = {}
        if offsets is not None:
            entry["t"] = round(offsets[index], 4)
        if line is not None:
            entry.update(line)
        else:
            try:
                entry["raw"] = chunk.decode("utf-8")
            except UnicodeDecodeError:
                entry["raw_base64"] = base64.b64encode(chunk).decode("ascii")
        events.append(entry)
    return {"json": style, "events": events}


def decode_lines(entry: Any, where: str) -> tuple[list[bytes], list[float] | None]:
    """The lines and arrival offsets of an ``ndjson:`` block; ``ValueError`` says what is wrong."""
    if not isinstance(entry, dict) or not isinstance(entry.get("events"), list):
        raise ValueError(f"{where}.ndjson needs an events list")
    encoder = ENCODERS.get(entry.get("json", "compact"))
    if encoder is None:
        raise ValueError(f"{where}.ndjson has unknown json style {entry.get('json')!r}")
    chunks: list[bytes] = []
    offsets: list[float] = []
    for number, event in enumerate(entry["events"], 1):
        if not isinstance(event, dict):
            raise ValueError(f"{where}.ndjson line {number} must be a mapping")
        if "data" in event:
            chunks.append((encoder.encode(event["data"]) + "\n").encode("utf-8"))
        elif "text" in event:
            chunks.append((str(event["text"]) + "\n").encode("utf-8"))
        elif "raw" in event:
            chunks.append(str(event["raw"]).encode("utf-8"))
        elif "raw_base64" in event:
            chunks.append(base64.b64decode(event["raw_base64"]))
        else:
            raise ValueError(f"{where}.ndjson line {number} needs data, text or raw")
        if "t" in event:
            offsets.append(float(event["t"]))
    return chunks, (offsets if len(offsets) == len(chunks) else None)
