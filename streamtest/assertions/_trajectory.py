"""Trajectories: the tool calls of a whole run against a reference, in agentevals' four modes.

``mode=``:

- ``"strict"``: the same calls in the same order. Give the reference as a list
  of lists to also fix which calls the model made together (one inner list per
  model call that called tools);
- ``"unordered"``: the same calls, in any order;
- ``"subset"``: the run made no call outside the reference (it may have made fewer);
- ``"superset"``: the run made every call of the reference (and maybe more).

Arguments compare as in :mod:`._tool_calls` (``args=``, ``args_for=``). The
unordered modes pair calls with a maximum bipartite matching, so a loose
expectation cannot take the call a strict one needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from streamtest._exceptions import UsageError
from streamtest._transcript.trajectory import Trajectory, format_call
from streamtest._wire.base import ToolCall
from streamtest.assertions._render import StreamAssertionError
from streamtest.assertions._tool_calls import (
    ArgsMode,
    ToolCallSpec,
    actual_trajectory,
    args_problem,
    as_spec,
    check_args_mode,
    mode_for,
    specs_of,
    tool_call_table,
)

if TYPE_CHECKING:
    from streamtest._transcript.transcript import Transcript

__all__ = ["TrajectoryMode", "assert_trajectory"]

TrajectoryMode = Literal["strict", "unordered", "subset", "superset"]
_MODES = ("strict", "unordered", "subset", "superset")


def assert_trajectory(
    transcript: Transcript | Trajectory | Sequence[Transcript],
    expected: Sequence[Any] | Trajectory,
    *,
    mode: TrajectoryMode = "strict",
    args: ArgsMode = "exact",
    args_for: Mapping[str, ArgsMode] | None = None,
    tag: str | None = None,
    node: str | None = None,
) -> None:
    """The run's tool calls match the reference ``expected`` in ``mode``.

    ``transcript`` is a Transcript, a list of them (the runs of one
    conversation, e.g. before and after an ``interrupt()``), or a Trajectory.
    ``expected`` lists :func:`~streamtest.assertions.tool_call` specs (nested
    lists for model calls in strict mode), or is a Trajectory whose calls must
    be repeated. A failure shows both sides row by row, the differing rows
    marked with ``>``, and the actual trajectory with tool results below.
    """
    if mode not in _MODES:
        raise UsageError(f"mode={mode!r} must be one of {', '.join(map(repr, _MODES))}.")
    check_args_mode(args)
    for name, tool_mode in (args_for or {}).items():
        check_args_mode(tool_mode, f"args_for[{name!r}]")
    trajectory, what = actual_trajectory(transcript, tag, node)
    what = what.replace("tool calls", "trajectory", 1)
    if isinstance(expected, Trajectory):
        expected = [as_spec(call) for call in expected.tool_calls]
    turns = _turns(expected, mode)
    specs = [spec for turn in turns for spec in turn] if turns is not None else specs_of(expected)
    calls = trajectory.tool_calls

    def problem(s: int, c: int) -> str | None:
        return args_problem(specs[s], calls[c], mode_for(calls[c].name, args, args_for))

    if mode == "strict":
        _strict(specs, calls, turns, trajectory, problem, what)
        return
    pairs = _matching(len(specs), len(calls), lambda s, c: problem(s, c) is None)
    matched_specs = {s for s, _ in pairs}
    matched_calls = {c for _, c in pairs}
    missing = [s for s in range(len(specs)) if s not in matched_specs] if mode in ("unordered", "superset") else []
    extra = [c for c in range(len(calls)) if c not in matched_calls] if mode in ("unordered", "subset") else []
    if not missing and not extra:
        return
    rows: list[tuple[int | None, int | None]] = [(s, c) for s, c in sorted(pairs, key=lambda pair: pair[1])]
    rows += [(s, None) for s in range(len(specs)) if s not in matched_specs]
    rows += [(None, c) for c in range(len(calls)) if c not in matched_calls]
    marked = [n for n, (s, c) in enumerate(rows) if (s in missing and c is None) or (c in extra and s is None)]
    reasons = []
    if missing:
        reasons.append(f"{len(missing)} expected call(s) not made, first {specs[missing[0]]!r}")
        closest = _closest(specs[missing[0]], calls, matched_calls, args, args_for)
        if closest:
            reasons[-1] += f" ({closest})"
    if extra:
        reasons.append(f"{len(extra)} call(s) outside the reference, first {format_call(calls[extra[0]])}")
    raise StreamAssertionError(
        f"{what} does not match the reference ({mode}): " + "; ".join(reasons),
        tool_call_table(specs, calls, marked, trajectory, pairs=rows),
    )


def _turns(expected: object, mode: str) -> list[list[ToolCallSpec]] | None:
    """The reference as model calls (lists of specs), when it is written that way."""
    if not isinstance(expected, Sequence) or isinstance(expected, (str, bytes)):
        return None
    nested = [isinstance(item, list) for item in expected]
    if not any(nested):
        return None
    if not all(nested):
        raise UsageError(
            "expected mixes lists (one per model call) and single calls; write every model call as a list."
        )
    if mode != "strict":
        raise UsageError(f"mode={mode!r} compares calls, not model calls: give a flat list (lists are for 'strict').")
    return [[as_spec(item) for item in turn] for turn in expected]


def _strict(
    specs: Sequence[ToolCallSpec],
    calls: Sequence[ToolCall],
    turns: Sequence[Sequence[ToolCallSpec]] | None,
    trajectory: Trajectory,
    problem: Any,
    what: str,
) -> None:
    for position in range(max(len(specs), len(calls))):
        if position >= len(specs):
            reason = f"an extra call, {format_call(calls[position])}"
        elif position >= len(calls):
            reason = f"expected {specs[position]!r}, the run made only {len(calls)} call(s)"
        else:
            reason = problem(position, position)
        if reason is not None:
            raise StreamAssertionError(
                f"{what} differs at call {position + 1} (strict): {reason}",
                tool_call_table(specs, calls, position, trajectory),
            )
    if turns is None:
        return
    actual_turns = trajectory.turns
    shape = [len(turn) for turn in turns]
    actual_shape = [len(turn) for turn in actual_turns]
    if shape != actual_shape:
        at = next((i for i, (a, b) in enumerate(zip(shape, actual_shape, strict=False)) if a != b), min(len(shape), len(actual_shape)))
        first = sum(shape[:at])
        raise StreamAssertionError(
            f"{what} groups its calls differently (strict): calls per model call expected {shape}, "
            f"actual {actual_shape}; first difference at model call {at + 1}",
            tool_call_table(specs, calls, first, trajectory),
        )


def _matching(left: int, right: int, fits: Any) -> list[tuple[int, int]]:
    """A maximum matching between ``range(left)`` and ``range(right)`` (Kuhn's augmenting paths)."""
    owner: dict[int, int] = {}  # right -> left
    edges = [[c for c in range(right) if fits(s, c)] for s in range(left)]

    def augment(s: int, seen: set[int]) -> bool:
        for c in edges[s]:
            if c in seen:
                continue
            seen.add(c)
            if c not in owner or augment(owner[c], seen):
                owner[c] = s
                return True
        return False

    for s in range(left):
        augment(s, set())
    return sorted(((s, c) for c, s in owner.items()), key=lambda pair: pair[0])


def _closest(
    spec: ToolCallSpec,
    calls: Sequence[ToolCall],
    taken: set[int],
    args: ArgsMode,
    args_for: Mapping[str, ArgsMode] | None,
) -> str | None:
    """Why the nearest call of the same tool did not fit, for the failure's first line."""
    for c, call in enumerate(calls):
        if spec.names(call.name):
            reason = args_problem(spec, call, mode_for(call.name, args, args_for))
            if reason is not None:
                return f"call {c + 1}: {reason}"
            if c in taken:
                return f"call {c + 1} fits but was taken by another expected call"
    return f"no call of {spec.name!r}" if isinstance(spec.name, str) else None
