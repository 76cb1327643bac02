"""A recorded SSE body taken apart: its events and the ground truth they carry.

Re-chunking needs to know what a recording says (text, tool calls, usage)
before it can cut it again; parsing is done once, when the strategy is built,
so a body it cannot handle raises ``UsageError`` at once rather than inside a
test run.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from streamtest._exceptions import UsageError
from streamtest._strategies._types import CHAT_COMPLETIONS, DONE, RESPONSES, Api, GeneratedStream, ToolCall, Usage
from streamtest._wire.sse import parse_event, split_events

__all__ = ["Recorded", "take_apart"]


@dataclass
class Recorded:
    """A recorded body taken apart: its events and the ground truth they carry."""

    api: Api
    raw: list[bytes]  # every event chunk as recorded
    parsed: list[Any]  # JSON per chunk; None for [DONE] and comment-only events
    names: list[str | None]
    eol: str
    text: str
    calls: list[ToolCall]
    call_keys: list[Any]  # tool index (chat) or item id (responses), parallel to calls
    usage: Usage | None
    finish_reason: str | None
    model: str


def _usage_from(data: Any, *, responses: bool) -> Usage | None:
    if not isinstance(data, dict):
        return None
    if responses:
        details = data.get("input_tokens_details") or {}
        return Usage(
            data["input_tokens"], data["output_tokens"], data["total_tokens"], details.get("cached_tokens") or 0
        )
    details = data.get("prompt_tokens_details") or {}
    return Usage(
        data["prompt_tokens"], data["completion_tokens"], data["total_tokens"], details.get("cached_tokens") or 0
    )


def take_apart(recorded: object) -> Recorded:
    if isinstance(recorded, GeneratedStream):
        raw = split_events(recorded.body)
    elif isinstance(recorded, (bytes, bytearray)):
        raw = split_events(bytes(recorded))
    elif (
        isinstance(recorded, Sequence)
        and not isinstance(recorded, str)
        and recorded
        and all(isinstance(chunk, (bytes, bytearray)) for chunk in recorded)
    ):
        raw = split_events(b"".join(recorded))
    else:
        raise UsageError(
            f"recorded={recorded!r:.200} must be an SSE body (bytes), a non-empty list of its event "
            "chunks (bytes), or a GeneratedStream"
        )
    parsed: list[Any] = []
    names: list[str | None] = []
    eol = "\n"
    for index, chunk in enumerate(raw):
        try:
            event = parse_event(chunk)
        except UnicodeDecodeError as error:
            raise UsageError(f"recorded event {index} is not UTF-8: {chunk[:80]!r}") from error
        names.append(event.event)
        if event.data is not None and eol == "\n":
            eol = event.eol
        if event.data is None or event.data == DONE:
            parsed.append(None)
            continue
        try:
            parsed.append(json.loads(event.data))
        except ValueError as error:
            raise UsageError(f"recorded event {index} does not carry JSON data: {chunk[:80]!r}") from error
    payloads = [payload for payload in parsed if isinstance(payload, dict)]
    if not payloads:
        raise UsageError(f"recorded={recorded!r:.200} holds no JSON event: nothing to re-chunk")
    if any(str(payload.get("type", "")).startswith("response.") for payload in payloads):
        return _take_apart_responses(raw, parsed, names, eol)
    odd = next((payload for payload in payloads if payload.get("object") != "chat.completion.chunk"), None)
    if odd is not None:
        raise UsageError(f"recorded stream is neither chat completions nor responses: event {odd!r:.200}")

    text: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    usage: Usage | None = None
    finish: str | None = None
    for payload in payloads:
        for choice in payload.get("choices") or []:
            if choice.get("index", 0) != 0:
                raise UsageError(f"recorded stream has several choices (n > 1), not supported: {choice!r:.200}")
            if choice.get("logprobs"):
                raise UsageError("recorded stream carries logprobs, which cannot follow other cuts")
            delta = choice.get("delta") or {}
            if isinstance(delta.get("content"), str):
                text.append(delta["content"])
            for call in delta.get("tool_calls") or []:
                entry = calls.setdefault(call["index"], {"id": None, "name": "", "arguments": []})
                entry["id"] = entry["id"] or call.get("id")
                function = call.get("function") or {}
                entry["name"] += function.get("name") or ""
                if function.get("arguments"):
                    entry["arguments"].append(function["arguments"])
            finish = choice.get("finish_reason") or finish
        if payload.get("usage"):
            usage = _usage_from(payload["usage"], responses=False)
    keys = sorted(calls)
    found = [
        ToolCall(
            name=calls[key]["name"],
            arguments="".join(calls[key]["arguments"]),
            id=calls[key]["id"] or "",
            deltas=tuple(calls[key]["arguments"]),
        )
        for key in keys
    ]
    return Recorded(
        CHAT_COMPLETIONS,
        raw,
        parsed,
        names,
        eol,
        "".join(text),
        found,
        keys,
        usage,
        finish,
        payloads[0].get("model", ""),
    )


def _take_apart_responses(raw: list[bytes], parsed: list[Any], names: list[str | None], eol: str) -> Recorded:
    text: list[str] = []
    parts: set[tuple[Any, Any]] = set()
    calls: dict[str, dict[str, Any]] = {}
    usage, model = None, ""
    for payload in parsed:
        if not isinstance(payload, dict):
            continue
        kind = payload.get("type")
        if kind == "response.output_text.delta":
            if payload.get("logprobs"):
                # Each delta's logprobs cover its own tokens; a re-cut delta cannot say which are its.
                raise UsageError("recorded responses stream carries logprobs, which cannot follow other cuts")
            text.append(payload["delta"])
            parts.add((payload.get("item_id"), payload.get("content_index")))
        elif kind == "response.output_item.added" and payload["item"].get("type") == "function_call":
            item = payload["item"]
            calls[item["id"]] = {"id": item.get("call_id", ""), "name": item.get("name", ""), "arguments": []}
        elif kind == "response.function_call_arguments.delta":
            calls.setdefault(payload["item_id"], {"id": "", "name": "", "arguments": []})["arguments"].append(
                payload["delta"]
            )
        elif kind == "response.completed":
            response = payload["response"]
            model = response.get("model", "")
            usage = _usage_from(response.get("usage"), responses=True)
    if len(parts) > 1:
        raise UsageError(
            f"recorded responses stream has text in {len(parts)} content parts {sorted(parts, key=repr)!r}; "
            "re-chunking handles one"
        )
    found = [
        ToolCall(name=c["name"], arguments="".join(c["arguments"]), id=c["id"], deltas=tuple(c["arguments"]))
        for c in calls.values()
    ]
    return Recorded(RESPONSES, raw, parsed, names, eol, "".join(text), found, list(calls), usage, None, model)
