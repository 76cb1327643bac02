"""Real compiled StateGraphs over a scripted chat model, for the transcript tests.

``ScriptedChatModel`` streams a fixed token list through langchain-core's own
``BaseChatModel`` machinery, so LangGraph's real messages-mode callback handler
sees it exactly as it sees ChatOpenAI. It yields control between chunks
(``time.sleep(0)`` / ``asyncio.sleep``) so parallel branches really interleave.
The graphs mirror the seed: the how-to's joke-and-poem node in messages and in
custom mode, a subgraph, and a two-branch fan-out. The few tests at the bottom
check the fakes themselves.
"""

from __future__ import annotations

import asyncio
import operator
import random
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypedDict

import pytest
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import RunnableConfig
from langgraph.config import get_stream_writer
from langgraph.graph import START, StateGraph
from langgraph.types import Send

__all__ = [
    "JOKE",
    "POEM",
    "FakeInteraction",
    "ScriptedChatModel",
    "custom_graph",
    "fanout_graph",
    "joke_poem_graph",
    "send_graph",
    "subgraph_fanout_graph",
    "subgraph_graph",
]

JOKE = ["Why", " was", " the", " cat", " sitting", " on", " the", " computer", "?", "\n\n",
        "Because", " it", " wanted", " to", " keep", " an", " eye", " on", " the", " mouse", "!"]  # fmt: skip
POEM = ["In", " sun", "lit", " patches", ",", " sleek", " and", " sly", ",", " \n",
        "Wh", "isk", "ers", " twitch", " as", " shadows", " fly", "."]  # fmt: skip


class ScriptedChatModel(BaseChatModel):
    """Streams ``tokens`` one chunk each, yielding control between chunks.

    With ``jitter`` it yields a random number of times (0-3), so concurrent
    branches interleave differently on every run under asyncio too (threads vary
    on their own).
    """

    tokens: list[str]
    jitter: bool = False
    model_name: str = "scripted-1"
    temperature: float | None = 0.7

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> Any:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = "scripted"
        params["ls_model_name"] = self.model_name
        params["ls_temperature"] = self.temperature
        return params

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content="".join(self.tokens)))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for token in self.tokens:
            for _ in range(random.randint(0, 3) if self.jitter else 1):
                time.sleep(0)
            yield ChatGenerationChunk(message=AIMessageChunk(content=token))

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for token in self.tokens:
            for _ in range(random.randint(0, 3) if self.jitter else 1):
                await asyncio.sleep(0)
            yield ChatGenerationChunk(message=AIMessageChunk(content=token))


@dataclass
class FakeInteraction:
    """What the cassette layer hands to assert_conserves: tokens and the request body."""

    tokens: list[str]
    request_json: dict[str, Any] | None = None


class JokePoem(TypedDict, total=False):
    topic: str
    joke: str
    poem: str


def joke_poem_graph(
    *, joke_tags: Sequence[str] = ("joke",), poem_tags: Sequence[str] = ("poem",), drop_poem_token: int | None = None
) -> Any:
    """The how-to's node: a joke model then a poem model, in one node, sync and async.

    ``drop_poem_token`` plants a bug: a wrapper that swallows one of the poem
    model's chunks before LangGraph's handler sees it.
    """
    joke_model = ScriptedChatModel(tokens=JOKE, tags=list(joke_tags))
    poem_tokens = list(POEM)
    if drop_poem_token is not None:
        del poem_tokens[drop_poem_token]
    poem_model = ScriptedChatModel(tokens=poem_tokens, tags=list(poem_tags))

    def call_model(state: JokePoem, config: RunnableConfig) -> JokePoem:
        joke = joke_model.invoke([("user", f"Write a joke about {state['topic']}")], config)
        poem = poem_model.invoke([("user", f"Write a short poem about {state['topic']}")], config)
        return {"joke": str(joke.content), "poem": "".join(POEM) if drop_poem_token is not None else str(poem.content)}

    async def acall_model(state: JokePoem, config: RunnableConfig) -> JokePoem:
        joke = await joke_model.ainvoke([("user", f"Write a joke about {state['topic']}")], config)
        poem = await poem_model.ainvoke([("user", f"Write a short poem about {state['topic']}")], config)
        return {"joke": str(joke.content), "poem": "".join(POEM) if drop_poem_token is not None else str(poem.content)}

    sync = StateGraph(JokePoem).add_node("call_model", call_model).add_edge(START, "call_model").compile()
    asynchronous = StateGraph(JokePoem).add_node("call_model", acall_model).add_edge(START, "call_model").compile()
    return sync, asynchronous


def custom_graph(*, poem_tag: str = "poem", drop_poem_token: int | None = None, plain: bool = False) -> Any:
    """The how-to's custom-mode node: tokens written as ``(chunk_dict, metadata)`` tuples.

    ``poem_tag`` plants a mis-tagging bug; ``drop_poem_token`` a dropped write;
    ``plain`` writes bare strings instead of tuples.
    """

    def call_model(state: JokePoem, config: RunnableConfig) -> JokePoem:
        writer = get_stream_writer()
        for tag, tokens in (("joke", JOKE), (poem_tag, POEM)):
            for i, token in enumerate(tokens):
                if tag == poem_tag and i == drop_poem_token:
                    continue
                if plain:
                    writer(token)
                else:
                    writer(({"role": "assistant", "content": token}, {**config["metadata"], "tags": [tag]}))
        return {"joke": "".join(JOKE), "poem": "".join(POEM)}

    return StateGraph(JokePoem).add_node("call_model", call_model).add_edge(START, "call_model").compile()


class FanOut(TypedDict, total=False):
    topic: str
    joke: str
    poem: str
    summary: str


