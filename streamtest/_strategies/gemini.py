"""Whole Gemini ``streamGenerateContent?alt=sse`` bodies: :func:`gemini_streams`.

The script is drawn as for every format (:func:`~.ground_truth.draw_script`),
with tool calls whole (Gemini sends each ``functionCall`` in one part, without
an id); the chunks are written by :mod:`streamtest._wire.gemini`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from hypothesis.strategies import SearchStrategy

from streamtest._strategies.arguments import check_script_arguments, named
from streamtest._strategies.encode import draw_id, written
from streamtest._strategies.ground_truth import draw_script
from streamtest._strategies.types import GEMINI, GeneratedStream, ToolCall
from streamtest._wire.gemini import GEMINI as GEMINI_FORMAT

__all__ = ["gemini_streams"]

DEFAULT_GEMINI = "gemini-2.5-flash"


@named("gemini_streams")
def _gemini_streams(
    draw: Callable[[SearchStrategy[Any]], Any],
    text: str | SearchStrategy[str] | None = None,
    *,
    tool_calls: SearchStrategy[Sequence[ToolCall]] | None = None,
    reasoning: str | SearchStrategy[str] | None = None,
    model: str = DEFAULT_GEMINI,
    max_size: int | None = None,
    empty_deltas: bool = False,
) -> GeneratedStream:
    script = draw_script(
        draw,
        text,
        tool_calls=tool_calls,
        reasoning=reasoning,
        model=model,
        max_size=max_size,
        empty_deltas=empty_deltas,
        whole_calls=True,
    )
    if not (script.text or script.tool_calls or script.reasoning):
        script = replace(script, text=("",))  # an empty answer is still one text part
    frames = GEMINI_FORMAT.write(script, response_id=draw_id(draw, "", 22))
    return written(GEMINI_FORMAT, frames, script, api=GEMINI)


def gemini_streams(
    text: str | SearchStrategy[str] | None = None,
    *,
    tool_calls: SearchStrategy[Sequence[ToolCall]] | None = None,
    reasoning: str | SearchStrategy[str] | None = None,
    model: str = DEFAULT_GEMINI,
    max_size: int | None = None,
    empty_deltas: bool = False,
) -> SearchStrategy[GeneratedStream]:
    """Complete Gemini streams (``:streamGenerateContent?alt=sse``) as SSE bodies.

    ``data:``-only events, each a whole ``GenerateContentResponse``: one per
    ``reasoning`` delta (a ``thought`` part, when given), one per delta of ``text``
    (cut by :func:`chunkings`), one per tool call (a whole ``functionCall`` with its
    ``args``; no id on the wire, so ``stream.tool_calls[i].id`` is ``""``), the last
    carrying ``finishReason: STOP``; cumulative ``usageMetadata`` on each; nothing
    terminates the stream. The local llama.cpp server does not speak this API, so
    these streams follow Google's documented format.

    Shrinks towards one text chunk, no thoughts.
    """
    check_script_arguments(
        text=text, tool_calls=tool_calls, reasoning=reasoning, model=model, max_size=max_size, empty_deltas=empty_deltas
    )
    return _gemini_streams(
        text, tool_calls=tool_calls, reasoning=reasoning, model=model, max_size=max_size, empty_deltas=empty_deltas
    )
