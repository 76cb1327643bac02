"""Whole ``/v1/chat/completions`` SSE bodies: :func:`chat_completion_streams`.

The envelope (the JSON around each delta) copies what OpenAI and llama.cpp's
server send, key order included, so a generated stream is one the real SDK and
ChatOpenAI could have received.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from streamtest._exceptions import UsageError
from streamtest._strategies.arguments import as_strategy, check_bool, check_flavor, check_script_arguments, named
from streamtest._strategies.chunking import draw_chunking
from streamtest._strategies.encode import draw_id, written
from streamtest._strategies.ground_truth import DEFAULT_TEXTS, draw_calls, draw_usage
from streamtest._strategies.types import (
    CHAT_COMPLETIONS,
    DEFAULT_MODEL,
    FLAVORS,
    Flavor,
    GeneratedStream,
    ToolCall,
)
from streamtest._wire.base import Script
from streamtest._wire.openai_chat import OPENAI_CHAT, ChatEnvelope

__all__ = ["chat_completion_streams"]


def _draw_schedule(draw: Callable[[SearchStrategy[Any]], Any], counts: Sequence[int]) -> list[int]:
    """An interleaving of the tool calls' chunks: headers in index order (call i starts after
    call i-1 started), the argument cuts of started calls mixed. Choice 0 is the earliest
    call, so this shrinks to the sequential order."""
    remaining = list(counts)
    schedule: list[int] = []
    started = 0
    while any(remaining):
        live = [i for i in range(min(started + 1, len(remaining))) if remaining[i]]
        chosen = live[draw(st.integers(0, len(live) - 1))]
        started = max(started, chosen + 1)
        remaining[chosen] -= 1
        schedule.append(chosen)
    return schedule


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
    envelope = ChatEnvelope(
        flavor="llama.cpp" if flavor == "llama.cpp" else "openai",
        id=draw_id(draw, "chatcmpl-", 29),
        created=draw(st.integers(1_700_000_000, 1_800_000_000)),
        fingerprint="b0-unknown" if flavor == "llama.cpp" else draw_id(draw, "fp_", 10),
    )
    finish = finish_reason if finish_reason is not None else ("tool_calls" if calls else "stop")
    script = Script(text=tuple(deltas), tool_calls=calls, finish_reason=finish, model=model)
    schedule = _draw_schedule(draw, OPENAI_CHAT.tool_call_events(script, envelope)) if interleaved else None
    if with_usage:
        completion = sum(1 for piece in deltas if piece) + sum(len(call.deltas) + 1 for call in calls)
        script = Script(
            text=script.text, tool_calls=calls, usage=draw_usage(draw, completion), finish_reason=finish, model=model
        )
    return written(OPENAI_CHAT, OPENAI_CHAT.write(script, envelope, schedule), script, api=CHAT_COMPLETIONS)


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
    check_script_arguments(text=text, tool_calls=tool_calls, model=model, max_size=max_size, empty_deltas=empty_deltas)
    check_bool("usage", usage, allow_none=True)
    if finish_reason is not None and (not isinstance(finish_reason, str) or not finish_reason):
        raise UsageError(f"finish_reason={finish_reason!r} must be None or a non-empty str")
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
