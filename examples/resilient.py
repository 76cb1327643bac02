"""A graph built to survive a bad minute at the provider: a model with a fallback, in a node with a retry policy.

- ``model = primary.with_fallbacks([backup])``: when the primary's call fails (a
  dropped connection, a 429, a timeout, a broken event), LangChain asks the backup;
- ``RetryPolicy(max_attempts=2)`` on the node: when both fail, LangGraph runs the
  node again (the default ``retry_on`` retries API and network errors, not
  ``ValueError``s such as a malformed event's ``JSONDecodeError``).

Both models stream (``streaming=True``), so a call can fail half-way through its
answer: the tokens it already streamed reach ``stream_mode="messages"``, but the
node returns only a whole reply, so the state never holds half an answer. Both
clients have ``timeout=5`` (a stalled stream ends in ``APITimeoutError``
instead of hanging) and ``max_retries=0`` (retrying is the graph's job here).

The backup samples (``temperature=1``) with a shorter limit, so its answer is not
the primary's, and tests can tell who answered. ``tests/test_resilient.py``
records it against the embedded llama.cpp server and replays it with faults.
"""

from __future__ import annotations

from typing import TypedDict

from langchain_openai import ChatOpenAI
from langgraph.graph import START, StateGraph
from langgraph.types import RetryPolicy

__all__ = ["QUESTION", "RETRY", "State", "answer", "backup", "graph", "messages", "model", "primary"]

QUESTION = "Why is the sky blue?"

primary = ChatOpenAI(
    model="gpt-4o-mini", tags=["primary"], max_tokens=24, temperature=0, streaming=True, timeout=5, max_retries=0
)
backup = ChatOpenAI(
    model="gpt-4.1-nano", tags=["backup"], max_tokens=16, temperature=1, streaming=True, timeout=5, max_retries=0
)
model = primary.with_fallbacks([backup])

#: Two attempts, 10 ms apart: fast enough for tests, the same shape as production's.
RETRY = RetryPolicy(max_attempts=2, initial_interval=0.01, jitter=False)


class State(TypedDict, total=False):
    question: str
    answer: str


def messages(question: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": question}]


def answer(state: State) -> State:
    reply = model.invoke(messages(state["question"]))
    return {"answer": str(reply.content)}


graph = StateGraph(State).add_node("answer", answer, retry_policy=RETRY).add_edge(START, "answer").compile()
