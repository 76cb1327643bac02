"""OpenAI Responses streams (``POST .../responses``, ``stream: true``).

Typed events, each with an ``event:`` line naming its ``type`` and (from
OpenAI) a ``sequence_number``; no ``[DONE]``: the stream ends with
``response.completed``, ``response.incomplete`` or ``response.failed``::

    event: response.output_item.added      {"item": {"type": "message" | "function_call" | "reasoning", ...}}
    event: response.output_text.delta      {"item_id": "msg_..", "delta": "Why"}
    event: response.function_call_arguments.delta   {"item_id": "fc_..", "delta": "{\\"ci"}
    event: response.reasoning_text.delta   {"delta": "..."}      (and reasoning_summary_text.delta)
    event: response.completed              {"response": {"status": "completed", "usage": {...}}}

llama.cpp's server sends the same events without ``sequence_number`` and
without ``function_call_arguments.done``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from streamtest._wire.base import (
    Frame,
    ReadingBuilder,
    Script,
    StreamReading,
    ToolCallFragment,
    Usage,
    WireFormat,
    compact_json,
    describe_error,
    usage_from,
)

__all__ = ["OPENAI_RESPONSES", "OpenAIResponses", "ResponsesIds"]

_ENDINGS = ("response.completed", "response.incomplete", "response.failed")
_REASONING = ("response.reasoning_text.delta", "response.reasoning_summary_text.delta")


@dataclass(frozen=True)
class ResponsesIds:
    """The ids and timestamp of one generated response: the response, its message item
    (when it has one, see :meth:`OpenAIResponses.has_message`), one item per tool call."""

    response: str = "resp_0"
    created: int = 1_700_000_000
    message: str = "msg_0"
    calls: tuple[str, ...] = ()


class OpenAIResponses(WireFormat):
    name = "openai-responses"
    provider = "openai"
    paths = ("/responses",)
    hosts = frozenset({"api.openai.com"})
    local_server = True
    key_env = ("OPENAI_API_KEY",)

    def sniff(self, payloads: Sequence[Any]) -> bool:
        return any(isinstance(p, Mapping) and str(p.get("type", "")).startswith("response.") for p in payloads)

    def error_frame(self, message: str) -> Frame:
        """The Responses API's ``error`` event (a top-level ``code`` and ``message``, no ``error`` object)."""
        return Frame("error", json.dumps({"type": "error", "code": "server_error", "message": message, "param": None}))

    def read(self, frames: Sequence[Frame]) -> StreamReading:
        out = ReadingBuilder()
        for frame in frames:
            payload = frame.json()
            if not isinstance(payload, Mapping):
                if frame.event == "error":
                    out.errors.append(frame.data)
                continue
            kind = payload.get("type", frame.event)
            delta = payload.get("delta")
            if kind == "response.output_text.delta" and isinstance(delta, str):
                out.text.append(delta)
            elif kind in _REASONING and isinstance(delta, str):
                out.reasoning.append(delta)
            elif kind == "response.function_call_arguments.delta" and isinstance(delta, str):
                out.fragments.append(ToolCallFragment(call=str(payload.get("item_id", "")), arguments=delta))
            elif kind == "response.output_item.added" and isinstance(payload.get("item"), Mapping):
                item = payload["item"]
                if item.get("type") == "function_call":
                    out.fragments.append(_header(item))
            elif kind in _ENDINGS and isinstance(payload.get("response"), Mapping):
                response = payload["response"]
                usage = usage_from(
                    response.get("usage"), prompt="input_tokens", completion="output_tokens", details="input_tokens_details"
                )
                out.usage = usage or out.usage
                out.finish_reason = _finish(response) or out.finish_reason
                out.model = response["model"] if isinstance(response.get("model"), str) else out.model
                if response.get("error"):
                    out.errors.append(describe_error(response["error"]))
            elif kind == "error":
                out.errors.append(describe_error(payload.get("error", payload)))
        return out.build()

    def has_message(self, script: Script) -> bool:
        """Whether the response has a message item: it has text, or no tool call."""
        return bool(script.content) or not script.tool_calls

    def write(self, script: Script, ids: ResponsesIds = ResponsesIds()) -> list[Frame]:
        """``response.created``, ``response.in_progress``, the message item (``output_item.added``,
        ``content_part.added``, one ``output_text.delta`` per delta, ``output_text.done``,
        ``content_part.done``, ``output_item.done``) when :meth:`has_message`, one
        ``function_call`` item per tool call with its argument deltas, ``response.completed``
        with the whole output and usage. Every event has its ``event:`` line and
        ``sequence_number``, as OpenAI sends them."""
        events: list[dict[str, Any]] = []
        output_done: list[dict[str, Any]] = []
        value = script.content

        def emit(payload: dict[str, Any]) -> None:
            events.append({"type": payload.pop("type"), "sequence_number": len(events), **payload})

        def response(status: str, output: list[Any], usage: Usage | None) -> dict[str, Any]:
            return _response_object(ids.response, ids.created, script.model, status, output, usage)

        emit({"type": "response.created", "response": response("in_progress", [], None)})
        emit({"type": "response.in_progress", "response": response("in_progress", [], None)})
        if self.has_message(script):
            where = {"item_id": ids.message, "output_index": 0, "content_index": 0}
            emit(
                {
                    "type": "response.output_item.added",
                    "output_index": 0,
                    "item": {
                        "id": ids.message,
                        "type": "message",
                        "status": "in_progress",
                        "content": [],
                        "role": "assistant",
                    },
                }
            )
            emit({"type": "response.content_part.added", **where, "part": _text_part("")})
            for piece in script.text:
                emit({"type": "response.output_text.delta", **where, "delta": piece, "logprobs": []})
            emit({"type": "response.output_text.done", **where, "text": value, "logprobs": []})
            emit({"type": "response.content_part.done", **where, "part": _text_part(value)})
            message = {
                "id": ids.message,
                "type": "message",
                "status": "completed",
                "content": [_text_part(value)],
                "role": "assistant",
            }
            emit({"type": "response.output_item.done", "output_index": 0, "item": message})
            output_done.append(message)
        if len(ids.calls) != len(script.tool_calls):
            raise ValueError(f"{len(script.tool_calls)} tool calls need as many item ids, got {ids.calls!r}")
        for call, item_id in zip(script.tool_calls, ids.calls, strict=True):
            index = len(output_done)
            item = {
                "id": item_id,
                "type": "function_call",
                "status": "in_progress",
                "arguments": "",
                "call_id": call.id,
                "name": call.name,
            }
            emit({"type": "response.output_item.added", "output_index": index, "item": item})
            for piece in call.pieces:
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
        emit({"type": "response.completed", "response": response("completed", output_done, script.usage)})
        return [Frame(payload["type"], compact_json(payload)) for payload in events]


def _response_object(
    response_id: str, created: int, model: str, status: str, output: list[Any], usage: Usage | None
) -> dict[str, Any]:
    """The response object as OpenAI sends it (key order included)."""
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


def _header(item: Mapping[str, Any]) -> ToolCallFragment:
    def text(key: str) -> str | None:
        value = item.get(key)
        return value if isinstance(value, str) else None

    return ToolCallFragment(
        call=str(item.get("id", "")), arguments=text("arguments") or "", id=text("call_id"), name=text("name")
    )


def _finish(response: Mapping[str, Any]) -> str | None:
    """``completed``, ``failed``, or ``incomplete: max_output_tokens``."""
    status = response.get("status")
    if not isinstance(status, str):
        return None
    details = response.get("incomplete_details")
    reason = details.get("reason") if isinstance(details, Mapping) else None
    return f"{status}: {reason}" if reason else status


OPENAI_RESPONSES = OpenAIResponses()
