"""The seed's graphs, replayed from the project's fixtures (recorded from the local llama.cpp server).

These tests also record the fixtures: ``pytest --record --llm-server=local tests/test_seed.py``.
They use plain loops over ``graph.stream`` on purpose, so that the fixtures do not depend on
streamtest's capture layer; the transcript-level tests replay the same cassettes.
"""

from __future__ import annotations

import pytest

from examples.graphs import fanout_graph, fanout_graph_async, subgraph_graph
from examples.seed import custom_graph, custom_graph_sync, messages_graph, messages_graph_sync
from streamtest import Cassette

TOPIC = {"topic": "cats"}


def _tokens_by_tag(cassette: Cassette) -> dict[str, list[str]]:
    """The provider's tokens per call, keyed by the tag of the model that made it (from the prompt)."""
    tags = {}
    for interaction in cassette.interactions:
        prompt = interaction.request_json["messages"][-1]["content"]
        tags["poem" if "poem" in prompt else "joke"] = interaction.tokens
    return tags


@pytest.mark.streamtest(cassette="seed_messages")
def test_messages_mode_sync(cassette: Cassette) -> None:
    seen: dict[str, list[str]] = {"joke": [], "poem": []}
    final = None
    for mode, payload in messages_graph_sync.stream(TOPIC, stream_mode=["messages", "values"]):
        if mode == "values":
            final = payload
            continue
        message, metadata = payload
        if message.content:
            (tag,) = metadata["tags"]
            seen[tag].append(message.content)
            assert metadata["langgraph_node"] == "call_model"
    assert seen == _tokens_by_tag(cassette)
    assert final is not None
    assert "".join(seen["joke"]) == final["joke"] and "".join(seen["poem"]) == final["poem"]


@pytest.mark.streamtest(cassette="seed_messages")
@pytest.mark.asyncio
async def test_messages_mode_async(cassette: Cassette) -> None:
    seen: dict[str, list[str]] = {"joke": [], "poem": []}
    async for message, metadata in messages_graph.astream(TOPIC, stream_mode="messages"):
        if message.content:
            seen[metadata["tags"][0]].append(message.content)
    assert seen == _tokens_by_tag(cassette)


@pytest.mark.streamtest(cassette="seed_custom")
def test_custom_mode_sync(cassette: Cassette) -> None:
    seen: dict[str, list[str]] = {"joke": [], "poem": []}
    for chunk, metadata in custom_graph_sync.stream(TOPIC, stream_mode="custom"):
        assert chunk["role"] == "assistant"
        seen[metadata["tags"][0]].append(chunk["content"])
    assert seen == _tokens_by_tag(cassette)


@pytest.mark.streamtest(cassette="seed_custom")
@pytest.mark.asyncio
async def test_custom_mode_async(cassette: Cassette) -> None:
    seen: dict[str, list[str]] = {"joke": [], "poem": []}
    async for chunk, metadata in custom_graph.astream(TOPIC, stream_mode="custom"):
        seen[metadata["tags"][0]].append(chunk["content"])
    assert seen == _tokens_by_tag(cassette)


@pytest.mark.streamtest(cassette="subgraph")
def test_subgraph_tokens_are_namespaced(cassette: Cassette) -> None:
    items = list(subgraph_graph.stream(TOPIC, stream_mode="messages", subgraphs=True))
    tokens = [message.content for _, (message, _) in items if message.content]
    assert tokens == cassette.interactions[0].tokens
    namespaces = {namespace for namespace, _ in items}
    assert len(namespaces) == 1
    (namespace,) = namespaces
    assert namespace[0].startswith("inner:")


@pytest.mark.streamtest(cassette="fanout")
def test_fanout_sync(cassette: Cassette) -> None:
    seen: dict[str, list[str]] = {"joke": [], "poem": []}
    nodes: dict[str, set[str]] = {"joke": set(), "poem": set()}
    for message, metadata in fanout_graph.stream(TOPIC, stream_mode="messages"):
        if message.content:
            tag = metadata["tags"][0]
            seen[tag].append(message.content)
            nodes[tag].add(metadata["langgraph_node"])
    assert seen == _tokens_by_tag(cassette)
    assert nodes == {"joke": {"joke_node"}, "poem": {"poem_node"}}


@pytest.mark.streamtest(cassette="fanout")
@pytest.mark.asyncio
async def test_fanout_async(cassette: Cassette) -> None:
    seen: dict[str, list[str]] = {"joke": [], "poem": []}
    async for message, metadata in fanout_graph_async.astream(TOPIC, stream_mode="messages"):
        if message.content:
            seen[metadata["tags"][0]].append(message.content)
    assert seen == _tokens_by_tag(cassette)
