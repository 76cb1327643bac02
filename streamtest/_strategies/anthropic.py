"""Whole Anthropic Messages SSE bodies: :func:`anthropic_streams`.

The script is drawn as for every format (:func:`~.ground_truth.draw_script`);
the events are written by :mod:`streamtest._wire.anthropic`, so a generated
stream is one the real ``anthropic`` SDK and ChatAnthropic could have received.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from streamtest._strategies.arguments import check_bool, check_script_arguments, named
from streamtest._strategies.encode import draw_id, written
from streamtest._strategies.ground_truth import draw_script
from streamtest._strategies.types import ANTHROPIC_MESSAGES, GeneratedStream, ToolCall
from streamtest._wire.anthropic import ANTHROPIC

__all__ = ["anthropic_streams"]

DEFAULT_CLAUDE = "claude-sonnet-4-5"


@named("anthropic_streams")
def _anthropic_streams(
    draw: Callable[[SearchStrategy[Any]], Any],
    text: str | SearchStrategy[str] | None = None,
    *,
    tool_calls: SearchStrategy[Sequence[ToolCall]] | None = None,
    reasoning: str | SearchStrategy[str] | None = None,
    model: str = DEFAULT_CLAUDE,
    max_size: int | None = None,
    empty_deltas: bool = False,
    ping: bool | None = None,
) -> GeneratedStream:
    script = draw_script(
        draw,
        text,
        tool_calls=tool_calls,
        reasoning=reasoning,
        model=model,
        max_size=max_size,
        empty_deltas=empty_deltas,
        call_id_prefix="toolu_",
    )
    message_id = draw_id(draw, "msg_", 24)
    signature = draw_id(draw, "Eq", 64) if script.reasoning else ""
    with_ping = draw(st.booleans()) if ping is None else ping
    frames = ANTHROPIC.write(script, message_id=message_id, signature=signature, ping=with_ping)
    return written(ANTHROPIC, frames, script, api=ANTHROPIC_MESSAGES)


def anthropic_streams(
    text: str | SearchStrategy[str] | None = None,
    *,
    tool_calls: SearchStrategy[Sequence[ToolCall]] | None = None,
    reasoning: str | SearchStrategy[str] | None = None,
    model: str = DEFAULT_CLAUDE,
    max_size: int | None = None,
    empty_deltas: bool = False,
    ping: bool | None = None,
) -> SearchStrategy[GeneratedStream]:
    """Complete Anthropic Messages streams (``POST /v1/messages``, ``stream: true``) as SSE bodies.

    ``message_start`` (with the input usage), a ``thinking`` block when ``reasoning``
    is given (its text cut into ``thinking_delta`` events, then a ``signature_delta``),
    a ``ping`` after the first block starts (``ping=None`` draws whether there is one),
    a text block of ``text`` cut by :func:`chunkings` (unless the response is tool calls
    only), one ``tool_use`` block per call with its JSON arguments cut into
    ``input_json_delta`` events (ids ``toolu_...``), ``message_delta`` with the stop
    reason (``tool_use`` or ``end_turn``) and output count, ``message_stop``. Every event
    has its ``event:`` line, which the SDK requires. Anthropic sends no empty text
    deltas, so ``empty_deltas`` is off by default.

    Shrinks towards one text delta, no thinking, no ping.
    """
    check_script_arguments(
        text=text, tool_calls=tool_calls, reasoning=reasoning, model=model, max_size=max_size, empty_deltas=empty_deltas
    )
    check_bool("ping", ping, allow_none=True)
    return _anthropic_streams(
        text,
        tool_calls=tool_calls,
        reasoning=reasoning,
        model=model,
        max_size=max_size,
        empty_deltas=empty_deltas,
        ping=ping,
    )
