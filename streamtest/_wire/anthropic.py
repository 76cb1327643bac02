"""Anthropic Messages streams (``POST /v1/messages``, ``stream: true``).

Spoken by Anthropic's API (the ``anthropic`` SDK, ``langchain-anthropic``'s
ChatAnthropic) and by llama.cpp's server. Every event has an ``event:`` line
equal to its data's ``type`` (the SDK skips events without one)::

    message_start        {"message": {"id", "model", "usage": {"input_tokens", "cache_read_input_tokens", ...}}}
    content_block_start  {"index": 0, "content_block": {"type": "text", "text": ""}}
                         {"index": 1, "content_block": {"type": "tool_use", "id": "toolu_..", "name": "f", "input": {}}}
                         {"index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}}
    content_block_delta  {"index": 0, "delta": {"type": "text_delta", "text": "Why"}}
                         {"index": 1, "delta": {"type": "input_json_delta", "partial_json": "{\\"ci"}}
                         {"index": 0, "delta": {"type": "thinking_delta", "thinking": "..."}}
                         {"index": 0, "delta": {"type": "signature_delta", "signature": "EqQB..."}}
    content_block_stop   {"index": 0}
    message_delta        {"delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 12}}
    message_stop         {}
    ping                 {}                       (keep-alive, anywhere)
    error                {"error": {"type": "overloaded_error", "message": "Overloaded"}}

Tool calls are keyed by their content-block ``index``. Usage comes in two
parts: ``message_start`` has the input (and cache) counts, each
``message_delta`` the cumulative output count (and sometimes input counts
again, which then win). LangChain's ChatAnthropic reports usage from
``message_delta`` only, so its ``input_tokens`` is 0 when that event carries
none (llama.cpp's server never sends them); :class:`Usage` here is what the
stream says, both parts together. llama.cpp sends no ``ping`` and ids like
``chatcmpl-...``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
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
    int_field,
)

__all__ = ["ANTHROPIC", "AnthropicMessages"]

_TOOL_BLOCKS = ("tool_use", "server_tool_use")


class AnthropicMessages(WireFormat):
    name = "anthropic-messages"
    provider = "anthropic"
    # "/v1/messages" and not "/messages": OpenAI's /v1/threads/{id}/messages must not match.
    paths = ("/v1/messages",)
    hosts = frozenset({"api.anthropic.com"})
    local_server = True
    key_env = ("ANTHROPIC_API_KEY",)

    def sniff(self, payloads: Sequence[Any]) -> bool:
        return any(
            isinstance(p, Mapping) and p.get("type") in ("message_start", "content_block_start", "content_block_delta")
            for p in payloads
        )

    def read(self, frames: Sequence[Frame]) -> StreamReading:
        out = ReadingBuilder()
        signatures: list[str] = []
        started: Mapping[str, Any] = {}
        final: Mapping[str, Any] = {}
        for frame in frames:
            payload = frame.json()
            kind = payload.get("type", frame.event) if isinstance(payload, Mapping) else frame.event
            if frame.event == "error" or kind == "error":
                error = payload.get("error", payload) if isinstance(payload, Mapping) else frame.data
                out.errors.append(describe_error(error))
                continue
            if not isinstance(payload, Mapping):
                continue
            if kind == "message_start" and isinstance(payload.get("message"), Mapping):
                message = payload["message"]
                out.model = message["model"] if isinstance(message.get("model"), str) else out.model
                started = message["usage"] if isinstance(message.get("usage"), Mapping) else started
            elif kind == "content_block_start" and isinstance(payload.get("content_block"), Mapping):
                block, index = payload["content_block"], payload.get("index", 0)
                if block.get("type") == "text" and block.get("text"):
                    out.text.append(block["text"])
                elif block.get("type") == "thinking" and block.get("thinking"):
                    out.reasoning.append(block["thinking"])
                elif block.get("type") in _TOOL_BLOCKS:
                    given = block.get("input")
                    out.fragments.append(
                        ToolCallFragment(
                            call=index,
                            arguments=json.dumps(given) if isinstance(given, Mapping) and given else "",
                            id=block["id"] if isinstance(block.get("id"), str) else None,
                            name=block["name"] if isinstance(block.get("name"), str) else None,
                        )
                    )
            elif kind == "content_block_delta" and isinstance(payload.get("delta"), Mapping):
                delta, index = payload["delta"], payload.get("index", 0)
                delta_kind = delta.get("type")
                if delta_kind == "text_delta" and isinstance(delta.get("text"), str):
                    out.text.append(delta["text"])
                elif delta_kind == "input_json_delta" and isinstance(delta.get("partial_json"), str):
                    out.fragments.append(ToolCallFragment(call=index, arguments=delta["partial_json"]))
                elif delta_kind == "thinking_delta" and isinstance(delta.get("thinking"), str):
                    out.reasoning.append(delta["thinking"])
                elif delta_kind == "signature_delta" and isinstance(delta.get("signature"), str):
                    signatures.append(delta["signature"])
            elif kind == "message_delta":
                delta = payload.get("delta")
                if isinstance(delta, Mapping) and isinstance(delta.get("stop_reason"), str):
                    out.finish_reason = delta["stop_reason"]
                if isinstance(payload.get("usage"), Mapping):
                    final = payload["usage"]
        out.usage = _usage(started, final)
        if signatures:
            out.extra["signatures"] = tuple(signatures)
        return out.build()

    def error_body(self, status: int, message: str) -> Any:
        """Anthropic's error body: ``{"type": "error", "error": {"type", "message"}}``."""
        kind = "rate_limit_error" if status == 429 else "api_error" if status >= 500 else "invalid_request_error"
        return {"type": "error", "error": {"type": kind, "message": message}}

    def error_frame(self, message: str) -> Frame:
        """The ``error`` event Anthropic sends mid-stream (the SDK raises ``APIStatusError``)."""
        return Frame(
            "error", compact_json({"type": "error", "error": {"type": "overloaded_error", "message": message}})
        )

    def write(
        self,
        script: Script,
        *,
        message_id: str = "msg_0",
        signature: str = "",
        ping: bool = True,
    ) -> list[Frame]:
        """``message_start``, a thinking block when ``script.reasoning`` (its deltas, then
        ``signature``), a ``ping`` after the first block starts (as Anthropic does; llama.cpp
        sends none), a text block when there is text or no tool call, one ``tool_use``
        block per call (its ``input_json_delta`` events: an empty one, then the argument
        cuts), ``message_delta`` with the stop reason and output count, ``message_stop``.
        Tool-call ids are the script's (Anthropic's look like ``toolu_...``); without usage
        the counts are 0, as the API never omits them."""
        usage = script.usage or Usage(0, 0, 0)
        events: list[dict[str, Any]] = [
            {
                "type": "message_start",
                "message": {
                    "id": message_id,
                    "type": "message",
                    "role": "assistant",
                    "model": script.model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {
                        "input_tokens": usage.prompt_tokens - usage.cached_tokens,
                        "cache_creation_input_tokens": 0,
                        "cache_read_input_tokens": usage.cached_tokens,
                        "output_tokens": 1,
                        "service_tier": "standard",
                    },
                },
            }
        ]
        blocks: list[list[dict[str, Any]]] = []
        if script.reasoning:
            blocks.append(
                [
                    {"type": "thinking", "thinking": "", "signature": ""},
                    *({"type": "thinking_delta", "thinking": piece} for piece in script.reasoning),
                    {"type": "signature_delta", "signature": signature},
                ]
            )
        if script.content or not script.tool_calls:
            blocks.append([{"type": "text", "text": ""}, *({"type": "text_delta", "text": t} for t in script.text)])
        for call in script.tool_calls:
            blocks.append(
                [
                    {"type": "tool_use", "id": call.id, "name": call.name, "input": {}},
                    *({"type": "input_json_delta", "partial_json": piece} for piece in ("", *call.pieces)),
                ]
            )
        for index, (start, *deltas) in enumerate(blocks):
            events.append({"type": "content_block_start", "index": index, "content_block": start})
            if index == 0 and ping:
                events.append({"type": "ping"})
            events.extend({"type": "content_block_delta", "index": index, "delta": delta} for delta in deltas)
            events.append({"type": "content_block_stop", "index": index})
        finish = script.finish_reason or ("tool_use" if script.tool_calls else "end_turn")
        events.append(
            {
                "type": "message_delta",
                "delta": {"stop_reason": finish, "stop_sequence": None},
                "usage": {"output_tokens": usage.completion_tokens},
            }
        )
        events.append({"type": "message_stop"})
        return [Frame(event["type"], compact_json(event)) for event in events]


def _usage(started: Mapping[str, Any], final: Mapping[str, Any]) -> Usage | None:
    """Input counts from ``message_start`` (or ``message_delta`` when it repeats them), output from the last delta."""
    if not started and not final:
        return None
    counts = {**started, **{k: v for k, v in final.items() if v is not None}}
    cached = int_field(counts, "cache_read_input_tokens")
    prompt = int_field(counts, "input_tokens") + int_field(counts, "cache_creation_input_tokens") + cached
    completion = int_field(counts, "output_tokens")
    return Usage(prompt, completion, prompt + completion, cached)


ANTHROPIC = AnthropicMessages()
