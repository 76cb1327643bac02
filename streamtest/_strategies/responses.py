"""Whole ``/v1/responses`` SSE bodies: :func:`responses_streams`.

Typed events with ``event:`` lines and ``sequence_number``, the response
object as OpenAI sends it; the ground truth is drawn as for chat completions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from streamtest._strategies.arguments import as_strategy, check_script_arguments, named
from streamtest._strategies.chunking import draw_chunking
from streamtest._strategies.encode import draw_id, written
from streamtest._strategies.ground_truth import DEFAULT_TEXTS, draw_calls, draw_usage
from streamtest._strategies.types import DEFAULT_MODEL, RESPONSES, Chunking, GeneratedStream, ToolCall
from streamtest._wire.base import Script
from streamtest._wire.openai_responses import OPENAI_RESPONSES, ResponsesIds

__all__ = ["responses_streams"]


@named("responses_streams")
def _responses_streams(
    draw: Callable[[SearchStrategy[Any]], Any],
    text: str | SearchStrategy[str] | None = None,
    *,
    tool_calls: SearchStrategy[Sequence[ToolCall]] | None = None,
    model: str = DEFAULT_MODEL,
    max_size: int | None = None,
    empty_deltas: bool = True,
) -> GeneratedStream:
    value = draw(as_strategy(text, DEFAULT_TEXTS))
    deltas = draw_chunking(draw, value, max_size=max_size, empty_deltas=empty_deltas)
    calls = draw_calls(draw, tool_calls, max_size=max_size)
    response_id = draw_id(draw, "resp_", 48)
    created = draw(st.integers(1_700_000_000, 1_800_000_000))
    if not value and calls:
        # A tool-call-only response has no message item, so no text deltas at all.
        deltas = Chunking()
    completion = sum(1 for piece in deltas if piece) + sum(len(call.deltas) for call in calls)
    script = Script(text=tuple(deltas), tool_calls=calls, usage=draw_usage(draw, completion), model=model)
    message = OPENAI_RESPONSES.has_message(script)
    ids = ResponsesIds(
        response=response_id,
        created=created,
        message=draw_id(draw, "msg_", 48) if message else "",
        # Salted with the item's output index, so two calls' ids differ even when their draws shrink alike.
        calls=tuple(draw_id(draw, "fc_", 48, salt=message + index) for index in range(len(calls))),
    )
    return written(OPENAI_RESPONSES, OPENAI_RESPONSES.write(script, ids), script, api=RESPONSES, finish_reason=None)


def responses_streams(
    text: str | SearchStrategy[str] | None = None,
    *,
    tool_calls: SearchStrategy[Sequence[ToolCall]] | None = None,
    model: str = DEFAULT_MODEL,
    max_size: int | None = None,
    empty_deltas: bool = True,
) -> SearchStrategy[GeneratedStream]:
    """Complete ``/v1/responses`` streams (``stream=True``) as typed SSE events.

    ``response.created``, ``response.in_progress``, then a message item
    (``output_item.added``, ``content_part.added``, ``output_text.delta`` per
    delta, ``output_text.done``, ``content_part.done``, ``output_item.done``)
    when there is text or no tool call, then one ``function_call`` item per
    tool call with its ``function_call_arguments.delta`` events, and
    ``response.completed`` with the full output and usage. Every event has its
    ``event:`` line and ``sequence_number``. Options as in
    :func:`chat_completion_streams`.

    Shrinks like :func:`chat_completion_streams`.
    """
    check_script_arguments(text=text, tool_calls=tool_calls, model=model, max_size=max_size, empty_deltas=empty_deltas)
    return _responses_streams(text, tool_calls=tool_calls, model=model, max_size=max_size, empty_deltas=empty_deltas)
