"""When a cassette was recorded, and how old one may get before a team wants to hear about it.

A cassette records the provider as it was: models, prompts and SSE shapes drift,
and a replay keeps passing against the past. ``recorded_at`` (an ISO 8601 UTC
time, top-level in streamtest's format, per interaction in cassetter's) plus
the ``streamtest_max_age`` ini key make that drift visible. A leaf: imports
nothing of streamtest but its exceptions.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from streamtest._exceptions import UsageError

__all__ = ["describe_age", "format_stamp", "now_stamp", "parse_max_age", "parse_stamp", "recorded_at_of", "recorded_at_path"]

# ``recorded_at: '2026-12-01T20:37:59Z'`` (ours, top level), ``  recorded_at: 2026-12-01T20:37:59.17+00:00``
# (cassetter YAML, per interaction, unquoted), ``recorded_at = "..."`` (cassetter TOML).
_STAMP_LINE = re.compile(r"""^[ \t]*recorded_at[ \t]*[:=][ \t]*['"]?(\d{4}-\d\d-\d\d[^'"\s#]*)""", re.M)
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def format_stamp(moment: datetime) -> str:
    """``2026-12-01T20:37:59Z``: second precision, UTC (what a reviewer reads in a diff)."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def now_stamp() -> str:
    return format_stamp(datetime.now(UTC))


def parse_stamp(text: str) -> datetime | None:
    """An ISO 8601 time (naive times are UTC), or ``None`` when ``text`` is not one."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def recorded_at_of(text: str) -> datetime | None:
    """When the cassette ``text`` was recorded: its oldest ``recorded_at``, or ``None`` (vcrpy keeps none)."""
    stamps = [moment for match in _STAMP_LINE.finditer(text) if (moment := parse_stamp(match.group(1))) is not None]
    return min(stamps, default=None)


def recorded_at_path(path: str | Path) -> datetime | None:
    """:func:`recorded_at_of` for a file; ``None`` when it cannot be read."""
    try:
        return recorded_at_of(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def parse_max_age(value: str) -> timedelta:
    """``"30d"``, ``"12h"``, ``"4w"``, ``"90m"``, ``"45s"`` as a duration; anything else is a :class:`UsageError`."""
    match = _AGE.match(value)
    if match is None or float(match.group(1)) <= 0:
        raise UsageError(
            f"streamtest_max_age = {value!r}: expected a positive number and a unit: s, m, h, d or w (e.g. 30d)"
        )
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


def describe_age(age: timedelta) -> str:
    """``41 days``, ``5 hours``, ``12 minutes``: the unit a person would say."""
    seconds = age.total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{int(seconds)} seconds"
