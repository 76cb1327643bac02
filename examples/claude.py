"""The seed's two graphs with Anthropic instead of OpenAI, as an app would write them.

Unmodified apps: the clients point at ``api.anthropic.com`` (nothing sets a base
URL), so ``pytest --record --llm-server=local`` records them from the embedded
llama.cpp server, which answers ``POST /v1/messages``, and plain ``pytest``
replays them offline.

- ``messages_graph`` / ``messages_graph_sync``: one node, ``call_model``, makes two
  ChatAnthropic calls tagged ``joke`` and ``poem``; ``stream_mode="messages"`` yields
  every token as ``(AIMessageChunk, metadata)``.
- ``custom_graph`` / ``custom_graph_sync``: the "without LangChain" variant with the raw
  ``AsyncAnthropic`` / ``Anthropic`` client: the node streams ``text_delta`` events and
  hands ``({"role", "content"}, metadata)`` tuples to the stream writer.

Each sync twin sends the same request bodies as its async graph, so one cassette serves
both. The clients are built at import time and read ``ANTHROPIC_API_KEY`` then (the
plugin sets a placeholder when it is unset).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from anthropic import Anthropic, AsyncAnthropic
from langchain_anthropic import ChatAnthropic
from langchain_core.runnables import RunnableConfig
from langgraph.graph import START, StateGraph
from langgraph.types import StreamWriter

from examples.seed import MAX_TOKENS, State

__all__ = [
    "MODEL",
    "anthropic_client",
    "custom_graph",
    "custom_graph_sync",
    "joke_model",
    "messages_graph",
    "messages_graph_sync",
    "poem_model",
    "sync_anthropic_client",
]

MODEL = "claude-haiku-4-5"

joke_model = ChatAnthropic(model=MODEL, tags=["joke"], max_tokens=MAX_TOKENS, temperature=0, max_retries=0)
poem_model = ChatAnthropic(model=MODEL, tags=["poem"], max_tokens=MAX_TOKENS, temperature=0, max_retries=0)


def _prompts(topic: str) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    return (
        [{"role": "user", "content": f"Write a joke about {topic}"}],
        [{"role": "user", "content": f"Write a short poem about {topic}"}],
    )


# --- Two ChatAnthropic calls in one node, streamed with stream_mode="messages" ---------------


async def call_model(state: State, config: RunnableConfig) -> dict[str, Any]:
    joke, poem = _prompts(state["topic"])
    joke_response = await joke_model.ainvoke(joke, config)
    poem_response = await poem_model.ainvoke(poem, config)
    return {"joke": str(joke_response.text), "poem": str(poem_response.text)}


def call_model_sync(state: State, config: RunnableConfig) -> dict[str, Any]:
    joke, poem = _prompts(state["topic"])
    return {"joke": str(joke_model.invoke(joke, config).text), "poem": str(poem_model.invoke(poem, config).text)}


messages_graph = StateGraph(State).add_node("call_model", call_model).add_edge(START, "call_model").compile()
messages_graph_sync = StateGraph(State).add_node("call_model", call_model_sync).add_edge(START, "call_model").compile()


# --- The raw anthropic client, streamed with stream_mode="custom" ---------------------------

anthropic_client = AsyncAnthropic(max_retries=0)
sync_anthropic_client = Anthropic(max_retries=0)


async def stream_tokens(messages: list[dict[str, str]]) -> AsyncIterator[dict[str, str]]:
    stream = await anthropic_client.messages.create(
        model=MODEL,
        messages=messages,
        max_tokens=MAX_TOKENS,
        stream=True,  # type: ignore[arg-type]
    )
    async for event in stream:
        if event.type == "content_block_delta" and event.delta.type == "text_delta":
            yield {"role": "assistant", "content": event.delta.text}


def stream_tokens_sync(messages: list[dict[str, str]]) -> Iterator[dict[str, str]]:
    stream = sync_anthropic_client.messages.create(
        model=MODEL,
        messages=messages,
        max_tokens=MAX_TOKENS,
        stream=True,  # type: ignore[arg-type]
    )
    for event in stream:
        if event.type == "content_block_delta" and event.delta.type == "text_delta":
            yield {"role": "assistant", "content": event.delta.text}


async def call_model_custom(state: State, config: RunnableConfig, writer: StreamWriter) -> dict[str, str]:
    texts = {"joke": "", "poem": ""}
    for tag, messages in zip(("joke", "poem"), _prompts(state["topic"]), strict=True):
        async for chunk in stream_tokens(messages):
            texts[tag] += chunk["content"]
            writer((chunk, {**config["metadata"], "tags": [tag]}))
    return texts


def call_model_custom_sync(state: State, config: RunnableConfig, writer: StreamWriter) -> dict[str, str]:
    texts = {"joke": "", "poem": ""}
    for tag, messages in zip(("joke", "poem"), _prompts(state["topic"]), strict=True):
        for chunk in stream_tokens_sync(messages):
            texts[tag] += chunk["content"]
            writer((chunk, {**config["metadata"], "tags": [tag]}))
    return texts


custom_graph = StateGraph(State).add_node("call_model", call_model_custom).add_edge(START, "call_model").compile()
custom_graph_sync = (
    StateGraph(State).add_node("call_model", call_model_custom_sync).add_edge(START, "call_model").compile()
)
