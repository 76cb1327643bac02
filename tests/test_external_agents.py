"""An agent app in a project outside this repo: recorded from the local server, replayed with plain pytest.

The app is written as a user writes it: ``create_agent`` / ``create_react_agent`` over ChatOpenAI
with two tools and the default ``tool_choice``, built at import time, nothing streamtest-specific.
``pytest --record --llm-server=local`` records a real streamed tool call, the tool's result and a
streamed answer; plain ``pytest`` replays them offline with no key.
"""

from __future__ import annotations

import pytest
import yaml

APP = '''
import warnings

from langchain.agents import create_agent
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI


@tool
def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return f"Sunny in {city}"


@tool
def get_time(city: str) -> str:
    """Get the local time in a city."""
    return f"It is noon in {city}"


model = ChatOpenAI(model="gpt-4o-mini", temperature=0, max_tokens=40)
agent = create_agent(model, [get_weather, get_time])

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from langgraph.prebuilt import create_react_agent

    react_agent = create_react_agent(model, [get_weather, get_time])
'''

TEST = '''
import pytest
from streamtest import capture
from streamtest.assertions import tool_call

from app import agent, react_agent

QUESTION = {"messages": [{"role": "user", "content": "What is the weather in Paris?"}]}


@pytest.mark.streamtest
@pytest.mark.parametrize("graph", [agent, react_agent], ids=["create_agent", "create_react_agent"])
def test_the_agent_calls_the_weather_tool_and_answers(cassette, graph):
    t = capture(graph, QUESTION)
    t.assert_tool_calls([tool_call("get_weather", city="Paris")])
    assert t.trajectory.tool_steps[0].content == "Sunny in Paris"
    assert t.trajectory.answer
    call, answer = cassette.interactions
    assert len(call.tool_calls[0].deltas) > 1 and call.finish_reason == "tool_calls"
    assert len(answer.tokens) > 1 and answer.finish_reason == "stop"
    t.assert_conserves(cassette.interactions)
'''


# Records twice against the real llama.cpp server in a subprocess (~30 s on two busy cores).
def test_agent_records_a_real_tool_call_and_replays_offline(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    pytester.makepyfile(app=APP, test_app=TEST)
    pytester.syspathinsert()

    recorded = pytester.runpytest_subprocess("--record", "--llm-server=local")
    recorded.assert_outcomes(passed=2)
    folder = pytester.path / "cassettes" / "test_app"
    for name in ("create_agent", "create_react_agent"):
        path = folder / f"test_the_agent_calls_the_weather_tool_and_answers[{name}].yaml"
        cassette = yaml.safe_load(path.read_text())
        first, second = (interaction["request"]["body"]["json"] for interaction in cassette["interactions"])
        # The cassette keeps the requests the app sent: none of the local server's shaping.
        assert "tool_choice" not in first and "logit_bias" not in first and first["messages"][-1]["role"] == "user"
        assert second["messages"][-1]["role"] == "tool" and "stop" not in second
        assert "streamtest-dummy-key" not in path.read_text()

    replayed = pytester.runpytest_subprocess()  # no server, no key, the network blocked
    replayed.assert_outcomes(passed=2)
