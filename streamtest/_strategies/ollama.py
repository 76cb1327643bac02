"""Whole Ollama ``/api/chat`` NDJSON bodies: :func:`ollama_streams`.

The script is drawn as for every format (:func:`~.ground_truth.draw_script`),
with tool calls whole (Ollama sends each call's arguments as one object, without
an id); the lines are written by :mod:`streamtest._wire.ollama`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from streamtest._strategies.arguments import check_script_arguments, named
from streamtest._strategies.encode import written
from streamtest._strategies.ground_truth import draw_script
from streamtest._strategies.types import OLLAMA, GeneratedStream, ToolCall
from streamtest._wire.ollama import OLLAMA as OLLAMA_FORMAT

__all__ = ["ollama_streams"]

DEFAULT_OLLAMA = "llama3.2"


@named("ollama_streams")
def _ollama_streams(
    draw: Callable[[SearchStrategy[Any]], Any],
    text: str | SearchStrategy[str] | None = None,
    *,
    tool_calls: SearchStrategy[Sequence[ToolCall]] | None = None,
    reasoning: str | SearchStrategy[str] | None = None,
    model: str = DEFAULT_OLLAMA,
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
    # Ollama reports no cached count.
    usage = replace(script.usage, cached_tokens=0) if script.usage is not None else None
    script = replace(script, usage=usage)
    seconds = draw(st.integers(0, 59))
    frames = OLLAMA_FORMAT.write(script, created_at=f"2025-10-26T17:15:{seconds:02d}.097767Z")
    return written(OLLAMA_FORMAT, frames, script, api=OLLAMA)


def ollama_streams(
    text: str | SearchStrategy[str] | None = None,
    *,
    tool_calls: SearchStrategy[Sequence[ToolCall]] | None = None,
    reasoning: str | SearchStrategy[str] | None = None,
    model: str = DEFAULT_OLLAMA,
    max_size: int | None = None,
    empty_deltas: bool = False,
) -> SearchStrategy[GeneratedStream]:
    """Complete Ollama ``/api/chat`` streams (``stream: true``) as NDJSON bodies, one line per chunk.

    One line per ``reasoning`` delta (``message.thinking``, when given), one per delta of
    ``text`` (cut by :func:`chunkings`), one per tool call (whole: ``arguments`` is an
    object; no id on the wire, so ``stream.tool_calls[i].id`` is ``""``), then the
    ``done: true`` line with ``done_reason: stop`` and the eval counts. The local
    llama.cpp server has no ``/api/chat``, so these streams follow Ollama's documented
    format. ``streamtest.play`` serves them as ``application/x-ndjson``.

    Shrinks towards one text line, no thinking.
    """
    check_script_arguments(
        text=text, tool_calls=tool_calls, reasoning=reasoning, model=model, max_size=max_size, empty_deltas=empty_deltas
    )
    return _ollama_streams(
        text, tool_calls=tool_calls, reasoning=reasoning, model=model, max_size=max_size, empty_deltas=empty_deltas
    )
