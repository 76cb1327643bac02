"""Agents recorded from the local server, replayed offline: tool calls, tool results, answers, reasoning.

The cassettes in ``fixtures/agent_*.yaml`` and ``fixtures/reasoning*.yaml`` were recorded by these
tests with ``pytest --record --llm-server=local tests/test_agents.py``: the apps in
``examples/agents.py`` as a user writes them (default ``tool_choice``, nothing streamtest-specific),
the local llama.cpp server making a 270M model call a tool for real (see
``streamtest._server.shaping``). The golden transcripts beside them were written by the same run.

Each test reads the cassette the way ``cassette.interactions[i]`` tells it (the wire's tool calls,
finish reasons, usage, reasoning), checks the graph's stream against it, and pins the trajectory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langgraph.types import Command

from examples.agents import (
    QUESTION,
    approval_graph,
    reasoning_graph,
    reasoning_responses_graph,
    tool_graph,
    weather_agent,
    weather_agent_responses,
)
from streamtest import Cassette, StreamAssertionError, capture, play, trajectory_of
from streamtest._cassette.format import load_path
from streamtest._plugin.golden import GoldenTranscript
from streamtest._replay.cassette import open_cassette
from streamtest.assertions import tool_call

ASK = {"messages": [{"role": "user", "content": QUESTION}]}
TIME = {"messages": [{"role": "user", "content": "What time is it in Paris?"}]}


def check_tool_step_and_answer(cassette: Cassette, *, tool: str, finish: tuple[str, str]) -> None:
    """Interaction 1 streamed one tool call in fragments; interaction 2 answered in text and stopped."""
    call_step, answer_step = cassette.interactions
    (call,) = call_step.tool_calls
    assert call.name == tool and call.args == {"city": "Paris"}
    assert len(call.deltas) > 1 and "".join(call.deltas) == call.arguments
    assert call_step.finish_reason == finish[0] and not call_step.tokens
    assert answer_step.tokens and not answer_step.tool_calls and answer_step.finish_reason == finish[1]
    assert call_step.usage is not None and answer_step.usage is not None and not call_step.errors


@pytest.mark.streamtest(cassette="agent_react_chat")
def test_react_agent_over_chat_completions(cassette: Cassette, golden_transcript: GoldenTranscript) -> None:
    t = capture(weather_agent, ASK)
    check_tool_step_and_answer(cassette, tool="get_weather", finish=("tool_calls", "stop"))
    t.assert_tool_calls([tool_call("get_weather", city="Paris")])
    t.assert_trajectory(["get_weather"], mode="superset")
    assert t.trajectory.tool_steps[0].content == "Sunny, 21 C"
    assert t.trajectory.answer == cassette.interactions[1].text
    t.assert_conserves(cassette.interactions)
    golden_transcript.check(t)


@pytest.mark.streamtest(cassette="agent_react_responses")
def test_react_agent_over_the_responses_api(cassette: Cassette, golden_transcript: GoldenTranscript) -> None:
    t = capture(weather_agent_responses, ASK)
    check_tool_step_and_answer(cassette, tool="get_weather", finish=("completed", "completed"))
    t.assert_tool_calls([tool_call("get_weather", city="Paris")])
    assert [step.kind for step in t.trajectory] == ["model", "tool", "model"]
    assert t.trajectory.answer == cassette.interactions[1].text
    t.assert_conserves(cassette.interactions)
    golden_transcript.check(t)


@pytest.mark.streamtest(cassette="agent_tool_graph")
def test_hand_built_tool_node_graph(cassette: Cassette, golden_transcript: GoldenTranscript) -> None:
    t = capture(tool_graph, TIME, stream_mode=["messages", "updates"])
    check_tool_step_and_answer(cassette, tool="get_time", finish=("tool_calls", "stop"))
    t.mode("messages").assert_tool_calls([tool_call("get_time", city="Paris")])
    assert t.mode("updates").trajectory.tool_calls[0].args == {"city": "Paris"}  # the same, read from updates
    assert t.trajectory.tool_steps[0].content == "14:05"
    t.assert_conserves(cassette.interactions, mode="messages")
    golden_transcript.check(t)


@pytest.mark.streamtest(cassette="agent_approval")
def test_interrupt_before_the_tool_then_resume(cassette: Cassette, golden_transcript: GoldenTranscript) -> None:
    """One cassette serves both runs: the first stops at interrupt(), the second resumes and answers."""
    config: dict[str, Any] = {"configurable": {"thread_id": "approval-1"}}
    modes = ["messages", "updates"]
    first = capture(approval_graph, ASK, config=config, stream_mode=modes)
    assert [step.kind for step in first.trajectory] == ["model", "interrupt"]
    assert len(cassette.interactions) == 2 or cassette.recording
    second = capture(approval_graph, Command(resume=True), config=config, stream_mode=modes)
    both = trajectory_of(first, second)
    assert [step.kind for step in both] == ["model", "interrupt", "tool", "model"]
    assert both.tool_steps[0].tool_call_id == both.tool_calls[0].id == "<call:1>"
    assert both.tool_steps[0].content == "Sunny, 21 C"
    check_tool_step_and_answer(cassette, tool="get_weather", finish=("tool_calls", "stop"))
    # Each run streamed its own interaction: the tool call before the interrupt, the answer after.
    first.assert_conserves(cassette.interactions[:1], mode="messages")
    second.assert_conserves(cassette.interactions[1:], mode="messages")
    golden_transcript.check(first, name="first")
    golden_transcript.check(second, name="resumed")


@pytest.mark.streamtest(cassette="reasoning")
def test_reasoning_deltas_reach_their_own_lane(cassette: Cassette, golden_transcript: GoldenTranscript) -> None:
    t = capture(reasoning_graph, {"question": "Is Paris the capital of France?"}, stream_mode="custom")
    (interaction,) = cassette.interactions
    assert interaction.reasoning and interaction.tokens
    assert t.tagged("reasoning").text == interaction.reasoning
    t.tagged("answer").assert_conserves(cassette.interactions)
    assert t.final_state["reasoning"] == interaction.reasoning and t.final_state["answer"] == interaction.text
    golden_transcript.check(t)


@pytest.mark.streamtest(cassette="reasoning_responses")
def test_responses_reasoning_deltas_reach_their_own_lane(cassette: Cassette, golden_transcript: GoldenTranscript) -> None:
    """The Responses API's ``response.reasoning_text.delta`` events, recorded from the local server."""
    t = capture(reasoning_responses_graph, {"question": "Is Paris the capital of France?"}, stream_mode="custom")
    (interaction,) = cassette.interactions
    assert interaction.path == "/v1/responses"
    assert interaction.reasoning and interaction.tokens
    assert t.tagged("reasoning").text == interaction.reasoning
    t.tagged("answer").assert_conserves(cassette.interactions)
    assert t.final_state["reasoning"] == interaction.reasoning and t.final_state["answer"] == interaction.text
    golden_transcript.check(t)


