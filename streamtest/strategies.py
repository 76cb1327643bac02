"""Hypothesis strategies for LLM token streams (public API).

    from hypothesis import given, strategies as st
    from streamtest import play
    from streamtest.strategies import chat_completion_streams, sse_variations

    @given(sse_variations(chat_completion_streams("Why was the cat sitting on the computer?")))
    def test_tokens_add_up(stream):
        with play(stream):
            ...

Every strategy draws a :class:`GeneratedStream`, a cassette nobody recorded:
``.chunks`` is what ``streamtest.play`` serves, the other fields are the ground
truth it was built from (text, deltas, tool calls, usage, JSON payloads).
See :mod:`streamtest._strategies` for how each one shrinks.
"""

from __future__ import annotations

import inspect

from streamtest._profiles import CI_PROFILE, DEV_PROFILE, load_ci_profile_if_ci, register_profiles
from streamtest._strategies.agent import AgentLoop, agent_loops
from streamtest._strategies.anthropic import anthropic_streams
from streamtest._strategies.bedrock import bedrock_streams
from streamtest._strategies.chat import chat_completion_streams
from streamtest._strategies.chunking import chunkings
from streamtest._strategies.faults import fault_plans, faults
from streamtest._strategies.gemini import gemini_streams
from streamtest._strategies.ollama import ollama_streams
from streamtest._strategies.rechunk import rechunkings
from streamtest._strategies.responses import responses_streams
from streamtest._strategies.sse_variations import sse_variations
from streamtest._strategies.tool_calls import json_objects, tool_calls
from streamtest._strategies.types import Chunking, GeneratedStream, ToolCall, Usage

__all__ = [
    "CI_PROFILE",
    "DEV_PROFILE",
    "AgentLoop",
    "Chunking",
    "GeneratedStream",
    "ToolCall",
    "Usage",
    "agent_loops",
    "anthropic_streams",
    "bedrock_streams",
    "chat_completion_streams",
    "chunkings",
    "fault_plans",
    "faults",
    "gemini_streams",
    "json_objects",
    "load_ci_profile_if_ci",
    "ollama_streams",
    "rechunkings",
    "register_profiles",
    "responses_streams",
    "sse_variations",
    "tool_calls",
]

# Public functions report the public module, as httpx's do. Classes keep theirs: ToolCall and Usage
# are the wire layer's own types, shared with the cassette views and transcripts.
for _name in __all__:
    _value = globals()[_name]
    if inspect.isfunction(_value):
        _value.__module__ = __name__
del _name, _value
