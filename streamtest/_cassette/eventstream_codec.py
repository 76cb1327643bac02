"""AWS event-stream bodies in a cassette: one entry per binary frame, each with its arrival time.

The block (under the response's ``eventstream:`` key) lists one entry per
frame, decoded when re-encoding gives the recorded bytes back (the CRCs are
deterministic)::

    eventstream:
      json: compact
      events:  # one JSON object per line
      - {"t":0.2104,"event":"contentBlockDelta","data":{"contentBlockIndex":0,"delta":{"text":"Why"},"p":"abcd"}}
      - {"t":0.9001,"exception":"throttlingException","data":{"message":"Too many tokens"}}
      - {"t":0.9002,"headers":{":event-type":"x",":message-type":"event"},"text":"not JSON"}
      - {"t":0.9003,"raw_base64":"AAAAEAAAAAB..."}

``event`` / ``exception`` stand for the three headers AWS sends with a JSON
payload (``streamtest._wire.eventstream.event_headers`` / ``exception_headers``); other string
headers are written out as ``headers`` (in order). The payload is ``data``
(parsed JSON in the block's style) or ``text``; a frame with headers of other
types, a bad CRC or a truncated tail is kept as ``raw_base64``.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from streamtest._cassette.jsonstyle import ENCODERS, block_entries
from streamtest._wire.eventstream import decode_frame, encode_frame, event_headers, exception_headers

__all__ = ["decode_frames", "encode_frames"]


def _payload_text(payload: bytes) -> str | None:
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return None


def encode_frames(chunks: Sequence[bytes], offsets: Sequence[float] | None) -> dict[str, Any]:
    """Event-stream frames as one-line entries; the payloads' JSON style is detected once."""
    decoded = [decode_frame(chunk) for chunk in chunks]
    texts = [_payload_text(frame[1]) if frame is not None else None for frame in decoded]
    style, payloads = block_entries(texts)
    events = []
    for index, (chunk, frame, payload) in enumerate(zip(chunks, decoded, payloads, strict=True)):
        entry: dict[str, Any] = {}
        if offsets is not None:
            entry["t"] = round(offsets[index], 4)
        if frame is None or payload is None or encode_frame(frame[0], frame[1]) != chunk:
            entry["raw_base64"] = base64.b64encode(chunk).decode("ascii")
            events.append(entry)
            continue
        headers = list(frame[0].items())
        event, exception = frame[0].get(":event-type"), frame[0].get(":exception-type")
        if event is not None and headers == list(event_headers(event).items()):
            entry["event"] = event
        elif exception is not None and headers == list(exception_headers(exception).items()):
            entry["exception"] = exception
        else:
            entry["headers"] = frame[0]
        entry.update(payload)
        events.append(entry)
    return {"json": style, "events": events}


def decode_frames(entry: Any, where: str) -> tuple[list[bytes], list[float] | None]:
    """The frames and arrival offsets of an ``eventstream:`` block; ``ValueError`` says what is wrong."""
    if not isinstance(entry, dict) or not isinstance(entry.get("events"), list):
        raise ValueError(f"{where}.eventstream needs an events list")
    encoder = ENCODERS.get(entry.get("json", "compact"))
    if encoder is None:
        raise ValueError(f"{where}.eventstream has unknown json style {entry.get('json')!r}")
    chunks: list[bytes] = []
    offsets: list[float] = []
    for number, event in enumerate(entry["events"], 1):
        if not isinstance(event, dict):
            raise ValueError(f"{where}.eventstream frame {number} must be a mapping")
        if "raw_base64" in event:
            chunks.append(base64.b64decode(event["raw_base64"]))
        else:
            if "event" in event:
                headers = event_headers(str(event["event"]))
            elif "exception" in event:
                headers = exception_headers(str(event["exception"]))
            elif isinstance(event.get("headers"), dict):
                headers = {str(k): str(v) for k, v in event["headers"].items()}
            else:
                raise ValueError(f"{where}.eventstream frame {number} needs event, exception, headers or raw_base64")
            if "data" in event:
                payload = encoder.encode(event["data"])
            elif "text" in event:
                payload = str(event["text"])
            else:
                raise ValueError(f"{where}.eventstream frame {number} needs data or text")
            chunks.append(encode_frame(headers, payload.encode("utf-8")))
        if "t" in event:
            offsets.append(float(event["t"]))
    return chunks, (offsets if len(offsets) == len(chunks) else None)