# --------------------------------------------------------------------------- planted bugs on a recording


def without_fragment(response: dict[str, Any], fragment: str) -> dict[str, Any]:
    """The recorded response with the one event carrying the arguments fragment ``fragment`` taken out."""
    marker = b'"arguments":' + json.dumps(fragment).encode() + b"}"
    (kept_out,) = [i for i, chunk in enumerate(response["chunks"]) if marker in chunk]
    chunks = [chunk for i, chunk in enumerate(response["chunks"]) if i != kept_out]
    return {**response, "chunks": chunks, "offsets": None, "body": {"string": b"".join(chunks)}}


def test_planted_dropped_fragment_of_a_recorded_tool_call_is_pointed_at() -> None:
    """The recorded agent, served its recording minus the 'Paris' fragment: the call still parses (city ""),
    the agent runs on, and the assertions say what was lost and where."""
    path = Path(__file__).parent.parent / "fixtures" / "agent_react_chat.yaml"
    _, responses = load_path(path)
    recorded = open_cassette(path).interactions
    with play(without_fragment(responses[0], "Paris"), responses[1]):
        t = capture(weather_agent, ASK)
    with pytest.raises(StreamAssertionError) as caught:
        t.assert_tool_calls([tool_call("get_weather", city="Paris")])
    assert str(caught.value).startswith("tool calls differ at call 1: argument 'city' is '', expected 'Paris'")
    with pytest.raises(StreamAssertionError) as caught:
        t.assert_conserves(recorded)
    lines = str(caught.value).splitlines()
    assert lines[0].startswith(
        "interaction 1 of 2 (model 'gpt-4o-mini', prompt 'What is the weather in Paris?'): tool call 1 (get_weather) "
        "lost its arguments on the way: the fragments differ, in call 1 (messages, node 'model', tags [])"
    )
    sent = recorded[0].tool_calls[0].deltas
    at = sent.index("Paris")
    assert lines[1].startswith(f"first difference at fragment {at + 1} (provider sent 'Paris', graph streamed '\"}}')")
    caret = lines[4].index("^")
    assert lines[2][caret:].startswith("Paris|") and lines[3][caret:].startswith('"}|')
