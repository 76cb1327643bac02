"""Hypothesis strategies for LLM token streams.

A recorded cassette shows one way a provider split a text; production sees
others. These strategies generate the others, as complete SSE bodies that go
through the same replay path as a recording (``streamtest.play``), so the real
``openai`` SDK parses them, ChatOpenAI turns them into message chunks and
LangGraph streams them.

Everything here is pure: strategies draw Python values and encode them with
:mod:`streamtest._wire.sse`. Nothing imports openai, langchain or langgraph.

Layers, each usable alone, each in its own module::

    _chunking        chunkings(text)                 how one text is cut into deltas
    _tool_calls      tool_calls()                    a function name and its JSON arguments
    _chat            chat_completion_streams(text)   a whole /v1/chat/completions SSE body
    _responses       responses_streams(text)         a whole /v1/responses SSE body
    _rechunk         rechunkings(recorded)           a recorded body, same content, other cuts
    _sse_variations  sse_variations(streams)         the same events, encoded as other servers do
    _agent           agent_loops(turns, answer)      one stream per model call of a tool-calling agent
    _faults          faults(cassette), fault_plans   what goes wrong on which call of a recording
                                                     (streamtest._replay.faults)

Beneath them, imported in one direction only: ``_types`` (the drawn values and
their reprs) and ``_arguments`` (validation, strategy naming) are leaves;
``_wire`` writes JSON, ids and events as OpenAI does; ``_ground_truth`` draws
what a stream says for both APIs; ``_recorded`` takes a recording apart.
``streamtest.strategies`` re-exports this package's ``__all__``.

Shrinking: every random decision is drawn so that its simplest value means
"nothing special": no cut, no empty delta, no keep-alive, LF line endings, one
network chunk per event. A failing example therefore shrinks towards few,
plain chunks, and prints as ``GeneratedStream('Why| was| the| cat')``.
"""

from __future__ import annotations

from streamtest._strategies._agent import AgentLoop, agent_loops
from streamtest._strategies._chat import chat_completion_streams
from streamtest._strategies._chunking import chunkings
from streamtest._strategies._faults import fault_plans, faults
from streamtest._strategies._rechunk import rechunkings
from streamtest._strategies._responses import responses_streams
from streamtest._strategies._sse_variations import sse_variations
from streamtest._strategies._tool_calls import json_objects, tool_calls
from streamtest._strategies._types import Chunking, GeneratedStream, ToolCall, Usage

__all__ = [
    "AgentLoop",
    "Chunking",
    "GeneratedStream",
    "ToolCall",
    "Usage",
    "agent_loops",
    "chat_completion_streams",
    "chunkings",
    "fault_plans",
    "faults",
    "json_objects",
    "rechunkings",
    "responses_streams",
    "sse_variations",
    "tool_calls",
]
