"""A recorded SSE body taken apart: its events and the ground truth they carry.

Re-chunking needs to know what a recording says (text, tool calls, usage)
before it can cut it again. The wire format module reads that
(:meth:`~streamtest._wire.base.WireFormat.read`, the same reading a cassette's
interaction view uses); this module adds what only re-chunking needs: the raw
events, their names and line ending, and the checks for what it cannot re-cut.
Parsing is done once, when the strategy is built, so a body it cannot handle
raises ``UsageError`` at once rather than inside a test run.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from streamtest._exceptions import UsageError
from streamtest._strategies.types import CHAT_COMPLETIONS, DONE, RESPONSES, Api, GeneratedStream, ToolCall, Usage
from streamtest._wire.framing import frames_of
from streamtest._wire.openai_chat import OPENAI_CHAT
from streamtest._wire.openai_responses import OPENAI_RESPONSES
from streamtest._wire.registry import format_for
from streamtest._wire.sse import SSE, parse_event, split_events

__all__ = ["Recorded", "take_apart"]

_APIS: dict[str, Api] = {OPENAI_CHAT.name: CHAT_COMPLETIONS, OPENAI_RESPONSES.name: RESPONSES}


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


def _raw_events(recorded: object) -> list[bytes]:
    if isinstance(recorded, GeneratedStream):
        return split_events(recorded.body)
    if isinstance(recorded, (bytes, bytearray)):
        return split_events(bytes(recorded))
    if (
        isinstance(recorded, Sequence)
        and not isinstance(recorded, str)
        and recorded
        and all(isinstance(chunk, (bytes, bytearray)) for chunk in recorded)
    ):
        return split_events(b"".join(recorded))
    raise UsageError(
        f"recorded={recorded!r:.200} must be an SSE body (bytes), a non-empty list of its event "
        "chunks (bytes), or a GeneratedStream"
    )


def take_apart(recorded: object) -> Recorded:
    raw = _raw_events(recorded)
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
    frames = frames_of(SSE, raw)
    wire = format_for("", frames)
    api = _APIS.get(wire.name) if wire is not None else None
    if wire is None or api is None:
        found = f"a {wire.name} stream" if wire is not None else f"event {payloads[0]!r:.200}"
        raise UsageError(f"recorded stream is neither chat completions nor responses: {found}")
    if api == CHAT_COMPLETIONS:
        _check_chat(payloads)
    else:
        _check_responses(payloads)
    reading = wire.read(frames)
    keys = list(dict.fromkeys(fragment.call for fragment in reading.tool_call_fragments))
    return Recorded(
        api,
        raw,
        parsed,
        names,
        eol,
        "".join(reading.text),
        list(reading.tool_calls),
        keys,
        reading.usage,
        reading.finish_reason if api == CHAT_COMPLETIONS else None,
        reading.model or "",
    )


def _check_chat(payloads: Sequence[dict[str, Any]]) -> None:
    """What re-chunking a chat stream cannot follow: other objects, several choices, logprobs."""
    odd = next((payload for payload in payloads if payload.get("object") != "chat.completion.chunk"), None)
    if odd is not None:
        raise UsageError(f"recorded stream is neither chat completions nor responses: event {odd!r:.200}")
    for payload in payloads:
        for choice in payload.get("choices") or []:
            if choice.get("index", 0) != 0:
                raise UsageError(f"recorded stream has several choices (n > 1), not supported: {choice!r:.200}")
            if choice.get("logprobs"):
                raise UsageError("recorded stream carries logprobs, which cannot follow other cuts")


def _check_responses(payloads: Sequence[dict[str, Any]]) -> None:
    """Re-chunking a responses stream re-cuts one content part, without logprobs."""
    for payload in payloads:
        if payload.get("type") == "response.output_text.delta" and payload.get("logprobs"):
            # Each delta's logprobs cover its own tokens; a re-cut delta cannot say which are its.
            raise UsageError("recorded responses stream carries logprobs, which cannot follow other cuts")
    parts = {
        (payload.get("item_id"), payload.get("content_index"))
        for payload in payloads
        if payload.get("type") == "response.output_text.delta"
    }
    if len(parts) > 1:
        raise UsageError(
            f"recorded responses stream has text in {len(parts)} content parts {sorted(parts, key=repr)!r}; "
            "re-chunking handles one"
        )
