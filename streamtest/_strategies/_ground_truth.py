"""What a generated stream says, drawn before it is encoded: text, tool-call cuts, usage.

Chat-completions and responses streams draw the same ground truth the same
way and differ only in how they encode it, so a property that holds for one
API's draws holds for the other's; this module is that shared half.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from streamtest._exceptions import UsageError
from streamtest._strategies._chunking import draw_chunking
from streamtest._strategies._encode import hashed_id
from streamtest._strategies._types import ToolCall, Usage

__all__ = ["DEFAULT_TEXTS", "draw_calls", "draw_usage"]


# Pieces that look like real model output: leading-space words, punctuation,
# newlines, accents, CJK, emoji with and without ZWJ/skin-tone sequences.
_VOCABULARY = (
    "Why",
    " was",
    " the",
    " cat",
    " sitting",
    " on",
    " computer",
    "?",
    "\n\n",
    "Because",
    " it",
    " wanted",
    " to",
    " keep",
    " an",
    " eye",
    " mouse",
    "!",
    " na\u00efve",
    " caf\u00e9",
    " \u65e5\u672c\u8a9e",
    " \U0001f431",
    " \U0001f468\u200d\U0001f469\u200d\U0001f467",
    " \U0001f44d\U0001f3fd",
    " \u00a0",
    "\t",
    " ",
    "  ",
    ",",
    " 42",
    "-",
    "\u2014",
)
DEFAULT_TEXTS: SearchStrategy[str] = st.one_of(
    st.lists(st.sampled_from(_VOCABULARY), max_size=12).map("".join),
    st.text(st.characters(codec="utf-8"), max_size=24),
)


def draw_usage(draw: Callable[[SearchStrategy[Any]], Any], completion_tokens: int) -> Usage:
    prompt = draw(st.integers(1, 4096))
    cached = draw(st.sampled_from((0, 0, 0, prompt // 2)))
    return Usage(prompt, completion_tokens, prompt + completion_tokens, cached)


def draw_calls(
    draw: Callable[[SearchStrategy[Any]], Any],
    calls_strategy: SearchStrategy[Sequence[ToolCall]] | None,
    *,
    max_size: int | None,
) -> tuple[ToolCall, ...]:
    if calls_strategy is None:
        return ()
    drawn = draw(calls_strategy)
    if isinstance(drawn, ToolCall) or not all(isinstance(call, ToolCall) for call in drawn):
        raise UsageError(
            f"the tool_calls strategy drew {drawn!r}; it must draw a list of ToolCall, "
            "e.g. st.lists(streamtest.strategies.tool_calls(), max_size=3)"
        )
    out = []
    seen: set[str] = set()
    for position, call in enumerate(drawn):
        deltas = draw_chunking(draw, call.arguments, max_size=max_size, empty_deltas=False)
        # Call ids are unique within a response; a repeated one gets a derived id.
        ident = call.id if call.id not in seen else hashed_id("call_", 24, f"{call.id}/{position}")
        seen.add(ident)
        out.append(replace(call, id=ident, deltas=tuple(deltas)))
    return tuple(out)
