"""Whole ``/v1/responses`` SSE bodies: :func:`responses_streams`.

Typed events with ``event:`` lines and ``sequence_number``, the response
object as OpenAI sends it; the ground truth is drawn as for chat completions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from streamtest._strategies._arguments import (
    as_strategy,
    check_bool,
    check_max_size,
    check_model,
    check_strategy,
    check_text,
    named,
)
from streamtest._strategies._chunking import draw_chunking
from streamtest._strategies._encode import draw_id, dumps, encode_all
from streamtest._strategies._ground_truth import DEFAULT_TEXTS, draw_calls, draw_usage
from streamtest._strategies._types import DEFAULT_MODEL, RESPONSES, Chunking, GeneratedStream, ToolCall, Usage

__all__ = ["responses_streams"]


def _response_object(
    response_id: str, created: int, model: str, status: str, output: list[Any], usage: Usage | None
) -> dict[str, Any]:
    return {
        "id": response_id,
        "object": "response",
        "created_at": created,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "max_tool_calls": None,
        "model": model,
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "service_tier": "default",
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_logprobs": 0,
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": None
        if usage is None
        else {
            "input_tokens": usage.prompt_tokens,
            "input_tokens_details": {"cached_tokens": usage.cached_tokens},
            "output_tokens": usage.completion_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": usage.total_tokens,
        },
        "user": None,
        "metadata": {},
    }


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "annotations": [], "logprobs": [], "text": text}


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
    usage = draw_usage(draw, completion)

    events: list[dict[str, Any]] = []
    output_done: list[dict[str, Any]] = []

    def emit(payload: dict[str, Any]) -> None:
        events.append({"type": payload.pop("type"), "sequence_number": len(events), **payload})

    emit(
        {"type": "response.created", "response": _response_object(response_id, created, model, "in_progress", [], None)}
    )
    emit(
        {
            "type": "response.in_progress",
            "response": _response_object(response_id, created, model, "in_progress", [], None),
        }
    )
    if value or not calls:
        item_id = draw_id(draw, "msg_", 48)
        where = {"item_id": item_id, "output_index": 0, "content_index": 0}
        emit(
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {"id": item_id, "type": "message", "status": "in_progress", "content": [], "role": "assistant"},
            }
        )
        emit({"type": "response.content_part.added", **where, "part": _text_part("")})
        for piece in deltas:
            emit({"type": "response.output_text.delta", **where, "delta": piece, "logprobs": []})
        emit({"type": "response.output_text.done", **where, "text": value, "logprobs": []})
        emit({"type": "response.content_part.done", **where, "part": _text_part(value)})
        item = {
            "id": item_id,
            "type": "message",
            "status": "completed",
            "content": [_text_part(value)],
            "role": "assistant",
        }
        emit({"type": "response.output_item.done", "output_index": 0, "item": item})
        output_done.append(item)
    for call in calls:
        index = len(output_done)
        item_id = draw_id(draw, "fc_", 48, salt=index)
        item = {
            "id": item_id,
            "type": "function_call",
            "status": "in_progress",
            "arguments": "",
            "call_id": call.id,
            "name": call.name,
        }
        emit({"type": "response.output_item.added", "output_index": index, "item": item})
        for piece in call.deltas:
            emit(
                {
                    "type": "response.function_call_arguments.delta",
                    "item_id": item_id,
                    "output_index": index,
                    "delta": piece,
                }
            )
        emit(
            {
                "type": "response.function_call_arguments.done",
                "item_id": item_id,
                "output_index": index,
                "name": call.name,
                "arguments": call.arguments,
            }
        )
        item = {**item, "status": "completed", "arguments": call.arguments}
        emit({"type": "response.output_item.done", "output_index": index, "item": item})
        output_done.append(item)
    completed = _response_object(response_id, created, model, "completed", output_done, usage)
    emit({"type": "response.completed", "response": completed})

    sse = tuple((payload["type"], dumps(payload)) for payload in events)
    return GeneratedStream(
        chunks=encode_all(sse),
        api=RESPONSES,
        deltas=tuple(deltas),
        tool_calls=calls,
        usage=usage,
        finish_reason=None,
        model=model,
        events=sse,
    )


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
    check_text("text", text)
    check_strategy("tool_calls", tool_calls)
    check_model(model)
    check_max_size(max_size)
    check_bool("empty_deltas", empty_deltas)
    return _responses_streams(text, tool_calls=tool_calls, model=model, max_size=max_size, empty_deltas=empty_deltas)