def fanout_graph(*, jitter: bool = False, custom: bool = False) -> tuple[Any, Any]:
    """START -> (write_joke | write_poem) in parallel -> summarize; sync and async twins."""
    joke_model = ScriptedChatModel(tokens=JOKE, tags=["joke"], jitter=jitter)
    poem_model = ScriptedChatModel(tokens=POEM, tags=["poem"], jitter=jitter)
    summary_model = ScriptedChatModel(tokens=["Cats", ",", " twice", "."], tags=["summary"], jitter=jitter)

    def forward(tag: str, config: RunnableConfig, chunk: Any) -> None:
        if custom:
            get_stream_writer()(({"content": chunk.content}, {**config["metadata"], "tags": [tag]}))

    def branch(key: str, model: ScriptedChatModel) -> Any:
        def sync_node(state: FanOut, config: RunnableConfig) -> FanOut:
            text = ""
            for chunk in model.stream([("user", state["topic"])], config):
                text += str(chunk.content)
                forward(key, config, chunk)
            return {key: text}  # type: ignore[misc]

        async def async_node(state: FanOut, config: RunnableConfig) -> FanOut:
            text = ""
            async for chunk in model.astream([("user", state["topic"])], config):
                text += str(chunk.content)
                forward(key, config, chunk)
            return {key: text}  # type: ignore[misc]

        return sync_node, async_node

    joke_sync, joke_async = branch("joke", joke_model)
    poem_sync, poem_async = branch("poem", poem_model)
    summary_sync, summary_async = branch("summary", summary_model)

    def build(joke: Any, poem: Any, summary: Any) -> Any:
        return (
            StateGraph(FanOut)
            .add_node("write_joke", joke)
            .add_node("write_poem", poem)
            .add_node("summarize", summary)
            .add_edge(START, "write_joke")
            .add_edge(START, "write_poem")
            .add_edge(["write_joke", "write_poem"], "summarize")
            .compile()
        )

    return build(joke_sync, poem_sync, summary_sync), build(joke_async, poem_async, summary_async)


class Subjects(TypedDict, total=False):
    topics: list[str]
    texts: Annotated[list[str], operator.add]


def send_graph(*, jitter: bool = False) -> Any:
    """A ``Send`` fan-out: one ``write`` task per topic, all in one superstep, same node."""
    models = {
        "cats": ScriptedChatModel(tokens=JOKE, tags=["cats"], jitter=jitter),
        "dogs": ScriptedChatModel(tokens=POEM, tags=["dogs"], jitter=jitter),
        "owls": ScriptedChatModel(tokens=JOKE[::-1], tags=["owls"], jitter=jitter),
    }

    def write(state: dict[str, str], config: RunnableConfig) -> Subjects:
        return {"texts": [str(models[state["topic"]].invoke(state["topic"], config).content)]}

    def fan(state: Subjects) -> list[Send]:
        return [Send("write", {"topic": topic}) for topic in state["topics"]]

    graph = StateGraph(Subjects).add_node("write", write)  # type: ignore[type-var]  # a Send node takes its own input
    return graph.add_conditional_edges(START, fan, ["write"]).compile()


class Inner(TypedDict, total=False):
    topic: str
    text: str


class Outer(TypedDict, total=False):
    topic: str
    text: str
    other: str


def _inner_graph(tokens: list[str], tag: str, jitter: bool) -> Any:
    model = ScriptedChatModel(tokens=tokens, tags=[tag], jitter=jitter)

    def inner(state: Inner, config: RunnableConfig) -> Inner:
        get_stream_writer()({"content": "<start>", "metadata": {"tags": [tag]}})
        return {"text": str(model.invoke(state["topic"], config).content)}

    return StateGraph(Inner).add_node("inner", inner).add_edge(START, "inner").compile()


def subgraph_graph() -> Any:
    """A parent whose ``researcher`` node is a compiled subgraph calling a tagged model."""
    return (
        StateGraph(Outer)
        .add_node("researcher", _inner_graph(JOKE, "joke", False))
        .add_edge(START, "researcher")
        .compile()
    )


def subgraph_fanout_graph(*, jitter: bool = False) -> Any:
    """Two subgraph nodes in parallel (``subgraphs=True`` namespaces interleave)."""

    class Both(TypedDict, total=False):
        topic: str
        text: Annotated[list[str], operator.add]

    def as_list(graph: Any) -> Any:
        def node(state: Both, config: RunnableConfig) -> Both:
            return {"text": [graph.invoke({"topic": state["topic"]}, config)["text"]]}

        return node

    return (
        StateGraph(Both)
        .add_node("left", as_list(_inner_graph(JOKE, "joke", jitter)))
        .add_node("right", as_list(_inner_graph(POEM, "poem", jitter)))
        .add_edge(START, "left")
        .add_edge(START, "right")
        .compile()
    )


# --------------------------------------------------------------------------- the fakes themselves


def test_scripted_model_streams_its_tokens_through_langgraph() -> None:
    sync, _ = joke_poem_graph()
    tokens = [m.content for m, meta in sync.stream({"topic": "cats"}, stream_mode="messages") if m.content]
    assert tokens == JOKE + POEM


@pytest.mark.asyncio
async def test_scripted_model_streams_its_tokens_through_langgraph_async() -> None:
    _, asynchronous = joke_poem_graph()
    tokens = [m.content async for m, meta in asynchronous.astream({"topic": "cats"}, stream_mode="messages") if m.content]
    assert tokens == JOKE + POEM


def test_scripted_model_reports_its_langsmith_params() -> None:
    sync, _ = joke_poem_graph()
    _, meta = next(iter(sync.stream({"topic": "cats"}, stream_mode="messages")))
    assert (meta["ls_provider"], meta["ls_model_name"], meta["ls_temperature"]) == ("scripted", "scripted-1", 0.7)
