"""A cassette file as the command reads it: any dialect, its interactions, and what each event was, when.

The bytes come from the loader (``streamtest._cassette.format.load_path``,
which reads other tools' cassettes too) and their meaning from the
:class:`~streamtest._cassette.interaction.Interaction` view and the wire
formats (``streamtest._wire``): this module adds only time, per event.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from streamtest._cassette.foreign import DIALECTS
from streamtest._cassette.format import read_path
from streamtest._cassette.interaction import Interaction, interactions_of
from streamtest._cassette.stamp import recorded_at_path
from streamtest._wire.base import StreamReading
from streamtest._wire.framing import framing_named

__all__ = ["CONTENT_KINDS", "Mark", "Recording", "looks_like_a_cassette", "marks", "piped", "read_recording", "short", "timing"]

_CASSETTE_KEYS = re.compile(
    r"""^\s*(?:["']?streamtest_format["']?\s*:|["']?interactions["']?\s*[:=]|\[\[interactions\]\])""", re.M
)

CONTENT_KINDS = ("token", "reasoning", "tool")
"""Event kinds that carry model output: the first of them ends the time to first token."""


def looks_like_a_cassette(text: str) -> bool:
    """Whether a file found in a folder is a cassette (of any tool), not some other YAML, JSON or TOML."""
    return bool(_CASSETTE_KEYS.search(text[:4096]))


@dataclass(frozen=True)
class Recording:
    """One cassette file: where it came from, when it was recorded, its interactions."""

    path: Path
    dialect: str | None
    """Which other tool wrote it (a key of ``streamtest._cassette.foreign.DIALECTS``); ``None`` for streamtest's own."""
    recorded_at: datetime | None
    interactions: list[Interaction]

    @property
    def described(self) -> str:
        return DIALECTS[self.dialect] if self.dialect else "a streamtest cassette"


def read_recording(path: str | Path) -> Recording:
    """Read a cassette file; a ``CassetteError`` names the file and the problem."""
    path = Path(path)
    loaded = read_path(path)
    return Recording(path, loaded.dialect, recorded_at_path(path), interactions_of(loaded.requests, loaded.responses))


@dataclass(frozen=True)
class Mark:
    """One unit of a response (an SSE event): what it carried and when it arrived."""

    t: float | None
    """Seconds after the request; ``None`` when the recording kept no timing."""
    kind: str
    """``token``, ``reasoning``, ``tool``, ``usage``, ``done``, ``error`` or ``other``."""
    text: str = ""


def marks(interaction: Interaction) -> list[Mark]:
    """Every chunk of the response, classified by its wire format, with its arrival offset."""
    framing = framing_named(interaction.framing) if interaction.framing else None
    wire = interaction.wire
    offsets = interaction.offsets
    out = []
    for index, chunk in enumerate(interaction.chunks):
        t = offsets[index] if offsets is not None and index < len(offsets) else None
        frame = framing.frame(chunk) if framing is not None else None
        if frame is None:
            out.append(Mark(t, "other", chunk.decode("utf-8", "replace").strip()))
            continue
        reading = wire.read([frame]) if wire is not None else StreamReading()
        out.append(Mark(t, *_kind(reading, frame.data)))
    return out


def _kind(reading: StreamReading, data: str) -> tuple[str, str]:
    if reading.errors:
        return "error", "; ".join(reading.errors)
    if reading.tool_call_fragments:
        fragment = reading.tool_call_fragments[0]
        return "tool", fragment.name or fragment.arguments
    if reading.reasoning:
        return "reasoning", "".join(reading.reasoning)
    if any(reading.text):
        return "token", "".join(reading.text)
    if reading.usage is not None:
        return "usage", repr(reading.usage)
    if reading.finish_reason or data.strip() == "[DONE]":
        return "done", reading.finish_reason or data.strip()
    return "other", ""


@dataclass(frozen=True)
class Timing:
    """When a response's first output and its last event arrived, after the request."""

    ttft: float
    total: float
    events: int


def timing(interaction: Interaction, events: list[Mark] | None = None) -> Timing | None:
    """Time to first token (or tool call, or reasoning) and total time; ``None`` when no timing is known."""
    events = marks(interaction) if events is None else events
    timed = [mark for mark in events if mark.t is not None]
    if not timed:
        return None
    first = next((mark for mark in timed if mark.kind in CONTENT_KINDS), timed[0])
    return Timing(ttft=first.t or 0.0, total=max(mark.t or 0.0 for mark in timed), events=len(events))


def short(text: str | None, width: int = 72) -> str:
    """One line: control characters escaped, cut with an ellipsis."""
    if text is None:
        return ""
    flat = text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def piped(tokens: Sequence[str]) -> str:
    """Tokens with ``|`` between them; a ``|`` inside a token reads ``\\|``, control characters ``\\n``..."""
    return "|".join(short(token, 10**9).replace("|", "\\|") for token in tokens)
