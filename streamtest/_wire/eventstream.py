"""AWS event-stream (``application/vnd.amazon.eventstream``), byte-exact: one unit per binary frame.

Bedrock's ConverseStream (and every AWS streaming API) sends binary frames; all
integers are big-endian::

    prelude   total_length u32 | headers_length u32 | prelude_crc u32 (CRC32 of the first 8 bytes)
    headers   repeated: name_length u8 | name | value_type u8 | value
              (type 7 = string: length u16 | UTF-8; the other types are fixed-size
              or length-prefixed and are kept, not interpreted)
    payload   bytes (JSON for Bedrock)
    crc       u32: CRC32 of everything before it
    total_length = 12 + headers_length + len(payload) + 4

A unit is one frame, cut by ``total_length``; the invariant of every framing
holds: ``b"".join(split_frames(body)) == body`` (a truncated tail is its own
unit). A frame's :class:`~streamtest._wire.base.Frame` is named by its
``:event-type`` header (``contentBlockDelta``...), its ``:exception-type``
(``throttlingException``: AWS exception names end in ``Exception``) or its
``:error-code``, and carries the payload as text. Writing is the reverse:
:meth:`encode` gives a frame the three headers AWS sends with JSON payloads.
The CRCs are deterministic, so a frame decoded into headers and payload
re-encodes to the same bytes.
"""

from __future__ import annotations

import binascii
import struct
from collections.abc import Mapping

from streamtest._wire.base import Frame

__all__ = [
    "EVENTSTREAM",
    "FrameSplitter",
    "decode_frame",
    "encode_frame",
    "event_headers",
    "exception_headers",
    "split_frames",
    "standard_headers",
]

_PRELUDE = 12
_STRING = 7


def split_frames(body: bytes) -> list[bytes]:
    """A complete body cut into frames; a truncated tail (or garbage) is the last unit."""
    splitter = FrameSplitter()
    frames = splitter.feed(body)
    if rest := splitter.flush():
        frames.append(rest)
    return frames


class FrameSplitter:
    """Incremental :func:`split_frames`: a frame is complete once ``total_length`` bytes arrived."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        frames: list[bytes] = []
        while len(self._buffer) >= 4:
            (total,) = struct.unpack_from(">I", self._buffer)
            if total < _PRELUDE + 4 or len(self._buffer) < total:
                break  # not a frame (kept for flush) or not all here yet
            frames.append(self._buffer[:total])
            self._buffer = self._buffer[total:]
        return frames

    def flush(self) -> bytes:
        rest, self._buffer = self._buffer, b""
        return rest


def encode_frame(headers: Mapping[str, str], payload: bytes) -> bytes:
    """A frame with string ``headers`` (in their order) and ``payload``, CRCs computed."""
    encoded = b""
    for name, value in headers.items():
        key, text = name.encode("utf-8"), value.encode("utf-8")
        encoded += bytes([len(key)]) + key + bytes([_STRING]) + struct.pack(">H", len(text)) + text
    prelude = struct.pack(">II", _PRELUDE + len(encoded) + len(payload) + 4, len(encoded))
    prelude += struct.pack(">I", binascii.crc32(prelude))
    message = prelude + encoded + payload
    return message + struct.pack(">I", binascii.crc32(message))


def decode_frame(unit: bytes) -> tuple[dict[str, str], bytes] | None:
    """The string headers and payload of a well-formed frame; ``None`` when the unit is not one
    (truncated, a CRC mismatch, a header of another type, a repeated header name)."""
    if len(unit) < _PRELUDE + 4:
        return None
    total, length, prelude_crc = struct.unpack_from(">III", unit)
    if total != len(unit) or prelude_crc != binascii.crc32(unit[:8]) or _PRELUDE + length + 4 > total:
        return None
    if struct.unpack_from(">I", unit, total - 4)[0] != binascii.crc32(unit[: total - 4]):
        return None
    headers: dict[str, str] = {}
    position, end = _PRELUDE, _PRELUDE + length
    try:
        while position < end:
            size = unit[position]
            name = unit[position + 1 : position + 1 + size].decode("utf-8")
            position += 1 + size
            if unit[position] != _STRING or name in headers:
                return None
            (value_size,) = struct.unpack_from(">H", unit, position + 1)
            headers[name] = unit[position + 3 : position + 3 + value_size].decode("utf-8")
            position += 3 + value_size
    except (IndexError, struct.error, UnicodeDecodeError):
        return None
    if position != end:
        return None
    return headers, unit[end : total - 4]


def event_headers(name: str) -> dict[str, str]:
    """The headers AWS sends with a JSON event, in its order."""
    return {":event-type": name, ":content-type": "application/json", ":message-type": "event"}


def exception_headers(name: str) -> dict[str, str]:
    """The headers AWS sends with a modeled exception (``throttlingException``...), in its order."""
    return {":exception-type": name, ":content-type": "application/json", ":message-type": "exception"}


def standard_headers(name: str) -> dict[str, str]:
    """:func:`exception_headers` for a name ending in ``Exception`` (AWS's naming), else :func:`event_headers`."""
    return exception_headers(name) if name.endswith("Exception") else event_headers(name)


class _EventStreamFraming:
    """AWS event-stream as a :class:`~streamtest._wire.framing.Framing`: one unit per frame."""

    name = "eventstream"
    content_type = "application/vnd.amazon.eventstream"

    def accepts(self, content_type: str) -> bool:
        return content_type.startswith(self.content_type)

    def splitter(self) -> FrameSplitter:
        return FrameSplitter()

    def split(self, body: bytes) -> list[bytes]:
        return split_frames(body)

    def frame(self, unit: bytes) -> Frame | None:
        decoded = decode_frame(unit)
        if decoded is None:
            return None
        headers, payload = decoded
        name = headers.get(":event-type") or headers.get(":exception-type") or headers.get(":error-code")
        try:
            data = payload.decode("utf-8") if payload or ":error-message" not in headers else headers[":error-message"]
        except UnicodeDecodeError:
            return None
        return Frame(name, data)

    def encode(self, frame: Frame) -> bytes:
        return encode_frame(standard_headers(frame.event or "event"), frame.data.encode("utf-8"))

    def with_data(self, unit: bytes, data: str) -> bytes:
        """The frame with ``data`` as its payload (or as its ``:error-message`` header, where
        :meth:`frame` read it), its other headers in their order, CRCs computed again."""
        decoded = decode_frame(unit)
        if decoded is None:
            raise ValueError("with_data needs a well-formed event-stream frame")
        headers, payload = decoded
        if not payload and ":error-message" in headers:
            return encode_frame({**headers, ":error-message": data}, payload)
        return encode_frame(headers, data.encode("utf-8"))


EVENTSTREAM = _EventStreamFraming()
"""The AWS event-stream framing."""
