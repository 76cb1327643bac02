"""Where two transcripts' records part: the golden-file diff and the ``==`` explanation."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any, cast

from streamtest._transcript.events import Tokens
from streamtest.assertions._render import token_diff_lines
from streamtest.assertions._views import is_transcript

__all__ = ["assertrepr_lines", "transcript_diff_lines"]

_MAX_DIFF_LINES = 60


def _head(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in ("tokens", "tool_call_chunks")}


def transcript_diff_lines(
    expected: Sequence[Mapping[str, Any]],
    actual: Sequence[Mapping[str, Any]],
    *,
    labels: tuple[str, str] = ("expected", "actual"),
) -> list[str]:
    """Where two transcripts' records (``Transcript.records()``) part, then a YAML diff; [] if equal."""
    if list(expected) == list(actual):
        return []
    import yaml

    first, second = labels
    lines: list[str] = []
    at = next((i for i, (a, b) in enumerate(zip(expected, actual, strict=False)) if a != b), min(len(expected), len(actual)))
    if at < len(expected) and at < len(actual):
        a, b = expected[at], actual[at]
        lines.append(f"first difference in record {at + 1} ({a.get('mode')} {a.get('node') or ''}".rstrip() + "):")
        if "tokens" in a and "tokens" in b and a["tokens"] != b["tokens"]:
            lines += token_diff_lines(a["tokens"], b["tokens"], labels=labels)
        for key in sorted(set(_head(a)) | set(_head(b))):
            if a.get(key) != b.get(key):
                lines.append(f"  {key}: {first} {a.get(key)!r}, {second} {b.get(key)!r}")
    else:
        longer, name = (expected, first) if len(expected) > len(actual) else (actual, second)
        lines.append(f"{name} has {len(longer) - at} more records from record {at + 1}: {_head(longer[at])}")

    def dump(records: Sequence[Mapping[str, Any]]) -> list[str]:
        text = yaml.safe_dump(list(map(dict, records)), sort_keys=False, allow_unicode=True, width=120)
        return str(text).splitlines()

    diff = list(difflib.unified_diff(dump(expected), dump(actual), first, second, lineterm="", n=2))
    if len(diff) > _MAX_DIFF_LINES:
        diff = [*diff[:_MAX_DIFF_LINES], f"... {len(diff) - _MAX_DIFF_LINES} more diff lines"]
    return [*lines, "", *diff]


def _is_token_list(value: object) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


def assertrepr_lines(left: object, right: object) -> list[str] | None:
    """Explanation lines for a failed ``left == right`` where one side is ours, else None."""
    if is_transcript(left) and is_transcript(right):
        return [
            "normalized transcripts differ",
            *transcript_diff_lines(
                left.records(),  # type: ignore[attr-defined]
                right.records(),  # type: ignore[attr-defined]
                labels=("left", "right"),
            ),
        ]
    if (isinstance(left, Tokens) or isinstance(right, Tokens)) and _is_token_list(left) and _is_token_list(right):
        return ["token streams differ", *token_diff_lines(cast(Sequence[str], left), cast(Sequence[str], right), labels=("left", "right"))]
    return None
