"""Whole Bedrock ConverseStream bodies (AWS event-stream frames): :func:`bedrock_streams`.

The script is drawn as for every format (:func:`~.ground_truth.draw_script`);
the frames are written by :mod:`streamtest._wire.bedrock` and encoded by the
event-stream framing, CRCs included, so botocore decodes them as it decodes AWS's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from streamtest._strategies.arguments import check_script_arguments, named
from streamtest._strategies.encode import draw_id, written
from streamtest._strategies.ground_truth import draw_script
from streamtest._strategies.types import BEDROCK_CONVERSE, GeneratedStream, ToolCall
from streamtest._wire.bedrock import BEDROCK

__all__ = ["bedrock_streams"]

DEFAULT_BEDROCK = "anthropic.claude-3-haiku-20240307-v1:0"


@named("bedrock_streams")
def _bedrock_streams(
    draw: Callable[[SearchStrategy[Any]], Any],
    text: str | SearchStrategy[str] | None = None,
    *,
    tool_calls: SearchStrategy[Sequence[ToolCall]] | None = None,
    reasoning: str | SearchStrategy[str] | None = None,
    model: str = DEFAULT_BEDROCK,
    max_size: int | None = None,
    empty_deltas: bool = False,
) -> GeneratedStream:
    script = draw_script(
        draw,
        text,
        tool_calls=tool_calls,
        reasoning=reasoning,
        model=model,
        max_size=max_size,
        empty_deltas=empty_deltas,
        call_id_prefix="tooluse_",
    )
    signature = draw_id(draw, "Eq", 48) if script.reasoning else ""
    frames = BEDROCK.write(script, signature=signature, latency_ms=draw(st.integers(50, 5000)))
    return written(BEDROCK, frames, script, api=BEDROCK_CONVERSE)


def bedrock_streams(
    text: str | SearchStrategy[str] | None = None,
    *,
    tool_calls: SearchStrategy[Sequence[ToolCall]] | None = None,
    reasoning: str | SearchStrategy[str] | None = None,
    model: str = DEFAULT_BEDROCK,
    max_size: int | None = None,
    empty_deltas: bool = False,
) -> SearchStrategy[GeneratedStream]:
    """Complete Bedrock ConverseStream responses as AWS event-stream frames, one per chunk.

    ``messageStart``, a reasoning block when ``reasoning`` is given (its text cut into
    ``reasoningContent`` deltas, then a signature), the text of ``text`` cut by
    :func:`chunkings` into ``contentBlockDelta`` events (unless the response is tool
    calls only), one ``toolUse`` block per call (``contentBlockStart`` with its
    ``tooluse_...`` id and name, then its JSON arguments cut into input deltas),
    ``messageStop`` (``tool_use`` or ``end_turn``) and ``metadata`` with the usage.
    The model is named by the request path, not the stream. The local llama.cpp server
    does not speak this API; ``streamtest.play`` serves these through boto3.

    Shrinks towards one text delta, no reasoning.
    """
    check_script_arguments(
        text=text, tool_calls=tool_calls, reasoning=reasoning, model=model, max_size=max_size, empty_deltas=empty_deltas
    )
    return _bedrock_streams(
        text, tool_calls=tool_calls, reasoning=reasoning, model=model, max_size=max_size, empty_deltas=empty_deltas
    )
