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
from typing import Any

from streamtest._wire.base import Frame, ReadingBuilder, StreamReading, ToolCallFragment, Usage, WireFormat
from streamtest._wire.openai_chat import describe_error

__all__ = ["OPENAI_RESPONSES", "OpenAIResponses", "responses_usage"]

_ENDINGS = ("response.completed", "response.incomplete", "response.failed")
_REASONING = ("response.reasoning_text.delta", "response.reasoning_summary_text.delta")


def responses_usage(data: Any) -> Usage | None:
    """A Responses ``usage`` object as :class:`Usage`, or ``None``."""
    if not isinstance(data, Mapping):
        return None
    prompt, completion = data.get("input_tokens"), data.get("output_tokens")
    if not isinstance(prompt, int) or not isinstance(completion, int):
        return None
    total = data.get("total_tokens")
    details = data.get("input_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, Mapping) else None
    return Usage(prompt, completion, total if isinstance(total, int) else prompt + completion, cached or 0)


class OpenAIResponses(WireFormat):
    name = "openai-responses"
    provider = "openai"
    paths = ("/responses",)
    hosts = frozenset({"api.openai.com"})
    local_server = True

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
                out.usage = responses_usage(response.get("usage")) or out.usage
                out.finish_reason = _finish(response) or out.finish_reason
                out.model = response["model"] if isinstance(response.get("model"), str) else out.model
                if response.get("error"):
                    out.errors.append(describe_error(response["error"]))
            elif kind == "error":
                out.errors.append(describe_error(payload.get("error", payload)))
        return out.build()


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
