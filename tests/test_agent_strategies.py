"""Property tests over whole agent loops: whatever the chunking, the agent calls the tool once and answers."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from examples.agents import QUESTION, tool_graph, weather_agent, weather_agent_responses
from streamtest import UsageError, capture, play
from streamtest.assertions import tool_call
from streamtest.strategies import AgentLoop, ToolCall, agent_loops, tool_calls

ASK = {"messages": [{"role": "user", "content": QUESTION}]}
PARIS_LOOP = agent_loops([[("get_weather", {"city": "Paris"})]])


@settings(deadline=None)
@given(PARIS_LOOP)
def test_whatever_the_chunking_the_agent_calls_get_weather_once_and_answers(loop: AgentLoop) -> None:
    with play(*loop) as cassette:
        t = capture(weather_agent, ASK)
    t.assert_tool_calls([tool_call("get_weather", city="Paris")])
    assert t.trajectory.tool_steps[0].content == "Sunny, 21 C"
    assert t.trajectory.answer == loop.answer
    t.assert_conserves(cassette.interactions)


@settings(deadline=None, max_examples=40)
@given(agent_loops([[("get_weather", {"city": "Paris"})]], api="responses"))
def test_the_same_over_the_responses_api(loop: AgentLoop) -> None:
    with play(*loop) as cassette:
        t = capture(weather_agent_responses, ASK)
    t.assert_tool_calls([tool_call("get_weather", city="Paris")])
    assert t.trajectory.answer == loop.answer
    t.assert_conserves(cassette.interactions)


NAMES = st.sampled_from(["get_weather", "get_time"])
CITIES = st.fixed_dictionaries({"city": st.sampled_from(["Paris", "London", "Tokyo"])})


@settings(deadline=None, max_examples=40)
@given(
    st.integers(1, 2).flatmap(
        lambda n: agent_loops([st.lists(tool_calls(names=NAMES, arguments=CITIES), min_size=1, max_size=2)] * n)
    )
)
def test_drawn_tool_turns_reach_the_trajectory_turn_by_turn(loop: AgentLoop) -> None:
    with play(*loop) as cassette:
        t = capture(tool_graph, ASK)
    t.assert_trajectory([[tool_call(c.name, args=c.args) for c in turn] for turn in loop.turns])
    assert len({call.id for call in loop.tool_calls}) == len(loop.tool_calls)
    assert [step.tool_call_id for step in t.trajectory.tool_steps] == [call.id for call in t.tool_calls]
    t.assert_conserves(cassette.interactions)


def test_loop_values_and_arguments() -> None:
    loop = AgentLoop(())
    assert len(loop) == 0
    with pytest.raises(UsageError, match="one entry per tool-call turn"):
        agent_loops("get_weather")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="must be a list of tool calls"):
        agent_loops([("get_weather", {"city": "Paris"})])  # type: ignore[list-item]
    with pytest.raises(UsageError, match="has no tool call"):
        agent_loops([[]])
    with pytest.raises(UsageError, match="is not a tool call"):
        agent_loops([["get_weather"]])  # type: ignore[list-item]
    with pytest.raises(UsageError, match="api='anthropic'"):
        agent_loops([], api="anthropic")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match=r"apply to api='chat\.completions'"):
        agent_loops([], api="responses", usage=True)
    assert repr(agent_loops([[ToolCall("get_weather", "{}")]], answer="ok")).startswith("agent_loops(")
    with pytest.raises(TypeError):  # answer is keyword-only, as every other option
        agent_loops([[ToolCall("get_weather", "{}")]], "ok")  # type: ignore[misc]


@given(agent_loops([[("get_weather", {"city": "Paris"})], [("get_time", {"city": "Paris"})]], answer="Bye."))
def test_a_loop_holds_its_ground_truth(loop: AgentLoop) -> None:
    assert [[c.name for c in turn] for turn in loop.turns] == [["get_weather"], ["get_time"]]
    assert [c.args for c in loop.tool_calls] == [{"city": "Paris"}, {"city": "Paris"}]
    assert all("".join(c.deltas) == c.arguments for c in loop.tool_calls)
    assert loop.answer == "Bye." and len(loop) == 3
    assert json.loads(loop.streams[0].tool_calls[0].arguments) == {"city": "Paris"}
    assert repr(loop).startswith("AgentLoop([get_weather(")
