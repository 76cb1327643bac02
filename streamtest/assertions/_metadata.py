"""Token metadata: values, types, patterns or predicates per key, failures grouped per call."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from streamtest._exceptions import UsageError
from streamtest.assertions._matchers import mismatch
from streamtest.assertions._render import StreamAssertionError, event_label, show_token, title, where
from streamtest.assertions._views import filtered_view, require_tokens

if TYPE_CHECKING:
    from streamtest._transcript.transcript import Transcript

__all__ = ["assert_metadata", "checkpoint_ns_of"]

_MAX_LISTED = 5


def checkpoint_ns_of(node: str) -> re.Pattern[str]:
    """A pattern for ``checkpoint_ns`` / ``langgraph_checkpoint_ns`` of a task of ``node``.

    Matches ``"<node>:<task id>"`` raw (``call_model:6ddc5f0f-...``) and
    normalized (``call_model:<task:1>``), at any subgraph depth.
    """
    return re.compile(rf"(?:[^|]+\|)*{re.escape(node)}:(?:<task:\d+>|[0-9a-fA-F-]+)")


def _mismatch(key: str, expected: Any, metadata: Mapping[str, Any]) -> str | None:
    """Why ``metadata[key]`` does not satisfy ``expected``, or None if it does."""
    if key not in metadata:
        return f"no {key!r} (keys: {', '.join(sorted(map(str, metadata))) or 'none'})"
    why = mismatch(expected, metadata[key])
    return None if why is None else f"{key!r} is {metadata[key]!r}, {why}"


def assert_metadata(
    transcript: Transcript,
    expected: Mapping[str, Any] | None = None,
    /,
    *,
    tag: str | None = None,
    node: str | None = None,
    mode: str | None = None,
    **fields: Any,
) -> None:
    """Every token (and whole message) in the view carries metadata that satisfies each field.

    Empty chunks are not checked: the user never sees them.

    A field's expectation is a value (lists and tuples compare alike), a type
    (``langgraph_step=int``), a compiled regex that must match the whole value
    (``checkpoint_ns=checkpoint_ns_of("call_model")``), or a predicate
    (``ls_temperature=lambda t: t is None or t <= 1``). Keys that clash with
    ``tag``/``node``/``mode`` go in the ``expected`` mapping.
    """
    wanted = {**dict(expected or {}), **fields}
    if not wanted:
        raise UsageError("assert_metadata needs at least one field to check.")
    view = filtered_view(transcript, tag, node, mode)
    events = [e for e in view.events if e.is_token or e.kind == "message"]
    if not events:
        require_tokens(view, "metadata")
    # One line per run of consecutive events of one call with the same problems.
    runs: list[tuple[tuple[Any, tuple[str, ...]], list[int]]] = []
    for position, event in enumerate(events):
        problems = tuple(p for key, exp in wanted.items() if (p := _mismatch(key, exp, event.metadata)))
        if not problems:
            continue
        key = (event.call, problems)
        if runs and runs[-1][0] == key and runs[-1][1][-1] == position - 1:
            runs[-1][1].append(position)
        else:
            runs.append((key, [position]))
    if not runs:
        return
    lines = []
    for (_, problems), positions in runs[:_MAX_LISTED]:
        first, last = events[positions[0]], events[positions[-1]]
        if len(positions) == 1:
            place = event_label(first, positions[0])
        else:
            place = (
                f"tokens {positions[0] + 1}-{positions[-1] + 1} "
                f"({show_token(first.text or '')!r}…{show_token(last.text or '')!r}, {where(first)})"
            )
        lines.append(f"  {place}: " + "; ".join(problems))
    if len(runs) > _MAX_LISTED:
        lines.append(f"  ... and {len(runs) - _MAX_LISTED} more runs")
    failing = sum(len(positions) for _, positions in runs)
    raise StreamAssertionError(
        f"{title('metadata', view)}: {failing} of {len(events)} events do not match "
        f"{', '.join(sorted(wanted))}:",
        lines,
    )
