"""Function calls on their own: a name, JSON arguments, a ``call_…`` id.

:func:`tool_calls` draws whole calls; the stream strategies cut their
arguments (see :mod:`streamtest._strategies.ground_truth`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from streamtest._exceptions import UsageError
from streamtest._strategies.arguments import check_strategy, named
from streamtest._strategies.encode import draw_id
from streamtest._strategies.types import ToolCall
from streamtest._wire.base import compact_json

__all__ = ["json_objects", "tool_calls"]

_JSON_SCALARS: SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(codec="utf-8"), max_size=12),
)
_JSON_VALUES: SearchStrategy[Any] = st.recursive(
    _JSON_SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)


def json_objects(*, max_size: int = 4) -> SearchStrategy[dict[str, Any]]:
    """JSON objects, as a function's arguments: str keys, nested JSON values (no NaN/inf).

    Shrinks towards ``{}``.
    """
    if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 0:
        raise UsageError(f"max_size={max_size!r} must be an int >= 0")
    return st.dictionaries(st.text(st.characters(codec="utf-8"), max_size=10), _JSON_VALUES, max_size=max_size)


_NAMES = st.one_of(
    st.sampled_from(("get_weather", "search", "lookup_order", "send_email", "add")),
    st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_-]{0,30}", fullmatch=True),
)


@named("tool_calls")
def _tool_calls(
    draw: Callable[[SearchStrategy[Any]], Any],
    *,
    names: SearchStrategy[str] | None = None,
    arguments: SearchStrategy[Any] | None = None,
) -> ToolCall:
    name = draw(_NAMES if names is None else names)
    args = draw(json_objects() if arguments is None else arguments)
    spaced = draw(st.sampled_from((False, True)))
    text = json.dumps(args, ensure_ascii=False) if spaced else compact_json(args)
    return ToolCall(name=name, arguments=text, id=draw_id(draw, "call_", 24))


def tool_calls(
    *,
    names: SearchStrategy[str] | None = None,
    arguments: SearchStrategy[Any] | None = None,
) -> SearchStrategy[ToolCall]:
    """Function calls: a name, JSON arguments (compact or with spaces) and a ``call_…`` id.

    ``arguments`` draws the parsed value (default :func:`json_objects`); ChatOpenAI
    accepts only objects as arguments. Stream strategies split the JSON text at
    arbitrary code points. Shrinks towards ``get_weather('{}')``.
    """
    check_strategy("names", names)
    check_strategy("arguments", arguments)
    return _tool_calls(names=names, arguments=arguments)
