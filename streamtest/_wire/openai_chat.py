"""OpenAI Chat Completions streams (``POST .../chat/completions``, ``stream: true``).

Spoken by OpenAI and by every OpenAI-compatible server (llama.cpp, vLLM, Groq,
DeepSeek, OpenRouter, Ollama's ``/v1``). Each SSE ``data:`` line is a
``chat.completion.chunk``; the stream ends with ``data: [DONE]``::

    {"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}], ...}
    {"choices":[{"index":0,"delta":{"content":"Why"},"finish_reason":null}], ...}
    {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_..","function":{"name":"f","arguments":""}}]}}]}
    {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"ci"}}]}}]}
    {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}], ...}
    {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21}}   # stream_options.include_usage

Compatible servers add ``delta.reasoning_content`` (DeepSeek, llama.cpp, vLLM)
or ``delta.reasoning`` (OpenRouter, Groq, newer vLLM), keep-alive comments
(``: OPENROUTER PROCESSING``, which carry no frame), and may end a stream with
an ``error`` object (``data: {"error": {...}}``, sometimes under ``event:
error``, or inside a chunk whose ``finish_reason`` is ``"error"``); any
``event: error`` counts as an error, whatever its data. ChatOpenAI drops the
reasoning deltas (its chunks carry only ``content`` and tool calls); they are
read here as :attr:`StreamReading.reasoning`. Only choice ``index`` 0 is read
(``n > 1`` is rare in streaming).
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

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

__all__ = ["DONE", "OPENAI_CHAT", "ChatEnvelope", "Flavor", "OpenAIChat"]

DONE = "[DONE]"
Flavor = Literal["openai", "llama.cpp"]
_PADDING = string.digits + string.ascii_letters


@dataclass(frozen=True)
class ChatEnvelope:
    """What every chunk of one chat stream carries besides its delta, and who wrote it.

    ``flavor`` picks the chunk JSON of OpenAI (key order, ``service_tier``,
    ``logprobs``, ``usage: null`` on every chunk when usage is on, a random
    ``obfuscation`` pad) or of llama.cpp's server (its key order, ``timings``
    beside the usage).
    """

    flavor: Flavor = "openai"
    id: str = "chatcmpl-0"
    created: int = 1_700_000_000
    fingerprint: str = "fp_0"

    def chunk(
        self,
        model: str,
        delta: dict[str, Any] | None,
        finish_reason: str | None = None,
        usage: Any = None,
        *,
        with_usage: bool,
    ) -> dict[str, Any]:
        choices = [] if delta is None else [self._choice(delta, finish_reason)]
        if self.flavor == "llama.cpp":
            payload: dict[str, Any] = {
                "choices": choices,
                "created": self.created,
                "id": self.id,
                "model": model,
                "system_fingerprint": self.fingerprint,
                "object": "chat.completion.chunk",
            }
            if usage is not None:
                payload["usage"] = usage
                payload["timings"] = {"prompt_n": usage["prompt_tokens"], "predicted_n": usage["completion_tokens"]}
            return payload
        payload = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": model,
            "service_tier": "default",
            "system_fingerprint": self.fingerprint,
            "choices": choices,
        }
        if with_usage:
            payload["usage"] = usage
        # OpenAI pads every chunk with an "obfuscation" field of varying length.
        payload["obfuscation"] = _PADDING[: 1 + (len(json.dumps(delta)) * 7) % 16]
        return payload

    def _choice(self, delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
        if self.flavor == "llama.cpp":
            return {"finish_reason": finish_reason, "index": 0, "delta": delta}
        return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}

    def usage(self, usage: Usage) -> dict[str, Any]:
        if self.flavor == "llama.cpp":
            return {
                "completion_tokens": usage.completion_tokens,
                "prompt_tokens": usage.prompt_tokens,
                "total_tokens": usage.total_tokens,
                "prompt_tokens_details": {"cached_tokens": usage.cached_tokens},
            }
        return {
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens,
            "prompt_tokens_details": {"cached_tokens": usage.cached_tokens, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }


class OpenAIChat(WireFormat):
    name = "openai-chat"
    provider = "openai"
    paths = ("/chat/completions",)
    hosts = frozenset({"api.openai.com"})
    local_server = True
    key_env = ("OPENAI_API_KEY",)

    def sniff(self, payloads: Sequence[Any]) -> bool:
        return any(isinstance(p, Mapping) and isinstance(p.get("choices"), list) for p in payloads)

    def read(self, frames: Sequence[Frame]) -> StreamReading:
        out = ReadingBuilder()
        for frame in frames:
            if frame.data == DONE:
                continue
            payload = frame.json()
            if not isinstance(payload, Mapping):
                if frame.event == "error":
                    out.errors.append(frame.data)
                continue
            # An error object (llama.cpp, OpenRouter's chunk with finish_reason "error"), or any
            # event named error, whatever its data (the openai SDK raises only when it has "error").
            if "error" in payload or frame.event == "error":
                out.errors.append(describe_error(payload.get("error", payload)))
            out.model = out.model or (payload["model"] if isinstance(payload.get("model"), str) else None)
            usage = usage_from(
                payload.get("usage"), prompt="prompt_tokens", completion="completion_tokens", details="prompt_tokens_details"
            )
            out.usage = usage or out.usage
            choices = payload.get("choices")
            for choice in choices if isinstance(choices, list) else ():
                if not isinstance(choice, Mapping) or choice.get("index", 0) != 0:
                    continue
                out.finish_reason = choice.get("finish_reason") or out.finish_reason
                delta = choice.get("delta")
                if not isinstance(delta, Mapping):
                    continue
                if isinstance(delta.get("content"), str):
                    out.text.append(delta["content"])
                for key in ("reasoning_content", "reasoning"):
                    if isinstance(delta.get(key), str):
                        out.reasoning.append(delta[key])
                        break
                for call in delta.get("tool_calls") or ():
                    if isinstance(call, Mapping):
                        out.fragments.append(_fragment(call))
        return out.build()

    def header_in_role_chunk(self, script: Script, envelope: ChatEnvelope) -> bool:
        """OpenAI sends the first tool-call header in the role chunk when there is no text."""
        return bool(script.tool_calls) and not script.content and envelope.flavor == "openai"

    def tool_call_events(self, script: Script, envelope: ChatEnvelope) -> tuple[int, ...]:
        """How many chunks each tool call takes (its header, then one per argument cut)."""
        in_role = self.header_in_role_chunk(script, envelope)
        return tuple(
            len(call.pieces) + (0 if index == 0 and in_role else 1) for index, call in enumerate(script.tool_calls)
        )

    def write(
        self, script: Script, envelope: ChatEnvelope = ChatEnvelope(), schedule: Sequence[int] | None = None
    ) -> list[Frame]:
        """The role chunk, one chunk per text delta, each tool call's header and argument cuts,
        the finish chunk, the usage chunk (``choices: []``) when ``script.usage`` is set, ``[DONE]``.

        ``schedule`` orders the tool-call chunks when calls are interleaved: the
        call index of each, in sending order (counts from :meth:`tool_call_events`);
        ``None`` sends each call's chunks together, in index order.
        """
        calls = script.tool_calls
        with_usage = script.usage is not None
        flavor = envelope.flavor

        def chunk(delta: dict[str, Any] | None, finish: str | None = None, usage: Any = None) -> dict[str, Any]:
            return envelope.chunk(script.model, delta, finish, usage, with_usage=with_usage)

        payloads: list[dict[str, Any]] = []
        role: dict[str, Any] = {"role": "assistant", "content": None}
        if flavor == "openai" and (script.content or not calls):
            role["content"] = ""
        if flavor == "openai":
            role["refusal"] = None
        headers = [
            {"index": index, "id": call.id, "type": "function", "function": {"name": call.name, "arguments": ""}}
            for index, call in enumerate(calls)
        ]
        in_role = self.header_in_role_chunk(script, envelope)
        if in_role:
            role["tool_calls"] = [headers[0]]
        payloads.append(chunk(role))
        payloads.extend(chunk({"content": piece}) for piece in script.text)

        per_call: list[list[dict[str, Any]]] = []
        for index, call in enumerate(calls):
            call_chunks = [] if (index == 0 and in_role) else [chunk({"tool_calls": [headers[index]]})]
            call_chunks.extend(
                chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}) for piece in call.pieces
            )
            per_call.append(call_chunks)
        order = schedule if schedule is not None else [i for i, events in enumerate(per_call) for _ in events]
        if sorted(order) != [i for i, events in enumerate(per_call) for _ in events]:
            raise ValueError(f"schedule {list(order)!r} does not send each tool-call chunk once")
        for index in order:
            payloads.append(per_call[index].pop(0))

        finish = script.finish_reason or ("tool_calls" if calls else "stop")
        payloads.append(chunk({}, finish))
        if script.usage is not None:
            payloads.append(chunk(None, usage=envelope.usage(script.usage)))
        return [*(Frame(None, compact_json(payload)) for payload in payloads), Frame(None, DONE)]


def _fragment(call: Mapping[str, Any]) -> ToolCallFragment:
    function = call.get("function")
    function = function if isinstance(function, Mapping) else {}
    arguments = function.get("arguments")
    index = call.get("index", 0)
    return ToolCallFragment(
        call=index if isinstance(index, int | str) else 0,
        arguments=arguments if isinstance(arguments, str) else "",
        id=call["id"] if isinstance(call.get("id"), str) else None,
        name=function["name"] if isinstance(function.get("name"), str) else None,
    )


OPENAI_CHAT = OpenAIChat()
