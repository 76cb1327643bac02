"""examples.resilient under provider faults, replayed from fixtures/resilient.yaml.

The first test records the cassette (one answer from each model) against the
local llama.cpp server: ``pytest --record --llm-server=local tests/test_resilient.py``;
the others inject faults into it and never record (a test with faults replays,
even under ``--record``). The SDK's exceptions are caught by ``with_fallbacks``
and the retry policy, so the tests read them where LangChain reports them: an
``on_llm_error`` callback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
from hypothesis import given, settings
from langchain_core.callbacks import BaseCallbackHandler
from langgraph.graph import START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from examples.resilient import QUESTION, State, backup, graph, messages, primary
from streamtest import Cassette, Interaction, use_cassette
from streamtest._cassette.format import load_path
from streamtest._cassette.interaction import interactions_of
from streamtest.faults import Fault, cut, error_event, http_error, malformed, stall
from streamtest.strategies import fault_plans

FIXTURE = Path(__file__).parent.parent / "fixtures" / "resilient.yaml"
#: What a provider fault may end in, once the graph has run out of fallbacks and retries.
CLEAN_ERRORS = (openai.APIError, json.JSONDecodeError)


class LLMErrors(BaseCallbackHandler):
    """Every error a model call raised, in order (with_fallbacks and the retry policy catch them)."""

    def __init__(self) -> None:
        self.errors: list[BaseException] = []

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        self.errors.append(error)


def run(app: CompiledStateGraph[Any, Any, Any, Any] = graph) -> tuple[dict[str, Any], list[BaseException], list[str]]:
    """Stream the graph as a UI would: the final state, the model errors, the streamed tokens."""
    errors, state, tokens = LLMErrors(), {}, []
    for mode, item in app.stream({"question": QUESTION}, {"callbacks": [errors]}, stream_mode=["messages", "values"]):
        if mode == "values":
            state = item
        elif item[0].content:
            tokens.append(item[0].content)
    return state, errors.errors, tokens


def causes(error: BaseException) -> list[BaseException]:
    """``error`` and what it was raised from: LangChain wraps the SDK's error, which wraps httpx's."""
    chain = [error]
    while chain[-1].__cause__ is not None:
        chain.append(chain[-1].__cause__)
    return chain


def _interactions() -> list[Interaction]:
    return interactions_of(*load_path(FIXTURE))


@pytest.mark.streamtest(cassette="resilient")
def test_the_primary_answers_and_the_backup_would_too(cassette: Cassette) -> None:
    state, errors, tokens = run()
    reply = backup.invoke(messages(QUESTION))  # records the backup's answer, which the fault tests replay
    primary_text, backup_text = (i.text for i in cassette.interactions)
    assert state["answer"] == "".join(tokens) == primary_text
    assert reply.content == backup_text
    assert errors == []
    # Tests below tell who answered by the text: neither answer may be a cut-off copy of the other.
    assert primary_text and backup_text
    assert not primary_text.startswith(backup_text) and not backup_text.startswith(primary_text)


@pytest.mark.streamtest(cassette="resilient", faults=cut(after=5))
def test_a_cut_stream_falls_back_to_the_backup(cassette: Cassette) -> None:
    state, errors, tokens = run()
    (error,) = errors
    assert isinstance(error, openai.APIConnectionError)
    assert isinstance(causes(error)[-1], httpx2.RemoteProtocolError)
    backup_text = cassette.interactions[1].text
    assert state["answer"] == backup_text
    # The UI saw the primary's first tokens (4 events after the role chunk), then the backup's answer.
    assert "".join(tokens) == "".join(cassette.interactions[0].tokens[:4]) + backup_text


@pytest.mark.streamtest(
    cassette="resilient", faults=[http_error(429, retry_after=0.01), http_error(429, call=2, retry_after=0.01)]
)
def test_a_429_on_both_models_is_retried_by_the_graph(cassette: Cassette) -> None:
    state, errors, _ = run()
    assert len(errors) == 2 and all(isinstance(e, openai.RateLimitError) for e in errors)
    assert all(e.status_code == 429 and e.response.headers["retry-after"] == "0.01" for e in errors)  # type: ignore[attr-defined]
    assert cassette.calls == 3  # primary (429), backup (429), then the retried node's primary
    assert state["answer"] == cassette.interactions[0].text


@pytest.mark.streamtest(cassette="resilient", faults=stall(after=3))
def test_a_stall_past_the_read_timeout_falls_back(cassette: Cassette) -> None:
    state, errors, _ = run()
    (error,) = errors
    assert isinstance(error, openai.APITimeoutError)
    assert isinstance(causes(error)[-1], httpx2.ReadTimeout)
    assert state["answer"] == cassette.interactions[1].text


@pytest.mark.streamtest(cassette="resilient", faults=[malformed(after=2), error_event(after=7, call=2)])
def test_a_malformed_event_then_an_error_event_end_in_a_clean_error(cassette: Cassette) -> None:
    # The backup's error event makes with_fallbacks re-raise the primary's JSONDecodeError, a
    # ValueError: the default retry policy does not retry it, so the graph ends in that error.
    with pytest.raises(json.JSONDecodeError):
        run()
    assert [f.kind for f in cassette.fired] == ["malformed", "error_event"]


def outcome(app: CompiledStateGraph[Any, Any, Any, Any], plan: tuple[Fault, ...]) -> BaseException | str:
    """Run ``app`` with ``plan``: a whole recorded answer in the state, or a clean error, nothing else."""
    whole = {i.text for i in _interactions()}
    try:
        with use_cassette(FIXTURE, faults=plan):
            state, _, _ = run(app)
    except CLEAN_ERRORS as error:
        return error
    assert state["answer"] in whole, f"half an answer in the state: {state['answer']!r}"
    return str(state["answer"])


@settings(max_examples=40, deadline=None)
@given(plan=fault_plans(FIXTURE, max_faults=4))
def test_whatever_fails_the_state_holds_a_whole_answer_or_a_clean_error(plan: tuple[Fault, ...]) -> None:
    result = outcome(graph, plan)
    if len(plan) == 1:
        assert result == _interactions()[1].text  # one failure: the backup answers


def careless_answer(state: State) -> State:
    """What the property guards against: keep whatever streamed before the failure."""
    text = ""
    try:
        for chunk in primary.stream(messages(state["question"])):
            text += str(chunk.content)
    except Exception:
        pass
    return {"answer": text}


def test_the_property_catches_half_an_answer_in_the_state() -> None:
    careless = StateGraph(State).add_node("answer", careless_answer).add_edge(START, "answer").compile()
    with pytest.raises(AssertionError, match="half an answer in the state"):
        outcome(careless, (cut(after=5),))
