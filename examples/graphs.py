"""Graph shapes beyond the guide, for the stream shapes they produce.

- ``subgraph_graph`` (sync node) / ``subgraph_graph_async``: the parent's only node,
  ``inner``, is a compiled subgraph whose node ``inner_node`` calls a model tagged
  ``inner``. With ``stream(..., stream_mode="messages", subgraphs=True)`` each item is
  ``(namespace, (AIMessageChunk, metadata))``, the namespace being
  ``("inner:<task id>",)`` -- an id that differs on every run.
- ``fanout_graph`` (sync nodes) / ``fanout_graph_async``: ``START`` fans out to
  ``joke_node`` and ``poem_node``, which run in the same superstep (in parallel) and call
  the ``joke`` / ``poem`` models of :mod:`examples.seed`; their tokens interleave in
  ``stream_mode="messages"`` and their two requests may reach the server in either order.

Every model call sends ``max_tokens=24`` and ``temperature=0``; the prompts are the
guide's. The models are built at import time, so set ``OPENAI_BASE_URL`` and
``OPENAI_API_KEY`` before importing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

from langchain_core.runnables import RunnableConfig
from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, StateGraph

from examples.seed import MAX_TOKENS, State, joke_model, poem_model

__all__ = [
    "InnerState",
    "fanout_graph",
    "fanout_graph_async",
    "inner_graph",
    "inner_graph_async",
    "inner_model",
    "subgraph_graph",
    "subgraph_graph_async",
]

inner_model = ChatOpenAI(model="gpt-4o-mini", tags=["inner"], max_tokens=MAX_TOKENS, temperature=0)


# --- A model call inside a subgraph ------------------------------------------------------


class InnerState(TypedDict):
    topic: str
    joke: str


def inner_node(state: InnerState, config: RunnableConfig) -> dict[str, str]:
    response = inner_model.invoke([{"role": "user", "content": f"Write a joke about {state['topic']}"}], config)
    return {"joke": response.content}


async def inner_node_async(state: InnerState, config: RunnableConfig) -> dict[str, str]:
    response = await inner_model.ainvoke(
        [{"role": "user", "content": f"Write a joke about {state['topic']}"}], config
    )
    return {"joke": response.content}


inner_graph = StateGraph(InnerState).add_node("inner_node", inner_node).add_edge(START, "inner_node").compile()
inner_graph_async = (
    StateGraph(InnerState).add_node("inner_node", inner_node_async).add_edge(START, "inner_node").compile()
)

# The parent shares the keys topic/joke with the subgraph, so the compiled subgraph is
# added as a node directly.
subgraph_graph = StateGraph(State).add_node("inner", inner_graph).add_edge(START, "inner").compile()
subgraph_graph_async = StateGraph(State).add_node("inner", inner_graph_async).add_edge(START, "inner").compile()


# --- Two model calls in parallel ---------------------------------------------------------


def joke_node(state: State, config: RunnableConfig) -> dict[str, str]:
    response = joke_model.invoke([{"role": "user", "content": f"Write a joke about {state['topic']}"}], config)
    return {"joke": response.content}


def poem_node(state: State, config: RunnableConfig) -> dict[str, str]:
    response = poem_model.invoke([{"role": "user", "content": f"Write a short poem about {state['topic']}"}], config)
    return {"poem": response.content}


async def joke_node_async(state: State, config: RunnableConfig) -> dict[str, str]:
    response = await joke_model.ainvoke([{"role": "user", "content": f"Write a joke about {state['topic']}"}], config)
    return {"joke": response.content}


async def poem_node_async(state: State, config: RunnableConfig) -> dict[str, str]:
    response = await poem_model.ainvoke(
        [{"role": "user", "content": f"Write a short poem about {state['topic']}"}], config
    )
    return {"poem": response.content}


def _fanout(joke: Callable[..., Any], poem: Callable[..., Any]) -> StateGraph[State]:
    # Node names stay joke_node/poem_node in both variants, so metadata matches.
    return (
        StateGraph(State)
        .add_node("joke_node", joke)
        .add_node("poem_node", poem)
        .add_edge(START, "joke_node")
        .add_edge(START, "poem_node")
        .add_edge("joke_node", END)
        .add_edge("poem_node", END)
    )


fanout_graph = _fanout(joke_node, poem_node).compile()
fanout_graph_async = _fanout(joke_node_async, poem_node_async).compile()
