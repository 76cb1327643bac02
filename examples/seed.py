"""The two graphs of LangGraph's guide "How to stream LLM tokens from your graph".

Written as the guide writes them, with three changes for tests: ``max_tokens=24`` and
``temperature=0`` on every model call (short, repeatable cassettes), no ``print`` calls,
and a sync twin of each graph (sync ``graph.stream`` cannot run an async node).

- ``messages_graph`` / ``messages_graph_sync``: one node, ``call_model``, makes two
  ChatOpenAI calls tagged ``joke`` and ``poem``. ``stream_mode="messages"`` yields every
  token as ``(AIMessageChunk, metadata)``; ``metadata["tags"]`` tells the two calls apart.
- ``custom_graph`` / ``custom_graph_sync``: the "without LangChain" variant. The node
  streams from the ``openai`` client itself and hands ``({"role", "content"}, metadata)``
  tuples to the stream writer; ``stream_mode="custom"`` yields exactly those tuples.

Each sync twin sends the same HTTP request bodies as its async graph, so one cassette
serves both. The clients are built at import time, as in the guide, so
``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` decide where they point and must be set before
this module is imported.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TypedDict

from langchain_core.runnables import RunnableConfig
from langchain_openai import ChatOpenAI
from langgraph.graph import START, StateGraph
from langgraph.types import StreamWriter
from openai import AsyncOpenAI, OpenAI

__all__ = [
    "MAX_TOKENS",
    "State",
    "call_model",
    "call_model_custom",
    "call_model_custom_sync",
    "call_model_sync",
    "custom_graph",
    "custom_graph_sync",
    "joke_model",
    "messages_graph",
    "messages_graph_sync",
    "model_name",
    "openai_client",
    "poem_model",
    "stream_tokens",
    "stream_tokens_sync",
    "sync_openai_client",
]

#: Short answers keep cassettes small; every call below passes it.
MAX_TOKENS = 24

# Note: we're adding the tags here to be able to filter the model outputs down the line
joke_model = ChatOpenAI(model="gpt-4o-mini", tags=["joke"], max_tokens=MAX_TOKENS, temperature=0)
poem_model = ChatOpenAI(model="gpt-4o-mini", tags=["poem"], max_tokens=MAX_TOKENS, temperature=0)


class State(TypedDict):
    topic: str
    joke: str
    poem: str


# --- Example: two LLM calls in one node, streamed with stream_mode="messages" ---------------


async def call_model(state: State, config: RunnableConfig) -> dict[str, str]:
    topic = state["topic"]
    # Passing the config through explicitly is required for Python < 3.11, whose asyncio
    # tasks lack contextvar support; harmless (and what the guide does) on 3.11+.
    joke_response = await joke_model.ainvoke(
        [{"role": "user", "content": f"Write a joke about {topic}"}],
        config,
    )
    poem_response = await poem_model.ainvoke(
        [{"role": "user", "content": f"Write a short poem about {topic}"}],
        config,
    )
    return {"joke": joke_response.content, "poem": poem_response.content}


def call_model_sync(state: State, config: RunnableConfig) -> dict[str, str]:
    """``call_model`` for ``graph.stream``: same requests, through ``.invoke``."""
    topic = state["topic"]
    joke_response = joke_model.invoke(
        [{"role": "user", "content": f"Write a joke about {topic}"}],
        config,
    )
    poem_response = poem_model.invoke(
        [{"role": "user", "content": f"Write a short poem about {topic}"}],
        config,
    )
    return {"joke": joke_response.content, "poem": poem_response.content}


# Both nodes are named "call_model", so token metadata (langgraph_node, checkpoint_ns)
# is the same whichever twin ran.
messages_graph = StateGraph(State).add_node("call_model", call_model).add_edge(START, "call_model").compile()
messages_graph_sync = (
    StateGraph(State).add_node("call_model", call_model_sync).add_edge(START, "call_model").compile()
)


# --- Example without LangChain: the openai client, streamed with stream_mode="custom" -------

openai_client = AsyncOpenAI()
sync_openai_client = OpenAI()
model_name = "gpt-4o-mini"


async def stream_tokens(model_name: str, messages: list[dict[str, str]]) -> AsyncIterator[dict[str, str | None]]:
    response = await openai_client.chat.completions.create(
        messages=messages, model=model_name, stream=True, max_tokens=MAX_TOKENS, temperature=0
    )

    role = None
    async for chunk in response:
        delta = chunk.choices[0].delta

        if delta.role is not None:
            role = delta.role

        if delta.content:
            yield {"role": role, "content": delta.content}


def stream_tokens_sync(model_name: str, messages: list[dict[str, str]]) -> Iterator[dict[str, str | None]]:
    """``stream_tokens`` through the sync client; the request body is identical."""
    response = sync_openai_client.chat.completions.create(
        messages=messages, model=model_name, stream=True, max_tokens=MAX_TOKENS, temperature=0
    )

    role = None
    for chunk in response:
        delta = chunk.choices[0].delta

        if delta.role is not None:
            role = delta.role

        if delta.content:
            yield {"role": role, "content": delta.content}


async def call_model_custom(state: State, config: RunnableConfig, writer: StreamWriter) -> dict[str, str]:
    topic = state["topic"]
    joke = ""
    poem = ""

    async for msg_chunk in stream_tokens(model_name, [{"role": "user", "content": f"Write a joke about {topic}"}]):
        joke += msg_chunk["content"]
        metadata = {**config["metadata"], "tags": ["joke"]}
        chunk_to_stream = (msg_chunk, metadata)
        writer(chunk_to_stream)

    async for msg_chunk in stream_tokens(
        model_name, [{"role": "user", "content": f"Write a short poem about {topic}"}]
    ):
        poem += msg_chunk["content"]
        metadata = {**config["metadata"], "tags": ["poem"]}
        chunk_to_stream = (msg_chunk, metadata)
        writer(chunk_to_stream)

    return {"joke": joke, "poem": poem}


def call_model_custom_sync(state: State, config: RunnableConfig, writer: StreamWriter) -> dict[str, str]:
    """``call_model_custom`` for ``graph.stream``, through the sync client."""
    topic = state["topic"]
    joke = ""
    poem = ""

    for msg_chunk in stream_tokens_sync(model_name, [{"role": "user", "content": f"Write a joke about {topic}"}]):
        joke += msg_chunk["content"]
        metadata = {**config["metadata"], "tags": ["joke"]}
        writer((msg_chunk, metadata))

    for msg_chunk in stream_tokens_sync(
        model_name, [{"role": "user", "content": f"Write a short poem about {topic}"}]
    ):
        poem += msg_chunk["content"]
        metadata = {**config["metadata"], "tags": ["poem"]}
        writer((msg_chunk, metadata))

    return {"joke": joke, "poem": poem}


# The guide names this node "call_model" too; so do we, for the same metadata.
custom_graph = StateGraph(State).add_node("call_model", call_model_custom).add_edge(START, "call_model").compile()
custom_graph_sync = (
    StateGraph(State).add_node("call_model", call_model_custom_sync).add_edge(START, "call_model").compile()
)
