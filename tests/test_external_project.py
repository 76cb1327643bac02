"""The whole loop as a user runs it, in a project outside this repo, with the documented API only.

``pytest --record --llm-server=local`` records a LangGraph app against the
embedded llama.cpp server; plain ``pytest`` replays it with no server and no
key; a changed prompt fails with a message that says what changed and what to run.
"""

from __future__ import annotations

import pytest

APP = '''
from typing import TypedDict

from langchain_openai import ChatOpenAI
from langgraph.graph import START, StateGraph

# Built at import time, as apps do: OPENAI_BASE_URL / OPENAI_API_KEY decide where it points.
joke_model = ChatOpenAI(model="gpt-4o-mini", tags=["joke"], max_tokens=12, temperature=0, max_retries=0)


class State(TypedDict):
    topic: str
    joke: str


def call_model(state: State) -> dict:
    return {"joke": joke_model.invoke([{"role": "user", "content": "Write a joke about " + state["topic"]}]).content}


graph = StateGraph(State).add_node(call_model).add_edge(START, "call_model").compile()
'''

TEST = '''
import pytest
from app import graph


@pytest.mark.streamtest
def test_joke_streams_tokens(cassette):
    tokens = [msg.content for msg, meta in graph.stream({"topic": "cats"}, stream_mode="messages") if msg.content]
    assert tokens == cassette.interactions[0].tokens
    assert len(tokens) > 1
'''


# Starts the real llama.cpp server once, in the recording subprocess (~2 s).
def test_record_replay_and_stale_prompt_in_an_outside_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    pytester.makepyfile(app=APP, test_app=TEST)
    pytester.syspathinsert()

    recorded = pytester.runpytest_subprocess("--record", "--llm-server=local")
    recorded.assert_outcomes(passed=1)
    recorded.stdout.fnmatch_lines(["streamtest: recording (all) against the local llama.cpp server at http://127.0.0.1:*"])
    cassette = pytester.path / "cassettes" / "test_app" / "test_joke_streams_tokens.yaml"
    text = cassette.read_text()
    assert "streamtest-dummy-key" not in text and "authorization" not in text.lower()

    # The server is gone (it lived in the recording process); no key is set.
    pytester.runpytest_subprocess().assert_outcomes(passed=1)

    pytester.makepyfile(app=APP.replace("Write a joke about ", "Tell a joke about "))
    stale = pytester.runpytest_subprocess()
    stale.assert_outcomes(failed=1)
    stale.stdout.fnmatch_lines(
        [
            "*ReplayMismatchError: no recorded response matches POST /v1/chat/completions",
            '*-      "content": "Write a joke about cats",',
            '*+      "content": "Tell a joke about cats",',
            "*Re-record with: pytest --record test_app.py::test_joke_streams_tokens",
        ]
    )
