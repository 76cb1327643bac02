"""How one text is cut into deltas: :func:`chunkings` and the drawing every stream strategy reuses.

Every stream strategy cuts its text and each tool call's arguments with
:func:`draw_chunking`, so they all shrink the same way: towards no cut.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from streamtest._exceptions import UsageError
from streamtest._strategies.arguments import check_bool, check_max_size, check_text, named
from streamtest._strategies.types import Chunking

__all__ = ["chunkings", "draw_chunking"]


# Every position between two code points draws a level 0..15 once; the density
# (drawn first) says from which level on that position is cut. Level 0 never
# cuts, so each position shrinks to "no cut" on its own, and a lower density
# over the same levels cuts a subset of the same positions: shrinking never
# has to invent a cut. Densities, from the simplest: the whole text in one
# delta, few random cuts, token-like cuts, half, most, nearly every code point.
_DENSITIES = ("whole", "sparse", "words", "half", "dense", "chars")
_LEVELS = st.sampled_from(range(16))
_THRESHOLD = {"sparse": 15, "half": 8, "dense": 3, "chars": 1}
_WORD_THRESHOLD = {True: 3, False: 14}  # at a token boundary / inside a word
_SOMETIMES = st.sampled_from((False,) * 7 + (True,))


def _kind(char: str) -> str:
    if char.isspace():
        return "space"
    category = unicodedata.category(char)[0]
    if category in "LM":
        return "letter"
    if category == "N":
        return "digit"
    return "symbol"


def _token_boundary(previous: str, current: str) -> bool:
    """Where a BPE tokenizer usually cuts: before a space-led word, around punctuation."""
    before, after = _kind(previous), _kind(current)
    if after == "space":
        return before != "space" or previous == "\n"
    if before == "space":
        return previous in "\n\r"
    return before != after or after == "symbol"


def draw_chunking(
    draw: Callable[[SearchStrategy[Any]], Any], text: str, *, max_size: int | None, empty_deltas: bool
) -> Chunking:
    pieces: list[str] = []
    if text:
        density = draw(st.sampled_from(_DENSITIES))
        start = 0
        for index in range(1, len(text)):
            if max_size is not None and len(pieces) + 1 >= max_size:
                break
            if density == "whole":
                break
            if density == "words":
                threshold = _WORD_THRESHOLD[_token_boundary(text[index - 1], text[index])]
            else:
                threshold = _THRESHOLD[density]
            if draw(_LEVELS) >= threshold:
                pieces.append(text[start:index])
                start = index
        pieces.append(text[start:])
    if empty_deltas and draw(st.sampled_from((False, False, False, True))):
        with_empties: list[str] = []
        for slot in range(len(pieces) + 1):
            still_to_add = len(pieces) - slot
            if (max_size is None or len(with_empties) + still_to_add < max_size) and draw(_SOMETIMES):
                with_empties.append("")
            if slot < len(pieces):
                with_empties.append(pieces[slot])
        pieces = with_empties
    return Chunking(pieces)


@named("chunkings")
def _chunkings(
    draw: Callable[[SearchStrategy[Any]], Any],
    text: str | SearchStrategy[str],
    *,
    max_size: int | None = None,
    empty_deltas: bool = True,
) -> Chunking:
    value = draw(st.just(text) if isinstance(text, str) else text)
    if not isinstance(value, str):
        raise UsageError(f"the text strategy {text!r} drew {value!r}, which is not a str")
    return draw_chunking(draw, value, max_size=max_size, empty_deltas=empty_deltas)


def chunkings(
    text: str | SearchStrategy[str],
    *,
    max_size: int | None = None,
    empty_deltas: bool = True,
) -> SearchStrategy[Chunking]:
    """Ways to cut ``text`` (or each text ``text`` draws) into deltas, at code-point boundaries.

    Every result concatenates back to the text. Cuts come in densities: the
    whole text in one delta, a few random cuts, token-like cuts (before
    space-led words, around punctuation, sometimes inside words), and one code
    point per delta. A multi-byte character or emoji code point is never cut
    (ZWJ sequences may be, as real tokenizers do); whitespace-only deltas
    appear wherever the text has whitespace; with ``empty_deltas`` some ``""``
    deltas are inserted, as servers send them. ``max_size`` bounds the number
    of deltas, empty ones included.

    Shrinks towards fewer cuts (ultimately the whole text as one delta) and no
    empty deltas.
    """
    check_text("text", text, allow_none=False)
    check_max_size(max_size)
    check_bool("empty_deltas", empty_deltas)
    return _chunkings(text, max_size=max_size, empty_deltas=empty_deltas)
