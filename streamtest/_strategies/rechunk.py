"""A recorded stream cut at other boundaries: :func:`rechunkings`.

Only the content and argument delta events are replaced; every other recorded
event is kept byte for byte, so a recording becomes a family of streams that
differ from it only where a provider could have differed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from hypothesis.strategies import SearchStrategy

from streamtest._strategies.arguments import check_bool, check_max_size, named
from streamtest._strategies.chunking import draw_chunking
from streamtest._strategies.recorded import Recorded, take_apart
from streamtest._strategies.types import CHAT_COMPLETIONS, GeneratedStream
from streamtest._wire.base import compact_json
from streamtest._wire.sse import encode_event, parse_event

__all__ = ["rechunkings"]

_Planned = tuple[bytes | None, str | None, Any]  # (recorded bytes to keep | None, event name, payload)


def _chat_delta(payload: Any) -> dict[str, Any] | None:
    if not isinstance(payload, dict):
        return None
    choices = payload.get("choices") or []
    if not choices:
        return None
    return choices[0].get("delta") or {}


def _is_content_only(payload: Any) -> bool:
    delta = _chat_delta(payload)
    return (
        delta is not None
        and set(delta) <= {"content"}
        and isinstance(delta.get("content"), str)
        and payload["choices"][0].get("finish_reason") is None
    )


def _args_only_index(payload: Any) -> int | None:
    delta = _chat_delta(payload)
    if delta is None or set(delta) != {"tool_calls"} or len(delta["tool_calls"] or []) != 1:
        return None
    call = delta["tool_calls"][0]
    if set(call) != {"index", "function"} or set(call["function"] or {}) != {"arguments"}:
        return None
    if payload["choices"][0].get("finish_reason") is not None:
        return None
    return int(call["index"])


def _rechunk_chat(rec: Recorded, deltas: Sequence[str], arguments: dict[Any, tuple[str, ...]]) -> list[_Planned]:
    """The recorded events with the content and argument deltas replaced by ``deltas``/``arguments``.

    The new content deltas go where the first content delta was, each tool
    call's argument deltas right after its header; they copy the JSON of the
    event they replace. A chunk that mixes content or arguments with other
    fields (role, a tool-call header, finish_reason) is kept with those emptied.
    """
    out: list[_Planned] = []
    content_placed = False
    args_placed: set[Any] = set()

    def content_events(template: Any, name: str | None) -> list[_Planned]:
        events: list[_Planned] = []
        for piece in deltas:
            payload = copy.deepcopy(template)
            payload["choices"][0]["delta"] = {"content": piece}
            payload["choices"][0]["finish_reason"] = None
            events.append((None, name, payload))
        return events

    def args_events(template: Any, name: str | None, index: Any) -> list[_Planned]:
        events: list[_Planned] = []
        for piece in arguments.get(index, ()):
            payload = copy.deepcopy(template)
            payload["choices"][0]["delta"] = {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
            payload["choices"][0]["finish_reason"] = None
            events.append((None, name, payload))
        return events

    for raw, payload, name in zip(rec.raw, rec.parsed, rec.names, strict=True):
        if _is_content_only(payload):
            if not content_placed:
                out.extend(content_events(payload, name))
                content_placed = True
            continue
        index = _args_only_index(payload)
        if index is not None:
            if index not in args_placed:
                out.extend(args_events(payload, name, index))
                args_placed.add(index)
            continue
        delta = _chat_delta(payload)
        if not delta:
            out.append((raw, name, payload))
            continue
        changed = copy.deepcopy(payload)
        new_delta = changed["choices"][0]["delta"]
        pending: list[_Planned] = []
        if isinstance(new_delta.get("content"), str) and new_delta["content"]:
            new_delta["content"] = ""
            if not content_placed:
                pending.extend(content_events(payload, name))
                content_placed = True
        for call in new_delta.get("tool_calls") or []:
            function = call.get("function") or {}
            if function.get("arguments"):
                function["arguments"] = ""
            if call["index"] not in args_placed:
                pending.extend(args_events(payload, name, call["index"]))
                args_placed.add(call["index"])
        kept = (raw if changed == payload else None, name, changed)
        finishes = changed["choices"][0].get("finish_reason") is not None
        out.extend([*pending, kept] if finishes else [kept, *pending])
    return out


def _rechunk_responses(rec: Recorded, deltas: Sequence[str], arguments: dict[Any, tuple[str, ...]]) -> list[_Planned]:
    """The recorded events with text and argument delta events replaced; sequence numbers renumbered."""
    out: list[_Planned] = []
    text_placed = False
    args_placed: set[Any] = set()
    for raw, payload, name in zip(rec.raw, rec.parsed, rec.names, strict=True):
        kind = payload.get("type") if isinstance(payload, dict) else None
        if kind == "response.output_text.delta":
            if not text_placed:
                out.extend((None, name, {**payload, "delta": piece}) for piece in deltas)
                text_placed = True
            continue
        if kind == "response.function_call_arguments.delta":
            if payload["item_id"] not in args_placed:
                out.extend((None, name, {**payload, "delta": piece}) for piece in arguments[payload["item_id"]])
                args_placed.add(payload["item_id"])
            continue
        out.append((raw, name, payload))
    number = 0
    renumbered: list[_Planned] = []
    for recorded_bytes, name, payload in out:
        if isinstance(payload, dict) and "sequence_number" in payload:
            if payload["sequence_number"] != number:
                recorded_bytes, payload = None, {**payload, "sequence_number": number}
            number += 1
        renumbered.append((recorded_bytes, name, payload))
    return renumbered


@named("rechunkings")
def _rechunkings(
    draw: Callable[[SearchStrategy[Any]], Any],
    recorded: Any,
    *,
    max_size: int | None = None,
    empty_deltas: bool = True,
    arguments: bool = True,
) -> GeneratedStream:
    rec: Recorded = recorded.parsed
    deltas = draw_chunking(draw, rec.text, max_size=max_size, empty_deltas=empty_deltas)
    calls = [
        replace(call, deltas=tuple(draw_chunking(draw, call.arguments, max_size=max_size, empty_deltas=False)))
        if arguments
        else call
        for call in rec.calls
    ]
    by_key = {key: call.deltas for key, call in zip(rec.call_keys, calls, strict=True)}
    rechunk = _rechunk_chat if rec.api == CHAT_COMPLETIONS else _rechunk_responses
    chunks: list[bytes] = []
    events: list[tuple[str | None, str]] = []
    for raw, name, payload in rechunk(rec, deltas, by_key):
        if raw is not None:
            chunks.append(raw)
            data = parse_event(raw).data
            if data is not None:
                events.append((name, data))
            continue
        data = compact_json(payload)
        chunks.append(encode_event(data, event=name, eol=rec.eol))
        events.append((name, data))
    return GeneratedStream(
        chunks=tuple(chunks),
        api=rec.api,
        deltas=tuple(deltas),
        tool_calls=tuple(calls),
        usage=rec.usage,
        finish_reason=rec.finish_reason,
        model=rec.model,
        events=tuple(events),
    )


class _RecordedArgument:
    """The recorded stream, parsed once when the strategy is built; prints as a short summary."""

    def __init__(self, original: object, parsed: Recorded) -> None:
        self.original = original
        self.parsed = parsed

    def __repr__(self) -> str:
        if isinstance(self.original, GeneratedStream):
            return repr(self.original)
        rec = self.parsed
        return f"<recorded {rec.api} stream: {len(rec.raw)} events, text {_shorten(rec.text)!r}>"


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def rechunkings(
    recorded: bytes | Sequence[bytes] | GeneratedStream,
    *,
    max_size: int | None = None,
    empty_deltas: bool = True,
    arguments: bool = True,
) -> SearchStrategy[GeneratedStream]:
    """A recorded stream cut at other boundaries: same content, same tool calls, other deltas.

    ``recorded`` is a chat-completions or responses SSE body, the list of its
    event chunks (as a cassette stores them), or a :class:`GeneratedStream`.
    The recorded text and each tool call's JSON arguments are re-cut with
    :func:`chunkings`; every other event (role, headers, finish, usage,
    ``[DONE]``, keep-alives, ``response.*`` bookkeeping) is kept byte for byte,
    and the re-cut deltas reuse the JSON of the recorded delta events (id,
    created, model, extra fields), so a recording becomes a family of streams.
    ``sequence_number`` is renumbered in responses streams. With
    ``arguments=False`` tool-call arguments keep their recorded cuts.

    The recording is parsed here, so a body that is not one of those streams
    (several choices, logprobs, not JSON) raises ``UsageError`` at once.

    Shrinks towards the text in one delta; the recorded cuts themselves are
    one of the possible draws, not a guaranteed one.
    """
    parsed = take_apart(recorded)
    check_max_size(max_size)
    check_bool("empty_deltas", empty_deltas)
    check_bool("arguments", arguments)
    return _rechunkings(
        _RecordedArgument(recorded, parsed), max_size=max_size, empty_deltas=empty_deltas, arguments=arguments
    )
