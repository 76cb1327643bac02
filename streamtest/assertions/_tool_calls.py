"""Tool calls: which tools the model called, with which arguments, in which order.

An expected call is a :class:`ToolCallSpec`, made by :func:`tool_call`::

    tool_call("get_weather", city="Paris")                  # these arguments, exactly
    tool_call("search", query=re.compile("paris", re.I), partial=True)   # at least these keys
    tool_call("send_email", to=lambda a: a.endswith("@example.com"), subject=str)
    tool_call("get_weather")                                 # any arguments
    "get_weather"                                            # the same, shorter

Each argument's expectation is a value, a type, a compiled regex (full match)
or a predicate, as in :func:`~streamtest.assertions.assert_metadata`.

How the arguments compare (``args=``, per tool with ``args_for=``), in
agentevals' words: ``"exact"`` (the same keys, each matching), ``"superset"``
(the call has at least the expected keys; what ``partial=True`` asks for one
call), ``"subset"`` (every key of the call is expected), ``"ignore"``, a list
of keys (only these), or a function ``(actual_args, expected_args) -> bool``.

:func:`assert_tool_calls` checks the run's calls in order; the trajectory modes
live in :mod:`._trajectory`. Both read a transcript's trajectory
(:mod:`streamtest._transcript.trajectory`), never the Transcript class.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from streamtest._exceptions import UsageError
from streamtest._transcript.trajectory import Trajectory, arguments_of, format_call, has_events, trajectory_of
from streamtest._wire.base import ToolCall
from streamtest.assertions._matchers import mismatch, show_expectation
from streamtest.assertions._render import StreamAssertionError, side_by_side
from streamtest.assertions._views import filtered_view

if TYPE_CHECKING:
    from streamtest._transcript.transcript import Transcript

__all__ = [
    "ArgsMode",
    "ToolCallSpec",
    "actual_trajectory",
    "args_problem",
    "as_spec",
    "assert_tool_calls",
    "check_args_mode",
    "mode_for",
    "specs_of",
    "tool_call",
    "tool_call_table",
]

ArgsMode = Literal["exact", "superset", "subset", "ignore"] | Sequence[str] | Callable[[Any, Any], bool]
_MODES = ("exact", "superset", "subset", "ignore")
_ANY = object()


@dataclass(frozen=True)
class ToolCallSpec:
    """An expected tool call: a name (or a pattern) and what its arguments must be."""

    name: str | re.Pattern[str]
    args: Any = _ANY
    """A mapping of argument expectations, a predicate over the whole arguments, or ``_ANY``."""
    partial: bool = False
    """Only the given keys are checked (``args="superset"`` for this call)."""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def names(self, name: str) -> bool:
        if isinstance(self.name, re.Pattern):
            return bool(self.name.fullmatch(name))
        return self.name == name

    def __repr__(self) -> str:
        name = self.name if isinstance(self.name, str) else f"/{self.name.pattern}/"
        if self.args is _ANY:
            return f"{name}(...)"
        if not isinstance(self.args, Mapping):
            return f"{name}(<{getattr(self.args, '__name__', 'predicate')}>)"
        parts = [f"{key}={show_expectation(value)}" for key, value in self.args.items()]
        if self.partial:
            parts.append("...")
        return f"{name}({', '.join(parts)})"


def tool_call(
    name: str | re.Pattern[str],
    /,
    args: Mapping[str, Any] | Callable[[Any], bool] | None = None,
    *,
    partial: bool = False,
    **arguments: Any,
) -> ToolCallSpec:
    """An expected call of tool ``name``: ``tool_call("get_weather", city="Paris")``.

    Arguments go as keywords, or as ``args={...}`` when a key is not a Python
    name (or clashes with ``partial``); ``args=`` may also be one predicate over
    the whole arguments. No arguments at all: any arguments. ``partial=True``:
    the call may have more keys than these.
    """
    if not isinstance(name, (str, re.Pattern)) or not name:
        raise UsageError(f"tool_call({name!r}): the tool name must be a non-empty str or a compiled regex.")
    if args is not None and arguments:
        raise UsageError(f"tool_call({name!r}): pass the arguments as keywords or as args=, not both.")
    if args is not None and not (isinstance(args, Mapping) or callable(args)):
        raise UsageError(f"tool_call({name!r}, args={args!r}): args must be a mapping or a predicate.")
    if partial and args is not None and not isinstance(args, Mapping):
        raise UsageError(f"tool_call({name!r}): partial=True needs arguments by key.")
    expected: Any = dict(arguments) if arguments else (args if args is not None else _ANY)
    return ToolCallSpec(name, expected, partial=partial)


def as_spec(item: object) -> ToolCallSpec:
    """A spec from what a test may write: a spec, a tool name, ``(name, args)``, or a :class:`ToolCall`."""
    if isinstance(item, ToolCallSpec):
        return item
    if isinstance(item, (str, re.Pattern)):
        return tool_call(item)
    if isinstance(item, ToolCall):
        return tool_call(item.name, args=arguments_of(item) if isinstance(arguments_of(item), Mapping) else {})
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        return tool_call(item[0], args=item[1])
    raise UsageError(
        f"{item!r} is not an expected tool call; write tool_call('name', arg=value), a tool name, "
        "or a (name, {args}) tuple."
    )


def check_args_mode(mode: object, what: str = "args") -> None:
    if isinstance(mode, str):
        if mode not in _MODES:
            raise UsageError(f"{what}={mode!r} must be one of {', '.join(map(repr, _MODES))}, a list of keys or a function.")
    elif not (callable(mode) or (isinstance(mode, Sequence) and all(isinstance(k, str) for k in mode))):
        raise UsageError(f"{what}={mode!r} must be one of {', '.join(map(repr, _MODES))}, a list of keys or a function.")


def args_problem(spec: ToolCallSpec, call: ToolCall, mode: ArgsMode = "exact") -> str | None:
    """Why ``call`` does not satisfy ``spec`` (name, then arguments), or None when it does."""
    if not spec.names(call.name):
        return f"tool {call.name!r}, expected {spec!r}"
    if spec.args is _ANY or mode == "ignore":
        return None
    actual = arguments_of(call)
    if not isinstance(spec.args, Mapping):
        why = mismatch(spec.args, actual)
        return None if why is None else f"arguments {_show(actual)}, {why}"
    if callable(mode) and not isinstance(mode, Sequence):
        try:
            return None if mode(actual, dict(spec.args)) else f"arguments {_show(actual)} rejected by {getattr(mode, '__name__', mode)!r}"
        except Exception as error:
            return f"arguments {_show(actual)} rejected by {getattr(mode, '__name__', mode)!r} ({type(error).__name__}: {error})"
    if not isinstance(actual, Mapping):
        return f"arguments {_show(actual)} are not a JSON object"
    expected = spec.args
    if isinstance(mode, str):
        keys = list(expected)
        if mode == "exact" and not spec.partial:
            extra = [key for key in actual if key not in expected]
            if extra:
                return f"unexpected argument {extra[0]!r}={actual[extra[0]]!r}"
        if mode == "subset" and not spec.partial:
            extra = [key for key in actual if key not in expected]
            if extra:
                return f"unexpected argument {extra[0]!r}={actual[extra[0]]!r}"
            keys = [key for key in expected if key in actual]
    else:
        keys = [key for key in mode if key in expected]
    for key in keys:
        if key not in actual:
            return f"no argument {key!r} (has {', '.join(map(repr, actual)) or 'none'})"
        why = mismatch(expected[key], actual[key])
        if why is not None:
            return f"argument {key!r} is {actual[key]!r}, {why}"
    return None


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=repr) if not isinstance(value, str) else repr(value)


def mode_for(name: str, args: ArgsMode, args_for: Mapping[str, ArgsMode] | None) -> ArgsMode:
    return args_for[name] if args_for and name in args_for else args


def actual_trajectory(
    source: object, tag: str | None = None, node: str | None = None
) -> tuple[Trajectory, str]:
    """The trajectory under test and how to name it, from a transcript, a trajectory or several transcripts."""
    if isinstance(source, Trajectory):
        if tag is not None or node is not None:
            raise UsageError("tag= and node= filter a transcript; this is a Trajectory already.")
        return source, "trajectory"
    if has_events(source):
        view = filtered_view(source, tag, node, None)  # type: ignore[arg-type]
        return trajectory_of(view), f"tool calls of {view.description}" if view.description else "tool calls"
    if isinstance(source, Sequence) and source and all(has_events(item) for item in source):
        views = [filtered_view(item, tag, node, None) for item in source]
        return trajectory_of(*views), f"tool calls of {len(views)} runs"
    raise UsageError(f"{source!r} is not a Transcript, a list of them, or a Trajectory.")


def specs_of(expected: object) -> list[ToolCallSpec]:
    if isinstance(expected, (str, bytes, Mapping)) or not isinstance(expected, Sequence):
        raise UsageError(f"expected={expected!r} must be a list of expected tool calls.")
    return [as_spec(item) for item in expected]


def assert_tool_calls(
    transcript: Transcript | Trajectory | Sequence[Transcript],
    expected: Sequence[ToolCallSpec | str | tuple[str, Mapping[str, Any]] | ToolCall],
    *,
    args: ArgsMode = "exact",
    args_for: Mapping[str, ArgsMode] | None = None,
    tag: str | None = None,
    node: str | None = None,
) -> None:
    """The run called exactly these tools, with these arguments, in this order.

    ``expected`` lists :func:`tool_call` specs (or tool names, or ``(name,
    args)`` tuples). A failure shows the expected and actual calls side by side,
    the first difference marked, and the actual trajectory below.
    """
    check_args_mode(args)
    for name, mode in (args_for or {}).items():
        check_args_mode(mode, f"args_for[{name!r}]")
    trajectory, what = actual_trajectory(transcript, tag, node)
    specs = specs_of(expected)
    calls = trajectory.tool_calls
    for position in range(max(len(specs), len(calls))):
        spec = specs[position] if position < len(specs) else None
        call = calls[position] if position < len(calls) else None
        if spec is not None and call is not None:
            problem = args_problem(spec, call, mode_for(call.name, args, args_for))
        elif spec is None and call is not None:
            problem = f"an extra call, {format_call(call)}"
        else:
            problem = "no such call (the run made only " + f"{len(calls)})"
        if problem is not None:
            raise StreamAssertionError(
                f"{what} differ at call {position + 1}: {problem}",
                tool_call_table(specs, calls, position, trajectory),
            )


def tool_call_table(
    specs: Sequence[ToolCallSpec],
    calls: Sequence[ToolCall],
    marked: int | Sequence[int],
    trajectory: Trajectory,
    pairs: Sequence[tuple[int | None, int | None]] | None = None,
) -> list[str]:
    """Expected and actual calls side by side (row by row, or by ``pairs``), then the actual trajectory."""
    if pairs is None:
        pairs = [
            (i if i < len(specs) else None, i if i < len(calls) else None) for i in range(max(len(specs), len(calls)))
        ]
    rows = [
        (repr(specs[s]) if s is not None else "-", f"{format_call(calls[c])}" if c is not None else "-")
        for s, c in pairs
    ]
    marks = {marked} if isinstance(marked, int) else set(marked)
    lines = side_by_side(rows, marks, labels=("expected", "actual"))
    if len(trajectory):
        lines += ["actual trajectory:", *(f"  {line}" for line in trajectory.lines())]
    return lines
