"""Google Gemini streams (``POST .../models/{model}:streamGenerateContent?alt=sse``).

Spoken by the Gemini API and Vertex AI (the ``google-genai`` SDK, ChatGoogleGenerativeAI).
Each SSE event is ``data:`` only, a whole ``GenerateContentResponse``; nothing
terminates the stream::

    {"candidates": [{"content": {"parts": [{"text": "Why"}], "role": "model"}, "index": 0}],
     "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 1, "totalTokenCount": 9},
     "modelVersion": "gemini-2.5-flash", "responseId": "..."}
    ... a thought part:     {"text": "...", "thought": true}
    ... a function call:    {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}   (whole, no id)
    ... the last chunk:     "finishReason": "STOP" in the candidate
    ... a mid-stream error: {"error": {"code": 503, "message": "...", "status": "UNAVAILABLE"}}

A chunk's text is its non-thought text parts joined (ChatGoogleGenerativeAI's
``msg.text`` for that chunk); function calls arrive whole, so each is one
fragment with its ``args`` as JSON text (``json.dumps``, as LangChain writes
them). ``usageMetadata`` is cumulative: the last one counts, output being
``candidatesTokenCount`` + ``thoughtsTokenCount``. The model is named in the
URL path, not in the body. The embedded llama.cpp server does not speak this
API: streamtest's Gemini streams are built from the documented format.
"""

from __future__ import annotations

import json
import re
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
    text_of_content,
)

__all__ = ["GEMINI", "Gemini"]

_STATUS = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
_STREAM_PATH = re.compile(r"/models/(?P<model>[^/:]+):streamGenerateContent$")


def _candidate(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    candidates = payload.get("candidates")
    if isinstance(candidates, list) and candidates and isinstance(candidates[0], Mapping):
        return candidates[0]
    return {}


def _parts(candidate: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    content = candidate.get("content")
    parts = content.get("parts") if isinstance(content, Mapping) else None
    return [part for part in parts if isinstance(part, Mapping)] if isinstance(parts, list) else []


class Gemini(WireFormat):
    name = "gemini"
    provider = "google_genai"
    hosts = frozenset({"generativelanguage.googleapis.com", "aiplatform.googleapis.com"})
    key_env = ("GOOGLE_API_KEY", "GEMINI_API_KEY")

    def claims(self, path: str) -> bool:
        return _STREAM_PATH.search(path) is not None

    def sniff(self, payloads: Sequence[Any]) -> bool:
        return any(isinstance(p, Mapping) and ("candidates" in p or "usageMetadata" in p) for p in payloads)

    def read(self, frames: Sequence[Frame]) -> StreamReading:
        out = ReadingBuilder()
        for frame in frames:
            payload = frame.json()
            if not isinstance(payload, Mapping):
                continue
            if "error" in payload:
                out.errors.append(describe_error(payload["error"]))
                continue
            out.model = payload["modelVersion"] if isinstance(payload.get("modelVersion"), str) else out.model
            out.usage = _usage(payload.get("usageMetadata")) or out.usage
            candidate = _candidate(payload)
            out.finish_reason = (
                candidate["finishReason"] if isinstance(candidate.get("finishReason"), str) else out.finish_reason
            )
            said: list[str] = []
            for part in _parts(candidate):
                if isinstance(part.get("text"), str):
                    (out.reasoning if part.get("thought") else said).append(part["text"])
                call = part.get("functionCall")
                if isinstance(call, Mapping):
                    out.fragments.append(
                        ToolCallFragment(
                            call=len(out.fragments),
                            arguments=json.dumps(call.get("args") or {}),
                            id=call["id"] if isinstance(call.get("id"), str) else None,
                            name=call["name"] if isinstance(call.get("name"), str) else None,
                        )
                    )
            if said:
                out.text.append("".join(said))
        return out.build()

    def error_body(self, status: int, message: str) -> Any:
        """Google's error body: ``{"error": {"code", "message", "status"}}``."""
        return {"error": {"code": status, "message": message, "status": _STATUS.get(status, "UNKNOWN")}}

    def error_frame(self, message: str) -> Frame:
        """A ``data:`` chunk carrying an error object (google-genai raises ``ServerError``)."""
        return Frame(None, compact_json(self.error_body(503, message)))

    def write(self, script: Script, *, response_id: str = "response-0") -> list[Frame]:
        """One chunk per reasoning delta (a ``thought`` part), per text delta and per tool call
        (a whole ``functionCall`` part; no id: Gemini sends none), the last one carrying
        ``finishReason`` (``STOP`` unless the script says otherwise); every chunk carries
        the cumulative ``usageMetadata`` (output counted one per piece, the script's total
        on the last), ``modelVersion`` and ``responseId``. No terminator."""
        parts: list[dict[str, Any]] = [{"text": piece, "thought": True} for piece in script.reasoning]
        parts.extend({"text": piece} for piece in script.text)
        parts.extend({"functionCall": {"name": call.name, "args": call.args}} for call in script.tool_calls)
        if not parts:
            parts.append({"text": ""})
        usage = script.usage
        frames = []
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            candidate: dict[str, Any] = {"content": {"parts": [part], "role": "model"}}
            if last:
                candidate["finishReason"] = script.finish_reason or "STOP"
            candidate["index"] = 0
            chunk: dict[str, Any] = {"candidates": [candidate]}
            if usage is not None:
                output = usage.completion_tokens if last else min(index + 1, usage.completion_tokens)
                counts = {
                    "promptTokenCount": usage.prompt_tokens,
                    "candidatesTokenCount": output,
                    "totalTokenCount": usage.prompt_tokens + output,
                }
                if usage.cached_tokens:
                    counts["cachedContentTokenCount"] = usage.cached_tokens
                chunk["usageMetadata"] = counts
            chunk["modelVersion"] = script.model
            chunk["responseId"] = response_id
            frames.append(Frame(None, compact_json(chunk)))
        return frames

    def model(self, request: Any, path: str = "") -> str | None:
        found = _STREAM_PATH.search(path)
        return found.group("model") if found else super().model(request, path)

    def prompt(self, request: Any) -> str | None:
        contents = request.get("contents") if isinstance(request, Mapping) else None
        if isinstance(contents, list) and contents and isinstance(contents[-1], Mapping):
            return text_of_content(contents[-1].get("parts"))
        return None


def _usage(data: Any) -> Usage | None:
    if not isinstance(data, Mapping) or not isinstance(data.get("promptTokenCount"), int):
        return None
    prompt = int_field(data, "promptTokenCount")
    completion = int_field(data, "candidatesTokenCount") + int_field(data, "thoughtsTokenCount")
    total = int_field(data, "totalTokenCount") or prompt + completion
    return Usage(prompt, completion, total, int_field(data, "cachedContentTokenCount"))


GEMINI = Gemini()
