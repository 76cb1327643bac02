"""What a generated stream says, drawn before it is encoded: text, tool-call cuts, reasoning, usage.

Every stream strategy draws the same ground truth the same way and differs only
in how its format module writes it, so a property that holds for one format's
draws holds for the others'; this module is that shared half. The provider
strategies (Anthropic, Gemini, Ollama, Bedrock) draw a whole
:class:`~streamtest._wire.base.Script` with :func:`draw_script`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from streamtest._exceptions import UsageError
from streamtest._strategies.arguments import as_strategy
from streamtest._strategies.chunking import draw_chunking
from streamtest._strategies.encode import hashed_id
from streamtest._strategies.types import Chunking, ToolCall, Usage
from streamtest._wire.base import Script

__all__ = ["DEFAULT_TEXTS", "draw_calls", "draw_script", "draw_usage"]


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


def draw_script(
    draw: Callable[[SearchStrategy[Any]], Any],
    text: str | SearchStrategy[str] | None,
    *,
    tool_calls: SearchStrategy[Sequence[ToolCall]] | None,
    reasoning: str | SearchStrategy[str] | None,
    model: str,
    max_size: int | None,
    empty_deltas: bool,
    call_id_prefix: str | None = None,
    whole_calls: bool = False,
) -> Script:
    """A whole script: the text cut into deltas, the tool calls with their argument cuts, the
    reasoning text (when given) cut into deltas, and usage counting the non-empty pieces.

    A response with tool calls and no text has no text deltas at all. ``call_id_prefix``
    re-ids the calls the provider's way (``toolu_``); ``whole_calls`` is for formats that
    send each call in one piece, as a JSON object without an id (Gemini, Ollama): a call's
    id is ``""`` and its arguments text (its only "cut") is ``json.dumps`` of its args,
    which is how their LangChain clients write the arguments back.
    """
    value = draw(as_strategy(text, DEFAULT_TEXTS))
    deltas = draw_chunking(draw, value, max_size=max_size, empty_deltas=empty_deltas)
    calls = draw_calls(draw, tool_calls, max_size=None if whole_calls else max_size)
    if whole_calls:
        calls = tuple(
            replace(call, id="", arguments=json.dumps(call.args), deltas=(json.dumps(call.args),)) for call in calls
        )
    if call_id_prefix is not None:
        calls = tuple(replace(call, id=hashed_id(call_id_prefix, 24, call.id)) for call in calls)
    thoughts = draw(as_strategy(reasoning, DEFAULT_TEXTS)) if reasoning is not None else ""
    pieces = draw_chunking(draw, thoughts, max_size=max_size, empty_deltas=False) if thoughts else Chunking()
    if not value and calls:
        deltas = Chunking()
    completion = sum(1 for piece in (*deltas, *pieces) if piece) + sum(len(call.deltas) for call in calls)
    return Script(
        text=tuple(deltas),
        tool_calls=calls,
        reasoning=tuple(pieces),
        usage=draw_usage(draw, completion),
        model=model,
    )
