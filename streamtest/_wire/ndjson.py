"""Newline-delimited JSON, byte-exact: one unit per line (Ollama's native API streams this way).

A unit is one line with its ``\\n`` (a ``\\r`` before it stays in the unit, so
CRLF bodies survive); an unterminated tail is its own unit. The invariant the
other framings keep holds here too: ``b"".join(split_lines(body)) == body``.
A unit's frame is the line without its line ending; a blank line carries none.
"""

from __future__ import annotations

from streamtest._wire.base import Frame

__all__ = ["NDJSON", "LineSplitter", "split_lines"]


def _cut(buffer: bytes) -> tuple[list[bytes], bytes]:
    lines: list[bytes] = []
    start = 0
    while (end := buffer.find(b"\n", start)) != -1:
        lines.append(buffer[start : end + 1])
        start = end + 1
    return lines, buffer[start:]


def split_lines(body: bytes) -> list[bytes]:
    """A complete body cut into lines (each with its ``\\n``); an unterminated tail is the last unit."""
    lines, rest = _cut(body)
    if rest:
        lines.append(rest)
    return lines


class LineSplitter:
    """Incremental :func:`split_lines` for bytes that arrive in network-sized pieces."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        lines, self._buffer = _cut(self._buffer)
        return lines

    def flush(self) -> bytes:
        rest, self._buffer = self._buffer, b""
        return rest


class _NDJSONFraming:
    """NDJSON as a :class:`~streamtest._wire.framing.Framing`: one unit per line."""

    name = "ndjson"
    content_type = "application/x-ndjson"
    _CONTENT_TYPES = ("application/x-ndjson", "application/jsonl", "application/jsonlines", "application/json-lines")

    def accepts(self, content_type: str) -> bool:
        return content_type.startswith(self._CONTENT_TYPES)

    def splitter(self) -> LineSplitter:
        return LineSplitter()

    def split(self, body: bytes) -> list[bytes]:
        return split_lines(body)

    def frame(self, unit: bytes) -> Frame | None:
        try:
            line = unit.decode("utf-8")
        except UnicodeDecodeError:
            return None
        line = line.removesuffix("\n").removesuffix("\r")
        return Frame(None, line) if line.strip() else None

    def encode(self, frame: Frame) -> bytes:
        return (frame.data + "\n").encode("utf-8")

    def with_data(self, unit: bytes, data: str) -> bytes:
        """``data`` with the line ending :meth:`frame` took off (``\\n``, ``\\r\\n``, or none for a tail)."""
        line = unit.removesuffix(b"\n").removesuffix(b"\r")
        return data.encode("utf-8") + unit[len(line) :]


NDJSON = _NDJSONFraming()
"""The NDJSON framing."""
