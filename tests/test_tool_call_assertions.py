"""Tool-call, trajectory and tool-call conservation assertions: they pass on a real run, and planted bugs fail where they are.

Planted bugs, each failing the assertion that exists for it: the wrong tool, a wrong argument,
an extra or missing call, calls in another order or grouping, a dropped arguments fragment, a
usage report that did not reach ``usage_metadata``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from examples.agents import QUESTION, tool_graph, weather_agent
from streamtest import Cassette, StreamAssertionError, Transcript, UsageError, capture, play, trajectory_of
from streamtest._wire.base import ToolCall
from streamtest.assertions import assert_conserves, assert_tool_calls, assert_trajectory, tool_call
from tests.agent_streams import chat_stream

ASK = {"messages": [{"role": "user", "content": QUESTION}]}
PARIS = ("get_weather", "call_1", ['{"city"', ': "Par', 'is"}'])
TIME = ("get_time", "call_2", ['{"city": "Paris"}'])
ANSWER = ["Sunny", " in", " Paris", "."]


def run(graph: Any, *streams: list[bytes]) -> tuple[Transcript, Cassette]:
    with play(*streams) as cassette:
        return capture(graph, ASK), cassette


def failure(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(StreamAssertionError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


@pytest.fixture(scope="module")
def one_call() -> Transcript:
    return run(weather_agent, chat_stream(calls=[PARIS]), chat_stream(ANSWER))[0]


@pytest.fixture(scope="module")
def two_turns() -> Transcript:
    """get_time and get_weather together, then get_weather alone, then the answer."""
    both = chat_stream(calls=[TIME, ("get_weather", "call_3", ['{"city": "Paris"}'])])
    again = chat_stream(calls=[("get_weather", "call_4", ['{"city": "London"}'])])
    return run(tool_graph, both, again, chat_stream(ANSWER))[0]


# --------------------------------------------------------------------------- assert_tool_calls


def test_tool_calls_pass_with_values_types_patterns_and_predicates(one_call: Transcript) -> None:
    one_call.assert_tool_calls([tool_call("get_weather", city="Paris")])
    one_call.assert_tool_calls(["get_weather"])
    one_call.assert_tool_calls([("get_weather", {"city": "Paris"})])
    one_call.assert_tool_calls([tool_call("get_weather", city=str)])
    one_call.assert_tool_calls([tool_call(re.compile("get_.*"), city=re.compile("par.*", re.I))])
    one_call.assert_tool_calls([tool_call("get_weather", city=lambda c: c.istitle())])
    one_call.assert_tool_calls([tool_call("get_weather", args=lambda a: a == {"city": "Paris"})])
    one_call.assert_tool_calls([ToolCall("get_weather", '{"city":"Paris"}')])
    assert_tool_calls(one_call.trajectory, [tool_call("get_weather", city="Paris")])


def test_planted_wrong_tool_fails_and_shows_both_sides(one_call: Transcript) -> None:
    message = failure(one_call.assert_tool_calls, [tool_call("get_time", city="Paris")])
    assert message.splitlines() == [
        "tool calls differ at call 1: tool 'get_weather', expected get_time(city='Paris')",
        "    expected               | actual",
        "> 1 get_time(city='Paris') | get_weather(city='Paris')",
        "actual trajectory:",
        "  1 model  node 'model': get_weather(city='Paris') <call:1>",
        "  2 tool   get_weather <call:1>: 'Sunny, 21 C'",
        "  3 model  node 'model': 'Sunny in Paris.'",
    ]


def test_planted_wrong_argument_names_the_argument(one_call: Transcript) -> None:
    message = failure(one_call.assert_tool_calls, [tool_call("get_weather", city="London")])
    assert message.startswith("tool calls differ at call 1: argument 'city' is 'Paris', expected 'London'")
    message = failure(one_call.assert_tool_calls, [tool_call("get_weather", city=lambda c: c.startswith("L"))])
    assert "argument 'city' is 'Paris', rejected by <lambda>" in message
    message = failure(one_call.assert_tool_calls, [tool_call("get_weather", city=int)])
    assert "argument 'city' is 'Paris', not a int" in message
    message = failure(one_call.assert_tool_calls, [tool_call("get_weather", city="Paris", units="C")])
    assert "no argument 'units' (has 'city')" in message


def test_exact_arguments_refuse_extra_keys_partial_allows_them(two_turns: Transcript) -> None:
    first = tool_call("get_time", args={})
    message = failure(two_turns.assert_tool_calls, [first, "get_weather", "get_weather"])
    assert "unexpected argument 'city'='Paris'" in message
    two_turns.assert_tool_calls([tool_call("get_time", partial=True, args={}), "get_weather", "get_weather"])
    two_turns.assert_tool_calls(["get_time", "get_weather", "get_weather"])


def test_extra_and_missing_calls(one_call: Transcript, two_turns: Transcript) -> None:
    message = failure(one_call.assert_tool_calls, ["get_weather", "get_time"])
    assert message.startswith("tool calls differ at call 2: no such call (the run made only 1)")
    assert "> 2 get_time(...)    | -" in message
    message = failure(two_turns.assert_tool_calls, ["get_time", "get_weather"])
    assert message.startswith("tool calls differ at call 3: an extra call, get_weather(city='London')")
    message = failure(one_call.assert_tool_calls, [])
    assert "an extra call" in message


def test_argument_modes_and_per_tool_overrides(two_turns: Transcript) -> None:
    expected = [tool_call("get_time", city="Lyon"), tool_call("get_weather", city="Paris"), tool_call("get_weather", city="Paris")]
    two_turns.assert_tool_calls(expected, args="ignore")
    two_turns.assert_tool_calls(expected, args_for={"get_time": "ignore", "get_weather": ["units"]})
    message = failure(two_turns.assert_tool_calls, expected, args_for={"get_time": "ignore"})
    assert message.startswith("tool calls differ at call 3: argument 'city' is 'London', expected 'Paris'")
    same_city = lambda actual, wanted: actual["city"][0] == wanted["city"][0]  # noqa: E731
    two_turns.assert_tool_calls(
        [tool_call("get_time", city="Pau"), tool_call("get_weather", city="P"), tool_call("get_weather", city="Lo")],
        args=same_city,
    )
    # superset: at least the expected keys; subset: no key beyond them.
    two_turns.assert_tool_calls([tool_call("get_time", args={}), "get_weather", "get_weather"], args="superset")
    wide = [tool_call("get_time", city="Paris", units="C"), "get_weather", "get_weather"]
    two_turns.assert_tool_calls(wide, args="subset")
    assert "no argument 'units'" in failure(two_turns.assert_tool_calls, wide, args="superset")


def test_usage_errors_show_the_value(one_call: Transcript) -> None:
    with pytest.raises(UsageError, match="must be a list of expected tool calls"):
        one_call.assert_tool_calls("get_weather")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match=r"args='loose' must be one of"):
        one_call.assert_tool_calls(["get_weather"], args="loose")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="not an expected tool call"):
        one_call.assert_tool_calls([42])  # type: ignore[list-item]
    with pytest.raises(UsageError, match="as keywords or as args=, not both"):
        tool_call("f", {"a": 1}, a=1)
    with pytest.raises(UsageError, match="not a Transcript"):
        assert_tool_calls("nope", [])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- assert_trajectory


def test_trajectory_modes(two_turns: Transcript) -> None:
    paris, london, time = (
        tool_call("get_weather", city="Paris"),
        tool_call("get_weather", city="London"),
        tool_call("get_time", city="Paris"),
    )
    two_turns.assert_trajectory([time, paris, london])
    two_turns.assert_trajectory([[time, paris], [london]])
    two_turns.assert_trajectory([london, time, paris], mode="unordered")
    two_turns.assert_trajectory([london, time, paris, tool_call("get_time", city="Tokyo")], mode="subset")
    two_turns.assert_trajectory([london, paris], mode="superset")
    two_turns.assert_trajectory(two_turns.trajectory)  # a run repeats another run's calls

    message = failure(two_turns.assert_trajectory, [time, london, paris])
    assert message.startswith("trajectory differs at call 2 (strict): argument 'city' is 'Paris', expected 'London'")
    message = failure(two_turns.assert_trajectory, [[time], [paris, london]])
    assert message.startswith(
        "trajectory groups its calls differently (strict): calls per model call expected [1, 2], actual [2, 1]"
    )
    message = failure(two_turns.assert_trajectory, [london, paris], mode="unordered")
    assert message.startswith(
        "trajectory does not match the reference (unordered): 1 call(s) outside the reference, first get_time(city='Paris')"
    )
    message = failure(two_turns.assert_trajectory, [london, time], mode="subset")
    assert "outside the reference, first get_weather(city='Paris')" in message
    message = failure(two_turns.assert_trajectory, [tool_call("get_weather", city="Tokyo"), paris], mode="superset")
    assert message.splitlines()[:5] == [
        "trajectory does not match the reference (superset): 1 expected call(s) not made, first "
        "get_weather(city='Tokyo') (call 2: argument 'city' is 'Paris', expected 'Tokyo')",
        "    expected                  | actual",
        "  1 get_weather(city='Paris') | get_weather(city='Paris')",
        "> 2 get_weather(city='Tokyo') | -",
        "  3 -                         | get_time(city='Paris')",
    ]


def test_matching_is_maximal_so_a_loose_expectation_does_not_steal_a_call(two_turns: Transcript) -> None:
    # "get_weather" (any args) fits both weather calls; greedy pairing in order would take Paris first.
    two_turns.assert_trajectory(["get_weather", tool_call("get_weather", city="Paris")], mode="superset")


def test_trajectory_over_two_runs_and_usage_errors(two_turns: Transcript) -> None:
    with play(chat_stream(calls=[PARIS]), chat_stream(ANSWER), chat_stream(calls=[TIME]), chat_stream(ANSWER)):
        first, second = capture(weather_agent, ASK), capture(weather_agent, ASK)
    assert_trajectory([first, second], ["get_weather", "get_time"])
    assert [c.id for c in trajectory_of(first, second).tool_calls] == ["<call:1>", "<call:2>"]
    with pytest.raises(UsageError, match="mode='loose' must be one of"):
        two_turns.assert_trajectory([], mode="loose")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="lists are for 'strict'"):
        two_turns.assert_trajectory([["get_time"]], mode="unordered")
    with pytest.raises(UsageError, match="mixes lists"):
        two_turns.assert_trajectory([["get_time"], "get_weather"])


# --------------------------------------------------------------------------- conservation


def test_conservation_of_tool_calls_and_usage_passes_on_an_intact_run() -> None:
    t, cassette = run(weather_agent, chat_stream(calls=[PARIS]), chat_stream(ANSWER, usage=(30, 4)))
    first = cassette.interactions[0]
    assert first.tool_calls[0].deltas == tuple(PARIS[2]) and first.usage is not None
    t.assert_conserves(cassette.interactions)


def test_planted_dropped_arguments_fragment_fails_with_the_fragments_side_by_side() -> None:
    sent = chat_stream(calls=[PARIS])
    dropped = chat_stream(calls=[("get_weather", "call_1", ['{"city"', 'is"}'])])
    t, _ = run(weather_agent, dropped, chat_stream(ANSWER))
    _, recorded = run(weather_agent, sent, chat_stream(ANSWER))
    message = failure(assert_conserves, t, recorded.interactions)
    assert message.splitlines() == [
        # play() serves generated streams for placeholder requests: no model or prompt to name.
        "interaction 1 of 2: tool call 1 (get_weather) lost its arguments on the way: the fragments differ, in call 1 (messages, node 'model', tags [])",
        "first difference at fragment 2 (provider sent ': \"Par', graph streamed 'is\"}'); "
        "provider sent has 3 fragments, graph streamed 2:",
        '  provider sent : {"city"|: "Par|is"}|',
        '  graph streamed: {"city"|is"}|',
        "                          ^",
    ]


def test_planted_wrong_tool_and_usage_loss_fail_conservation() -> None:
    renamed, _ = run(weather_agent, chat_stream(calls=[("get_time", "call_1", PARIS[2])]), chat_stream(ANSWER))
    _, recorded = run(weather_agent, chat_stream(calls=[PARIS]), chat_stream(ANSWER))
    message = failure(renamed.assert_conserves, recorded.interactions)
    assert "tool call 1 (get_weather) reached the stream as 'get_time'" in message
    other_usage, _ = run(weather_agent, chat_stream(calls=[PARIS], usage=(21, 5)), chat_stream(ANSWER))
    message = failure(other_usage.assert_conserves, recorded.interactions)
    assert "usage_metadata Usage(21+5) differs from the wire's usage Usage(20+5)" in message
    other_usage.assert_conserves(recorded.interactions, usage=False)
    renamed.assert_conserves(recorded.interactions, tool_calls=False)
