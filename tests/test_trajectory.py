"""What a transcript tells about an agent run: model calls, their reassembled tool calls, tool results, the answer.

The agents are ``examples.agents`` (create_agent, the Responses API, a hand-built
ToolNode loop, an interrupt before a tool), fed fixed streams through ``streamtest.play``.
"""

from __future__ import annotations

from typing import Any

import pytest
from langgraph.types import Command

from examples.agents import QUESTION, approval_graph, tool_graph, weather_agent, weather_agent_responses
from streamtest import ModelStep, ToolStep, Trajectory, capture, play, trajectory_of
from streamtest._transcript.trajectory import InterruptStep
from streamtest._wire.base import ToolCall, Usage
from tests.agent_streams import chat_stream

ASK = {"messages": [{"role": "user", "content": QUESTION}]}
PARIS = ("get_weather", "call_RANDOM1", ['{"ci', 'ty": "Pa', 'ris"}'])
ANSWER = ["It", " is", " sunny", "."]


def run(graph: Any, *streams: list[bytes], **options: Any) -> Any:
    with play(*streams):
        return capture(graph, ASK, **options)


def test_a_react_run_reads_as_model_call_tool_result_answer() -> None:
    t = run(weather_agent, chat_stream(calls=[PARIS]), chat_stream(ANSWER, usage=(40, 4)))
    first, tool, answer = t.trajectory
    assert isinstance(first, ModelStep) and isinstance(tool, ToolStep) and isinstance(answer, ModelStep)
    (call,) = first.tool_calls
    # The chunks' fragments, reassembled as the wire layer reassembles the provider's.
    assert call == ToolCall("get_weather", '{"city": "Paris"}', id="<call:1>", deltas=('{"ci', 'ty": "Pa', 'ris"}'))
    assert call.args == {"city": "Paris"}
    assert first.node == "model" and first.finish_reason == "tool_calls" and first.usage == Usage(20, 5, 25)
    assert first.chunks == 7 and not first.is_answer  # role, 3 fragments, finish, usage, langchain-core's last
    assert tool == ToolStep("get_weather", "<call:1>", "Sunny, 21 C", node="tools")
    assert answer.text == "It is sunny." and answer.is_answer and answer.usage == Usage(40, 4, 44)
    assert t.trajectory.answer == "It is sunny."
    assert t.tool_calls == (call,)
    assert t.trajectory.result_of(call) == tool
    assert str(t.trajectory).splitlines() == [
        "1 model  node 'model': get_weather(city='Paris') <call:1>",
        "2 tool   get_weather <call:1>: 'Sunny, 21 C'",
        "3 model  node 'model': 'It is sunny.'",
    ]


def test_parallel_calls_stay_in_their_model_call_and_ids_number_by_first_appearance() -> None:
    both = [("get_time", "zz9", ['{"city":', '"Paris"}']), ("get_weather", "aa1", ['{"city":"Paris"}'])]
    t = run(tool_graph, chat_stream(calls=both), chat_stream(ANSWER))
    assert [c.name for c in t.tool_calls] == ["get_time", "get_weather"]
    assert [c.id for c in t.tool_calls] == ["<call:1>", "<call:2>"]
    assert t.trajectory.turns == (t.tool_calls,)
    assert [s.content for s in t.trajectory.tool_steps] == ["14:05", "Sunny, 21 C"]
    assert [s.tool_call_id for s in t.trajectory.tool_steps] == ["<call:1>", "<call:2>"]


def test_raw_ids_on_request() -> None:
    t = run(weather_agent, chat_stream(calls=[PARIS]), chat_stream(ANSWER))
    (call,) = trajectory_of(t, normalize=False).tool_calls
    assert call.id == "call_RANDOM1"


def test_a_responses_api_call_is_one_model_call_though_its_first_chunk_carries_the_response_id() -> None:
    from hypothesis import find

    from streamtest.strategies import agent_loops

    loop = find(agent_loops([[("get_weather", {"city": "Paris"})]], answer="Sunny.", api="responses"), lambda _: True)
    with play(*loop):
        t = capture(weather_agent_responses, ASK)
    model_calls = [call for call in t.calls() if call.events[0].node == "model"]
    assert len(model_calls) == 2
    assert len({e.message_id for e in model_calls[0]}) == 1
    assert model_calls[0].events[0].payload[0].id.startswith("resp_")  # the provider's id, kept in the payload
    assert model_calls[0].events[0].message_id.startswith("lc_run--")
    assert [s.kind for s in t.trajectory] == ["model", "tool", "model"]
    assert t.trajectory.answer == "Sunny."
    records = t.records()
    assert sum(1 for r in records if r.get("node") == "model") == 2


def test_without_messages_mode_the_updates_tell_the_same_trajectory() -> None:
    # With stream_mode="updates" alone ChatOpenAI does not stream; the view stands in for it.
    t = run(weather_agent, chat_stream(calls=[PARIS]), chat_stream(ANSWER), stream_mode=["messages", "updates"])
    by_messages = t.mode("messages").trajectory
    by_updates = t.mode("updates").trajectory
    assert [s.kind for s in by_updates] == ["model", "tool", "model"]
    assert by_updates.tool_calls[0].args == by_messages.tool_calls[0].args and by_updates.answer == by_messages.answer
    assert by_updates.model_steps[0].chunks == 0  # read from the whole message, not chunks


def test_an_interrupt_and_its_resumption_make_one_trajectory() -> None:
    config = {"configurable": {"thread_id": "t1"}}
    with play(chat_stream(calls=[PARIS]), chat_stream(ANSWER)):
        first = capture(approval_graph, ASK, config=config, stream_mode=["messages", "updates"])
        second = capture(approval_graph, Command(resume=True), config=config, stream_mode=["messages", "updates"])
    assert [s.kind for s in first.trajectory] == ["model", "interrupt"]
    (asked,) = [s for s in first.trajectory if isinstance(s, InterruptStep)]
    assert asked.value == {"question": "Look up the weather?", "city": "Paris"}
    both = trajectory_of(first, second)
    assert [s.kind for s in both] == ["model", "interrupt", "tool", "model"]
    assert both.tool_steps[0].tool_call_id == both.tool_calls[0].id == "<call:1>"
    assert both.answer == "It is sunny."


def test_normalized_records_show_tool_call_ids_as_placeholders() -> None:
    t = run(weather_agent, chat_stream(calls=[PARIS]), chat_stream(ANSWER))
    text = repr(t.normalized().records())
    assert "call_RANDOM1" not in text and "<call:1>" in text
    chunks = next(r["tool_call_chunks"] for r in t.records() if "tool_call_chunks" in r)
    assert [c["args"] for c in chunks] == PARIS[2] and chunks[0]["id"] == "<call:1>"
    assert t.normalized() == run(weather_agent, chat_stream(calls=[("get_weather", "other-id", PARIS[2])]), chat_stream(ANSWER))


def test_trajectory_values() -> None:
    step = ModelStep("hi")
    trajectory = Trajectory([step])
    assert trajectory[0] is step and isinstance(trajectory[:1], Trajectory)
    assert (trajectory + trajectory).model_steps == (step, step)
    assert trajectory.answer == "hi" and Trajectory().answer is None
    assert repr(trajectory) == "Trajectory(1 steps: model)"
    assert trajectory.records() == [{"model": None, "text": "hi"}]
    with pytest.raises(TypeError):
        trajectory + 1  # type: ignore[operator]
