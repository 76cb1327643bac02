"""Whole ``/v1/chat/completions`` SSE bodies: :func:`chat_completion_streams`.

The envelope (the JSON around each delta) copies what OpenAI and llama.cpp's
server send, key order included, so a generated stream is one the real SDK and
ChatOpenAI could have received.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from streamtest._exceptions import UsageError
from streamtest._strategies._arguments import (
    as_strategy,
    check_bool,
    check_flavor,
    check_max_size,
    check_model,
    check_strategy,
    check_text,
    named,
)
from streamtest._strategies._chunking import draw_chunking
from streamtest._strategies._encode import B62, draw_id, dumps, encode_all
from streamtest._strategies._ground_truth import DEFAULT_TEXTS, draw_calls, draw_usage
from streamtest._strategies._types import (
    CHAT_COMPLETIONS,
    DEFAULT_MODEL,
    DONE,
    FLAVORS,
    Flavor,
    GeneratedStream,
    ToolCall,
    Usage,
)

__all__ = ["chat_completion_streams"]


@dataclass(frozen=True)
class _ChatEnvelope:
    flavor: str
    id: str
    created: int
    model: str
    fingerprint: str
    include_usage: bool

    def chunk(
        self, delta: dict[str, Any] | None, finish_reason: str | None = None, usage: Any = None
    ) -> dict[str, Any]:
        choices = [] if delta is None else [self.choice(delta, finish_reason)]
        if self.flavor == "llama.cpp":
            payload: dict[str, Any] = {
                "choices": choices,
                "created": self.created,
                "id": self.id,
                "model": self.model,
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
            "model": self.model,
            "service_tier": "default",
            "system_fingerprint": self.fingerprint,
            "choices": choices,
        }
        if self.include_usage:
            payload["usage"] = usage
        # OpenAI pads every chunk with an "obfuscation" field of varying length.
        payload["obfuscation"] = B62[: 1 + (len(json.dumps(delta)) * 7) % 16]
        return payload

    def choice(self, delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
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


@named("chat_completion_streams")
def _chat_completion_streams(
    draw: Callable[[SearchStrategy[Any]], Any],
    text: str | SearchStrategy[str] | None = None,
    *,
    tool_calls: SearchStrategy[Sequence[ToolCall]] | None = None,
    usage: bool | None = None,
    finish_reason: str | None = None,
    model: str = DEFAULT_MODEL,
    max_size: int | None = None,
    empty_deltas: bool = True,
    interleaved: bool = False,
    flavor: str | None = None,
) -> GeneratedStream:
    value = draw(as_strategy(text, DEFAULT_TEXTS))
    deltas = draw_chunking(draw, value, max_size=max_size, empty_deltas=empty_deltas)
    calls = draw_calls(draw, tool_calls, max_size=max_size)
    with_usage = draw(st.booleans()) if usage is None else usage
    flavor = draw(st.sampled_from(FLAVORS)) if flavor is None else flavor
    envelope = _ChatEnvelope(
        flavor=flavor,
        id=draw_id(draw, "chatcmpl-", 29),
        created=draw(st.integers(1_700_000_000, 1_800_000_000)),
        model=model,
        fingerprint="b0-unknown" if flavor == "llama.cpp" else draw_id(draw, "fp_", 10),
        include_usage=with_usage,
    )
    finish = finish_reason if finish_reason is not None else ("tool_calls" if calls else "stop")

    payloads: list[dict[str, Any]] = []
    role: dict[str, Any] = {"role": "assistant", "content": None}
    if envelope.flavor == "openai" and (value or not calls):
        role["content"] = ""
    if envelope.flavor == "openai":
        role["refusal"] = None
    headers = [
        {"index": index, "id": call.id, "type": "function", "function": {"name": call.name, "arguments": ""}}
        for index, call in enumerate(calls)
    ]
    # OpenAI sends the first tool-call header in the role chunk when there is no text.
    first_header_in_role = bool(calls) and not value and envelope.flavor == "openai"
    if first_header_in_role:
        role["tool_calls"] = [headers[0]]
    payloads.append(envelope.chunk(role))
    payloads.extend(envelope.chunk({"content": piece}) for piece in deltas)

    per_call: list[list[dict[str, Any]]] = []
    for index, call in enumerate(calls):
        call_events = (
            [] if (index == 0 and first_header_in_role) else [envelope.chunk({"tool_calls": [headers[index]]})]
        )
        call_events.extend(
            envelope.chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
            for piece in call.deltas
        )
        per_call.append(call_events)
    if interleaved:
        # Headers keep index order (call i starts after call i-1 started); the
        # argument deltas of started calls mix. Choice 0 is the earliest call,
        # so this shrinks to the sequential order.
        started = 0
        while any(per_call):
            live = [i for i in range(min(started + 1, len(per_call))) if per_call[i]]
            chosen = live[draw(st.integers(0, len(live) - 1))]
            started = max(started, chosen + 1)
            payloads.append(per_call[chosen].pop(0))
    else:
        for call_events in per_call:
            payloads.extend(call_events)

    payloads.append(envelope.chunk({}, finish))
    drawn_usage = None
    if with_usage:
        completion = sum(1 for piece in deltas if piece) + sum(len(call.deltas) + 1 for call in calls)
        drawn_usage = draw_usage(draw, completion)
        payloads.append(envelope.chunk(None, usage=envelope.usage(drawn_usage)))

    events = tuple((None, dumps(payload)) for payload in payloads) + ((None, DONE),)
    return GeneratedStream(
        chunks=encode_all(events),
        api=CHAT_COMPLETIONS,
        deltas=tuple(deltas),
        tool_calls=calls,
        usage=drawn_usage,
        finish_reason=finish,
        model=model,
        events=events,
    )


def chat_completion_streams(
    text: str | SearchStrategy[str] | None = None,
    *,
    tool_calls: SearchStrategy[Sequence[ToolCall]] | None = None,
    usage: bool | None = None,
    finish_reason: str | None = None,
    model: str = DEFAULT_MODEL,
    max_size: int | None = None,
    empty_deltas: bool = True,
    interleaved: bool = False,
    flavor: Flavor | None = None,
) -> SearchStrategy[GeneratedStream]:
    """Complete ``/v1/chat/completions`` streams (``stream=True``) as SSE bodies.

    Each stream is: the role chunk, the content of ``text`` (a str, a strategy
    of str, or by default short model-like texts with emoji and CJK) cut by
    :func:`chunkings`, one header delta per tool call (``index``, ``id``,
    name, ``arguments: ""``) followed by its JSON arguments cut at arbitrary
    code points, the ``finish_reason`` chunk (default ``"tool_calls"`` when
    there are tool calls, else ``"stop"``), the usage chunk
    (``choices: []``) of ``stream_options.include_usage`` (``usage=None``
    draws whether there is one), and ``data: [DONE]``.

    ``tool_calls`` draws the calls, e.g. ``st.lists(tool_calls(), max_size=3)``
    (a repeated call id is replaced: ids are unique within a response); with
    ``interleaved`` the argument deltas of different calls are mixed (each
    call's own order kept, headers in index order). ``flavor`` fixes the chunk JSON to what OpenAI or
    llama.cpp's server sends (key order, ``usage: null``, ``obfuscation``,
    ``timings``); ``None`` draws it. ``max_size`` bounds the deltas of the
    content and of each call's arguments.

    Shrinks towards one content delta, no tool calls' cuts, no usage chunk.
    """
    check_text("text", text)
    check_strategy("tool_calls", tool_calls)
    check_bool("usage", usage, allow_none=True)
    if finish_reason is not None and (not isinstance(finish_reason, str) or not finish_reason):
        raise UsageError(f"finish_reason={finish_reason!r} must be None or a non-empty str")
    check_model(model)
    check_max_size(max_size)
    check_bool("empty_deltas", empty_deltas)
    check_bool("interleaved", interleaved)
    check_flavor(flavor)
    return _chat_completion_streams(
        text,
        tool_calls=tool_calls,
        usage=usage,
        finish_reason=finish_reason,
        model=model,
        max_size=max_size,
        empty_deltas=empty_deltas,
        interleaved=interleaved,
        flavor=flavor,
    )
