"""The applications under test: the seed's two shapes, and their in-memory floors.

- messages mode: one LangGraph node awaiting ``ChatOpenAI.ainvoke``; the graph
  is streamed with ``astream(stream_mode="messages")``.
- custom mode: one node streaming the raw ``AsyncOpenAI`` client and passing
  each delta to the injected ``writer`` (the seed's "Example without
  LangChain"); the graph is streamed with ``stream_mode="custom"``.

Each has a sync twin (``sync_messages_graph``, ``sync_custom_graph``: a sync
node, ``ChatOpenAI.invoke`` or the sync ``OpenAI`` client, ``graph.stream``),
for the rows that replay through httpx's sync transport.

The floors run the same graphs with no HTTP at all: a chat model that yields
prebuilt ``AIMessageChunk`` objects, and prebuilt ``ChatCompletionChunk``
objects fed to the same writer. Models and graphs are built once, at import,
as applications build theirs.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, TypedDict

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import RunnableConfig
from langgraph.graph import START, StateGraph
from langgraph.types import StreamWriter

__all__ = [
    "DUMMY_KEY",
    "MODEL",
    "PROMPT_MESSAGES",
    "EventLoop",
    "MemoryChatModel",
    "chat_openai",
    "custom_graph",
    "drain",
    "drain_sync",
    "floor_custom_graph",
    "memory_chunks",
    "messages_graph",
    "parse_chunks",
    "sync_custom_graph",
    "sync_floor_custom_graph",
    "sync_messages_graph",
]

#: Never a real key, and not key-shaped, so streamtest's leak guard stays quiet.
DUMMY_KEY = "bench-dummy-key"
MODEL = "gpt-4o-mini"
PROMPT_MESSAGES: list[Any] = [
    {"role": "user", "content": "Write a very long story about a cat who travels around the world."}
]


class State(TypedDict, total=False):
    topic: str
    answer: str


# ---------------------------------------------------------------------- messages mode


class MemoryChatModel(BaseChatModel):
    """The floor of messages mode: yields prebuilt message chunks, no HTTP, no SDK, no parsing."""

    chunks: list[AIMessageChunk]

    @property
    def _llm_type(self) -> str:
        return "streamtest-bench-memory"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(str(c.content) for c in self.chunks)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in self.chunks:
            generation = ChatGenerationChunk(message=chunk.model_copy())
            if run_manager:
                run_manager.on_llm_new_token(str(chunk.content), chunk=generation)
            yield generation

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        # ChatOpenAI yields to the event loop once per SSE read; so does this.
        for chunk in self.chunks:
            generation = ChatGenerationChunk(message=chunk.model_copy())
            if run_manager:
                await run_manager.on_llm_new_token(str(chunk.content), chunk=generation)
            yield generation
            await asyncio.sleep(0)


def messages_graph(model: BaseChatModel) -> Any:
    """One node awaiting ``model.ainvoke``: messages mode streams its tokens through a callback."""

    async def call_model(state: State) -> State:
        response = await model.ainvoke(PROMPT_MESSAGES)
        return {"answer": str(response.content)}

    return StateGraph(State).add_node(call_model).add_edge(START, "call_model").compile()


def sync_messages_graph(model: BaseChatModel) -> Any:
    """The same graph with a sync node, for pytest suites without an event loop."""

    def call_model(state: State) -> State:
        response = model.invoke(PROMPT_MESSAGES)
        return {"answer": str(response.content)}

    return StateGraph(State).add_node(call_model).add_edge(START, "call_model").compile()


def chat_openai() -> Any:
    """ChatOpenAI as an application configures it for api.openai.com (no custom client or base URL)."""
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    return ChatOpenAI(model=MODEL, api_key=SecretStr(DUMMY_KEY), max_retries=0)


def memory_chunks(items: Sequence[tuple[Any, dict[str, Any]]]) -> list[AIMessageChunk]:
    """Floor chunks from what a ChatOpenAI run streamed: same content, metadata and usage.

    langchain-core appends its own empty ``chunk_position="last"`` chunk to
    every stream; that one is left out here because the floor model gets it
    added too. Ids are dropped: each run gets a fresh one either way.
    """
    chunks = []
    for message, _ in items:
        if not isinstance(message, AIMessageChunk):
            continue
        if getattr(message, "chunk_position", None) == "last" and not message.content and not message.usage_metadata:
            continue
        chunks.append(
            AIMessageChunk(
                content=message.content,
                additional_kwargs=dict(message.additional_kwargs),
                response_metadata=dict(message.response_metadata),
                usage_metadata=message.usage_metadata,
            )
        )
    return chunks


# ---------------------------------------------------------------------- custom mode


def custom_graph(client: Any) -> Any:
    """The seed's graph without LangChain: raw ``AsyncOpenAI`` streaming into the writer."""

    async def stream_tokens(messages: list[dict[str, str]]) -> AsyncIterator[dict[str, Any]]:
        response = await client.chat.completions.create(messages=messages, model=MODEL, stream=True)
        role = None
        async for chunk in response:
            if not chunk.choices:
                continue
            delta = chunk.choices[0].delta
            if delta.role is not None:
                role = delta.role
            if delta.content:
                yield {"role": role, "content": delta.content}

    return _writer_graph(stream_tokens)


