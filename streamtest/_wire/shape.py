"""A stream's shape: how a provider's stream is built, apart from what it says.

Two recordings of the same request differ in text (and ids, timestamps,
token counts) from run to run; their shape stays put until the provider
changes its format. The shape is the event types in order of first appearance,
the key paths each event type carries (the union over its events), the tool
calls' structure (names and argument keys), whether usage is reported, the
finish reason and how many errors the stream carried. ``--record=verify``
compares the shapes of a live and a recorded stream (``streamtest._replay.verify``).

Generic over :class:`~streamtest._wire.base.Frame`: an event's type is its
framing's name for it (SSE ``event:``), else the ``type`` or ``object`` field
of its JSON data, else its text when short (``[DONE]``). What the stream *means*
(tool calls, usage, finish) comes from the format's :class:`StreamReading`.
Pure: json only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from streamtest._wire.base import Frame, StreamReading

__all__ = ["StreamShape", "event_type", "key_paths", "stream_shape"]

_SHORT_TEXT = 24


@dataclass(frozen=True)
class StreamShape:
    """The shape of one stream; :meth:`lines` renders it one fact per line, for diffs."""

    events: tuple[tuple[str, tuple[str, ...]], ...]
    """Event types in order of first appearance, each with the sorted key paths its events carry."""
    tool_calls: tuple[str, ...] = ()
    """``name(argument keys)`` per call, in order."""
    usage: bool = False
    finish_reason: str | None = None
    errors: int = 0

    def lines(self) -> list[str]:
        out: list[str] = []
        for kind, paths in self.events:
            out.append(f"event {kind}")
            out.extend(f"  {path}" for path in paths)
        out.append(f"tool calls: {', '.join(self.tool_calls) if self.tool_calls else 'none'}")
        out.append(f"usage: {'reported' if self.usage else 'none'}")
        out.append(f"finish reason: {self.finish_reason}")
        out.append(f"errors: {self.errors or 'none'}")
        return out


def event_type(frame: Frame, data: Any) -> str:
    """What kind of event ``frame`` is (``data`` is its parsed JSON, or ``None``)."""
    if frame.event:
        return frame.event
    if isinstance(data, Mapping):
        for key in ("type", "object"):
            if isinstance(data.get(key), str):
                return str(data[key])
        return "json"
    if data is None and len(frame.data) <= _SHORT_TEXT and "\n" not in frame.data:
        return frame.data
    return "json" if data is not None else "text"


def key_paths(value: Any, prefix: str = "") -> Iterator[str]:
    """Every key path in a JSON value: ``choices``, ``choices[].delta``, ``choices[].delta.content``..."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield path
            yield from key_paths(item, path)
    elif isinstance(value, list):
        for item in value:
            yield from key_paths(item, f"{prefix}[]")


def stream_shape(frames: Sequence[Frame], reading: StreamReading) -> StreamShape:
    """The shape of a stream whose data frames are ``frames`` and whose format read them as ``reading``."""
    paths: dict[str, set[str]] = {}
    for frame in frames:
        data = _json(frame.data)
        paths.setdefault(event_type(frame, data), set()).update(key_paths(data))
    return StreamShape(
        events=tuple((kind, tuple(sorted(found))) for kind, found in paths.items()),
        tool_calls=tuple(f"{call.name}({_argument_keys(call.arguments)})" for call in reading.tool_calls),
        usage=reading.usage is not None,
        finish_reason=reading.finish_reason,
        errors=len(reading.errors),
    )


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _argument_keys(arguments: str) -> str:
    value = _json(arguments)
    if isinstance(value, Mapping):
        return ", ".join(sorted(map(str, value)))
    return "<not a JSON object>" if arguments else ""
