"""What the public strategy functions do with their arguments.

Hypothesis style: arguments are validated up front, when the strategy is
built, and a bad one raises ``UsageError`` showing the value it got
(``max_size=0 must be None or an int >= 1``); the strategy's repr prints the
public call with its non-default arguments (``chunkings('abc', max_size=3)``),
which :func:`named` arranges. A leaf: imports only the value types and the
exceptions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from streamtest._exceptions import UsageError
from streamtest._strategies.types import FLAVORS

__all__ = [
    "as_strategy",
    "check_bool",
    "check_flavor",
    "check_max_size",
    "check_model",
    "check_script_arguments",
    "check_strategy",
    "check_text",
    "named",
]

_T = TypeVar("_T")


def named(name: str) -> Callable[[Callable[..., _T]], Callable[..., SearchStrategy[_T]]]:
    """``st.composite`` under a public name, so the strategy repr shows the public call."""

    def decorate(function: Callable[..., _T]) -> Callable[..., SearchStrategy[_T]]:
        function.__name__ = function.__qualname__ = name
        return st.composite(function)

    return decorate


def check_text(name: str, value: object, *, allow_none: bool = True) -> None:
    if value is None and allow_none:
        return
    if not isinstance(value, (str, SearchStrategy)):
        raise UsageError(f"{name}={value!r} must be a str or a hypothesis strategy of str")


def check_max_size(max_size: object) -> None:
    if max_size is None:
        return
    if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 1:
        raise UsageError(f"max_size={max_size!r} must be None or an int >= 1")


def check_bool(name: str, value: object, *, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if not isinstance(value, bool):
        expected = "True, False or None" if allow_none else "True or False"
        raise UsageError(f"{name}={value!r} must be {expected}")


def check_strategy(name: str, value: object) -> None:
    if value is not None and not isinstance(value, SearchStrategy):
        raise UsageError(f"{name}={value!r} must be None or a hypothesis strategy")


def check_model(model: object) -> None:
    if not isinstance(model, str) or not model:
        raise UsageError(f"model={model!r} must be a non-empty str")


def check_flavor(flavor: object) -> None:
    if flavor is not None and flavor not in FLAVORS:
        raise UsageError(f"flavor={flavor!r} must be None or one of {FLAVORS!r}")


def check_script_arguments(
    *,
    text: object,
    tool_calls: object,
    model: object,
    max_size: object,
    empty_deltas: object,
    reasoning: object = None,
) -> None:
    """The arguments every stream strategy takes, checked in one order (the first bad one is reported):
    ``text``, ``tool_calls``, ``reasoning`` (for formats that stream it), ``model``, ``max_size``,
    ``empty_deltas``."""
    check_text("text", text)
    check_strategy("tool_calls", tool_calls)
    check_text("reasoning", reasoning)
    check_model(model)
    check_max_size(max_size)
    check_bool("empty_deltas", empty_deltas)


def as_strategy(value: str | SearchStrategy[str] | None, default: SearchStrategy[str]) -> SearchStrategy[str]:
    if value is None:
        return default
    if isinstance(value, str):
        return st.just(value)
    return value
