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
or ``delta.reasoning`` (OpenRouter), keep-alive comments, and may end a stream
with an ``error`` object (``data: {"error": {...}}``, sometimes under
``event: error``). Only choice ``index`` 0 is read (``n > 1`` is rare in streaming).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from streamtest._wire.base import Frame, ReadingBuilder, StreamReading, ToolCallFragment, Usage, WireFormat

__all__ = ["OPENAI_CHAT", "OpenAIChat", "describe_error", "openai_usage"]

DONE = "[DONE]"


def openai_usage(data: Any) -> Usage | None:
    """A Chat Completions ``usage`` object as :class:`Usage`, or ``None``."""
    if not isinstance(data, Mapping):
        return None
    prompt, completion = data.get("prompt_tokens"), data.get("completion_tokens")
    if not isinstance(prompt, int) or not isinstance(completion, int):
        return None
    total = data.get("total_tokens")
    details = data.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, Mapping) else None
    return Usage(prompt, completion, total if isinstance(total, int) else prompt + completion, cached or 0)


def describe_error(error: Any) -> str:
    """``"500: The model produced output..."``: an error object as one line."""
    if isinstance(error, Mapping):
        code = error.get("code") or error.get("type") or "error"
        message = error.get("message") or ""
        return f"{code}: {message}" if message else str(code)
    return str(error)


class OpenAIChat(WireFormat):
    name = "openai-chat"
    provider = "openai"
    paths = ("/chat/completions",)
    hosts = frozenset({"api.openai.com"})
    local_server = True

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
            if "error" in payload:
                out.errors.append(describe_error(payload["error"]))
            out.model = out.model or (payload["model"] if isinstance(payload.get("model"), str) else None)
            out.usage = openai_usage(payload.get("usage")) or out.usage
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
