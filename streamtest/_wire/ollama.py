"""Ollama's native streams (``POST /api/chat``, ``/api/generate``): NDJSON, one object per line.

Spoken by the Ollama server (the ``ollama`` client, langchain-ollama's ChatOllama;
``/v1/chat/completions`` is Ollama's OpenAI-compatible API, read by
:mod:`.openai_chat`). The response is ``application/x-ndjson``; each line is an
object, the last one has ``done: true``::

    {"model":"llama3.2","created_at":"2025-10-26T17:15:24.09Z","message":{"role":"assistant","content":"Why"},"done":false}
    {"model":..,"message":{"role":"assistant","content":"","thinking":"The user"},"done":false}
    {"model":..,"message":{"role":"assistant","content":"","tool_calls":[{"function":{"index":0,"name":"f","arguments":{"city":"Paris"}}}]},"done":false}
    {"model":..,"message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":26,"eval_count":7,...}
    {"error":"an error was encountered while running the model"}       (mid-stream; the status stays 200)

``/api/generate`` lines carry ``response`` (and ``thinking``) instead of a
message. Tool calls arrive whole with ``arguments`` as an object and no id
(ChatOllama invents one per run). Ollama's server writes JSON with Go's
encoder, which escapes ``<``, ``>``, ``&``, U+2028 and U+2029 (:class:`GoJSONEncoder`;
the cassette knows it as the ``go`` style) but leaves U+0085 raw; the ollama
client splits lines with ``str.splitlines``, so a raw U+0085 breaks it, and a
byte-exact replay reproduces that. The embedded llama.cpp server has no
``/api/chat``: streamtest's Ollama streams are built from the documented format.
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
    int_field,
)

__all__ = ["OLLAMA", "GoJSONEncoder", "Ollama"]


class GoJSONEncoder(json.JSONEncoder):
    """JSON as Go's ``encoding/json`` writes it (Ollama's server): compact, UTF-8, with
    ``<``, ``>``, ``&``, U+2028 and U+2029 escaped. Those can only occur inside strings,
    so replacing them in the encoded text is exact. U+0085 stays raw, as in Go."""

    _ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))

    def __init__(self) -> None:
        super().__init__(separators=(",", ":"), ensure_ascii=False)

    def encode(self, o: Any) -> str:
        text = super().encode(o)
        for raw, escaped in self._ESCAPES:
            text = text.replace(raw, escaped)
        return text


_GO = GoJSONEncoder()


class Ollama(WireFormat):
    name = "ollama"
    provider = "ollama"
    framing = "ndjson"
    paths = ("/api/chat", "/api/generate")
    hosts = frozenset({"localhost", "127.0.0.1", "ollama.com"})

    def sniff(self, payloads: Sequence[Any]) -> bool:
        return any(isinstance(p, Mapping) and "done" in p and "created_at" in p for p in payloads)

    def read(self, frames: Sequence[Frame]) -> StreamReading:
        out = ReadingBuilder()
        for frame in frames:
            line = frame.json()
            if not isinstance(line, Mapping):
                continue
            if "error" in line:
                out.errors.append(str(line["error"]))
                continue
            out.model = out.model or (line["model"] if isinstance(line.get("model"), str) else None)
            message = line["message"] if isinstance(line.get("message"), Mapping) else line
            said = message.get("content") if message is not line else line.get("response")
            if isinstance(said, str):
                out.text.append(said)
            if isinstance(message.get("thinking"), str) and message["thinking"]:
                out.reasoning.append(message["thinking"])
            for call in message.get("tool_calls") or ():
                function = call.get("function") if isinstance(call, Mapping) else None
                if isinstance(function, Mapping):
                    out.fragments.append(
                        ToolCallFragment(
                            call=len(out.fragments),
                            arguments=json.dumps(function.get("arguments") or {}),
                            id=call["id"] if isinstance(call.get("id"), str) else None,
                            name=function["name"] if isinstance(function.get("name"), str) else None,
                        )
                    )
            if line.get("done") is True:
                out.finish_reason = (
                    line["done_reason"] if isinstance(line.get("done_reason"), str) else out.finish_reason
                )
                if isinstance(line.get("prompt_eval_count"), int) or isinstance(line.get("eval_count"), int):
                    prompt, completion = int_field(line, "prompt_eval_count"), int_field(line, "eval_count")
                    out.usage = Usage(prompt, completion, prompt + completion)
        return out.build()

    def error_body(self, status: int, message: str) -> Any:
        """Ollama's error body: ``{"error": "..."}``."""
        return {"error": message}

    def error_frame(self, message: str) -> Frame:
        """The error line Ollama sends mid-stream (the ollama client raises ``ResponseError``)."""
        return Frame(None, _GO.encode({"error": message}))

    def write(self, script: Script, *, created_at: str = "2025-01-01T00:00:00.000000Z") -> list[Frame]:
        """``/api/chat`` lines: one per reasoning delta (``message.thinking``), per text delta
        (``message.content``) and per tool call (whole, ``arguments`` an object, with its
        ``index``), then the ``done: true`` line with ``done_reason`` (``stop`` unless the
        script says otherwise) and, with usage, the eval counts and durations."""

        def line(message: dict[str, Any], **rest: Any) -> Frame:
            payload = {"model": script.model, "created_at": created_at, "message": message, "done": False, **rest}
            return Frame(None, _GO.encode(payload))

        frames = [line({"role": "assistant", "content": "", "thinking": piece}) for piece in script.reasoning]
        frames.extend(line({"role": "assistant", "content": piece}) for piece in script.text)
        frames.extend(
            line(
                {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [{"function": {"index": index, "name": call.name, "arguments": call.args}}],
                }
            )
            for index, call in enumerate(script.tool_calls)
        )
        done: dict[str, Any] = {"done": True, "done_reason": script.finish_reason or "stop"}
        if script.usage is not None:
            done.update(
                total_duration=4_883_583_458,
                load_duration=1_334_875,
                prompt_eval_count=script.usage.prompt_tokens,
                prompt_eval_duration=342_546_000,
                eval_count=script.usage.completion_tokens,
                eval_duration=4_535_599_000,
            )
        frames.append(line({"role": "assistant", "content": ""}, **done))
        return frames

    def prompt(self, request: Any) -> str | None:
        if isinstance(request, Mapping) and isinstance(request.get("prompt"), str):
            return str(request["prompt"])
        return super().prompt(request)


OLLAMA = Ollama()
