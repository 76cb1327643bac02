"""Hand-cut Chat Completions streams for agent tests: one SSE event per chunk, as llama.cpp sends them.

Property tests draw their streams (``streamtest.strategies.agent_loops``); these
fixed ones let a test plant one exact bug (a dropped fragment, a wrong name).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

__all__ = ["Call", "chat_stream"]

Call = tuple[str, str, Sequence[str]]
"""``(name, id, argument fragments)``."""


def _event(payload: Any) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


def chat_stream(
    text: Sequence[str] = (), calls: Sequence[Call] = (), *, usage: tuple[int, int] | None = (20, 5)
) -> list[bytes]:
    """A stream that says ``text`` (deltas), then makes ``calls``, then reports ``usage`` (prompt, completion)."""

    def chunk(delta: dict[str, Any] | None, finish: str | None = None, **extra: Any) -> bytes:
        choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
        return _event({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": choices, **extra})

    out = [chunk({"role": "assistant", "content": None})]
    out += [chunk({"content": piece}) for piece in text]
    for index, (name, call_id, fragments) in enumerate(calls):
        first, *rest = fragments or [""]
        out.append(chunk({"tool_calls": [{"index": index, "id": call_id, "type": "function", "function": {"name": name, "arguments": first}}]}))
        out += [chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}) for piece in rest]
    out.append(chunk({}, "tool_calls" if calls else "stop"))
    if usage is not None:
        prompt, completion = usage
        out.append(chunk(None, usage={"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}))
    out.append(b"data: [DONE]\n\n")
    return out