def floor_custom_graph(chunks: Sequence[Any]) -> Any:
    """The custom-mode floor: prebuilt ``ChatCompletionChunk`` objects, the same loop and writer."""

    async def stream_tokens(messages: list[dict[str, str]]) -> AsyncIterator[dict[str, Any]]:
        role = None
        for chunk in chunks:
            if not chunk.choices:
                continue
            delta = chunk.choices[0].delta
            if delta.role is not None:
                role = delta.role
            if delta.content:
                yield {"role": role, "content": delta.content}
            await asyncio.sleep(0)

    return _writer_graph(stream_tokens)


def sync_custom_graph(client: Any) -> Any:
    """The custom-mode graph with the sync ``OpenAI`` client in a sync node."""

    def stream_tokens(messages: list[dict[str, str]]) -> Iterator[dict[str, Any]]:
        response = client.chat.completions.create(messages=messages, model=MODEL, stream=True)
        role = None
        for chunk in response:
            if not chunk.choices:
                continue
            delta = chunk.choices[0].delta
            if delta.role is not None:
                role = delta.role
            if delta.content:
                yield {"role": role, "content": delta.content}

    return _sync_writer_graph(stream_tokens)


def sync_floor_custom_graph(chunks: Sequence[Any]) -> Any:
    """The sync custom-mode floor: prebuilt ``ChatCompletionChunk`` objects, the same loop and writer."""

    def stream_tokens(messages: list[dict[str, str]]) -> Iterator[dict[str, Any]]:
        role = None
        for chunk in chunks:
            if not chunk.choices:
                continue
            delta = chunk.choices[0].delta
            if delta.role is not None:
                role = delta.role
            if delta.content:
                yield {"role": role, "content": delta.content}

    return _sync_writer_graph(stream_tokens)


def _sync_writer_graph(stream_tokens: Any) -> Any:
    def call_model(state: State, config: RunnableConfig, writer: StreamWriter) -> State:
        answer = ""
        for msg_chunk in stream_tokens(PROMPT_MESSAGES):
            answer += msg_chunk["content"]
            metadata = {**config["metadata"], "tags": ["story"]}
            writer((msg_chunk, metadata))
        return {"answer": answer}

    return StateGraph(State).add_node(call_model).add_edge(START, "call_model").compile()


def _writer_graph(stream_tokens: Any) -> Any:
    async def call_model(state: State, config: RunnableConfig, writer: StreamWriter) -> State:
        answer = ""
        async for msg_chunk in stream_tokens(PROMPT_MESSAGES):
            answer += msg_chunk["content"]
            metadata = {**config["metadata"], "tags": ["story"]}
            writer((msg_chunk, metadata))
        return {"answer": answer}

    return StateGraph(State).add_node(call_model).add_edge(START, "call_model").compile()


def parse_chunks(events: Sequence[bytes]) -> list[Any]:
    """SSE events to the SDK's ``ChatCompletionChunk`` objects, as the SDK builds them."""
    from openai.types.chat import ChatCompletionChunk

    parsed = []
    for event in events:
        data = event.decode("utf-8").strip()
        if not data.startswith("data: ") or data == "data: [DONE]":
            continue
        parsed.append(ChatCompletionChunk.construct(**json.loads(data[len("data: ") :])))
    return parsed


class EventLoop:
    """One event loop for a row, entered once; ``run(coro)`` is ``run_until_complete``.

    Not ``asyncio.Runner``: on Python 3.11 its ``run()`` installs and removes
    a SIGINT handler on every call, and ``signal`` looks the handler up in an
    enum, whose failure message formats a repr of the running task, its
    callbacks and their arguments, down to the pydantic models of the graph.
    Measured here: 6.3 ms per call instead of 2.5 ms for a 21-chunk
    in-memory stream, an artifact that would swamp row 6's per-example cost.
    """

    def __enter__(self) -> EventLoop:
        self._loop = asyncio.new_event_loop()
        return self

    def run(self, coro: Any) -> Any:
        return self._loop.run_until_complete(coro)

    def __exit__(self, *exc: object) -> None:
        self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        self._loop.close()


async def drain(graph: Any, mode: str) -> list[Any]:
    """Stream ``graph`` in ``mode`` and return every item."""
    return [item async for item in graph.astream({"topic": "cats"}, stream_mode=mode)]


def drain_sync(graph: Any, mode: str) -> list[Any]:
    """Stream ``graph`` in ``mode`` with the sync API and return every item."""
    return list(graph.stream({"topic": "cats"}, stream_mode=mode))
