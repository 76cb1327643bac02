"""The seed, as transcript tests (issue 3, part 6): capture + assertions over the committed fixtures.

Everything here replays ``fixtures/*.yaml`` (recorded from the local llama.cpp server) offline,
through streamtest's public API only. ``tests/test_seed.py`` replays the same cassettes with plain
loops; these tests say the same things with ``capture``/``acapture``, the assertion families, and
golden transcripts, and show that planted bugs fail with a message that points at the token.

A marked test replays its cassette once through the ``cassette`` fixture; a test that runs a graph
more than once replays the same file again with ``streamtest.use_cassette(cassette.path)`` (which
also checks, on exit, that every recorded interaction was played).

Golden transcripts live beside the cassettes (``fixtures/<cassette>.<name>.transcript.yaml``):
``pytest --record=missing tests/test_seed_transcripts.py`` writes the missing ones, plain ``pytest``
compares.
"""

from __future__ import annotations

import collections
import re
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.types import StreamWriter

import streamtest
from examples.graphs import fanout_graph, fanout_graph_async, subgraph_graph, subgraph_graph_async
from examples.seed import (
    MAX_TOKENS,
    State,
    custom_graph,
    custom_graph_sync,
    joke_model,
    messages_graph,
    messages_graph_sync,
    model_name,
    poem_model,
    stream_tokens_sync,
)
from streamtest import Cassette, StreamAssertionError, Transcript, acapture, capture, checkpoint_ns_of
from streamtest.assertions import (
    InteractionLike,
    assert_conserves,
    assert_from_nodes,
    assert_metadata,
    assert_not_interleaved,
    assert_tags_exclusive,
    assert_text_matches_state,
    assert_tokens,
    assert_tokens_in_order,
    transcript_diff_lines,
)
from streamtest.assertions._render import show_token

TOPIC = {"topic": "cats"}
FANOUT_REPLAYS = 200


# --------------------------------------------------------------------------- helpers


def tag_of(interaction: InteractionLike) -> str:
    """The tag of the model that made a recorded call, read from its prompt (the seed's two prompts)."""
    request = interaction.request_json or {}
    prompt = request["messages"][-1]["content"]
    return "poem" if "poem" in prompt else "joke"


def provider_tokens(cassette: Cassette) -> dict[str, list[str]]:
    """The provider's tokens per call, keyed by tag: what the stream must carry, nothing else."""
    tokens = {tag_of(i): [t for t in i.tokens if t] for i in cassette.interactions}
    assert set(tokens) == {"joke", "poem"} and all(tokens.values()), "the fixture should hold one joke and one poem"
    return tokens


def tags_by_prompt(interaction: InteractionLike) -> list[str]:
    """For ``assert_conserves(tags=...)``: the tags the model behind this interaction carries."""
    return [tag_of(interaction)]


@pytest.fixture
def replay_again(cassette: Cassette) -> Callable[[], AbstractContextManager[Cassette]]:
    """``with replay_again(): capture(...)``: one more replay of this test's cassette.

    The fixture's cassette can play each interaction once; a nested ``use_cassette`` on the same file
    plays it again, and on exit fails if the graph made fewer calls than were recorded.
    """
    path = cassette.path
    assert path is not None
    return lambda: streamtest.use_cassette(path)


_UNESCAPED_BAR = re.compile(r"(?<!\\)\|")


def caret_target(message: str, label: str) -> str:
    """The token shown above the caret, in the stream line labelled ``label`` of a failure message.

    Failure messages print token streams as ``Why| was| the|`` with ``|`` in tokens escaped as
    ``\\|``, and a line with one ``^`` under the first difference. This reads the message the
    way a person does: which token is the caret under?
    """
    lines = message.splitlines()
    caret_lines = [line for line in lines if line.strip() == "^"]
    assert len(caret_lines) == 1, f"expected one caret line in:\n{message}"
    column = caret_lines[0].index("^")
    (stream,) = [line for line in lines if line.lstrip().startswith(label) and ": " in line]
    rest = stream[column:]
    if not rest:
        return "<end>"
    return _UNESCAPED_BAR.split(rest, maxsplit=1)[0]


def piped(tokens: list[str]) -> str:
    """Tokens as a failure message prints them: ``Why| was|``."""
    return "".join(show_token(token) + "|" for token in tokens)


def stream_line(message: str, label: str) -> str:
    """The ``|``-separated token stream printed after ``label:`` in a failure message."""
    (line,) = [line for line in message.splitlines() if line.lstrip().startswith(label) and ": " in line]
    return line.split(": ", 1)[1]


# --------------------------------------------------------------------------- 1. messages mode, tag filtering


def check_messages_seed(t: Transcript, cassette: Cassette) -> None:
    """What the seed's joke-and-poem node must stream in messages mode, checked with the public API."""
    expected = provider_tokens(cassette)
    assert t.nodes == ("call_model",)
    assert t.tag_set == ("joke", "poem")
    for tag in ("joke", "poem"):
        view = t.tagged(tag)
        # filtering a tag yields only that call's tokens, in order...
        assert view.tokens == expected[tag]
        assert {e.tags for e in view} == {(tag,)}
        # ...equal to the final state's field and to the cassette interaction
        assert view.text == t.final_state[tag]
        view.assert_text_matches_state(tag)
        assert_tokens(t, expected[tag], tag=tag)
        assert_text_matches_state(t, tag, tag=tag, node="call_model")
    assert t.tokens == expected["joke"] + expected["poem"]
    # two model calls, one message id each, joke first (the node awaits the joke before the poem)
    calls = t.calls()
    assert [call.tokens for call in calls] == [expected["joke"], expected["poem"]]
    assert [len({e.message_id for e in call}) for call in calls] == [1, 1]
    assert_tags_exclusive(t, "joke", "poem")
    assert_not_interleaved(t, "joke", "poem")
    assert_from_nodes(t, "call_model", tag="joke")
    assert_conserves(t, cassette.interactions, tags=tags_by_prompt)


@pytest.mark.streamtest(cassette="seed_messages")
def test_messages_seed_sync_v1_and_v2(cassette: Cassette, replay_again: Any, golden_transcript: Any) -> None:
    v1 = capture(messages_graph_sync, TOPIC)
    with replay_again():
        v2 = capture(messages_graph_sync, TOPIC, version="v2")
    check_messages_seed(v1, cassette)
    check_messages_seed(v2, cassette)
    # the two shapes LangGraph yields...
    assert isinstance(v1.raw[0], tuple) and len(v1.raw[0]) == 2
    assert isinstance(v2.raw[0], dict) and v2.raw[0]["type"] == "messages" and v2.raw[0]["ns"] == ()
    assert (v1.options["version"], v2.options["version"]) == ("v1", "v2")
    # ...normalize to one transcript
    assert v1 == v2
    assert v1.normalized().records() == v2.normalized().records()
    golden_transcript.check(v1, name="messages_mode")


@pytest.mark.streamtest(cassette="seed_messages")
@pytest.mark.asyncio
async def test_messages_seed_async_v1_and_v2(cassette: Cassette, replay_again: Any, golden_transcript: Any) -> None:
    v1 = await acapture(messages_graph, TOPIC)
    with replay_again():
        v2 = await acapture(messages_graph, TOPIC, version="v2")
    check_messages_seed(v1, cassette)
    check_messages_seed(v2, cassette)
    assert isinstance(v2.raw[0], dict) and v2.raw[0]["type"] == "messages"
    assert v1 == v2
    # the async graph streams the transcript the sync one does (same golden file as the sync test)
    golden_transcript.check(v1, name="messages_mode")


# --------------------------------------------------------------------------- 2. custom mode, raw openai client


def check_custom_seed(t: Transcript, cassette: Cassette) -> None:
    expected = provider_tokens(cassette)
    assert {e.mode for e in t} == {"custom"}
    for tag in ("joke", "poem"):
        assert t.tagged(tag).tokens == expected[tag]
        t.tagged(tag).assert_text_matches_state(tag)
        assert_from_nodes(t, "call_model", tag=tag)
    # the seed's (chunk_dict, metadata) payloads: read out of the box, role kept in the payload
    assert all(e.kind == "token" and e.payload[0]["role"] == "assistant" for e in t)
    assert [call.tokens for call in t.calls()] == [expected["joke"], expected["poem"]]
    assert_tags_exclusive(t, "joke", "poem")
    assert_not_interleaved(t, "joke", "poem")
    # conservation: every provider token reached the custom stream once, in order, under its tag
    assert_conserves(t, cassette.interactions, tags=tags_by_prompt)
    t.assert_conserves(cassette.interactions, mode="custom")


@pytest.mark.streamtest(cassette="seed_custom")
def test_custom_seed_sync(cassette: Cassette, replay_again: Any, golden_transcript: Any) -> None:
    t = capture(custom_graph_sync, TOPIC, stream_mode="custom")
    check_custom_seed(t, cassette)
    with replay_again():
        v2 = capture(custom_graph_sync, TOPIC, stream_mode="custom", version="v2")
    check_custom_seed(v2, cassette)
    assert v2.raw[0]["type"] == "custom" and v2.raw[0]["data"][0] == t.raw[0][0] == {
        "role": "assistant",
        "content": cassette.interactions[0].tokens[0],
    }
    assert t == v2
    golden_transcript.check(t, name="custom_mode")


@pytest.mark.streamtest(cassette="seed_custom")
@pytest.mark.asyncio
async def test_custom_seed_async(cassette: Cassette, replay_again: Any, golden_transcript: Any) -> None:
    t = await acapture(custom_graph, TOPIC, stream_mode="custom")
    check_custom_seed(t, cassette)
    with replay_again():
        v2 = await acapture(custom_graph, TOPIC, stream_mode="custom", version="v2")
    check_custom_seed(v2, cassette)
    assert t == v2
    golden_transcript.check(t, name="custom_mode")


# --------------------------------------------------------------------------- 3. several modes at once


@pytest.mark.streamtest(cassette="seed_custom")
def test_custom_graph_messages_and_custom_modes(cassette: Cassette, replay_again: Any) -> None:
    t = capture(custom_graph_sync, TOPIC, stream_mode=["messages", "custom"])
    expected = provider_tokens(cassette)
    # the raw client bypasses LangChain: nothing in messages mode, everything in custom mode
    assert t.mode("messages").tokens == []
    assert t.mode("custom").tagged("joke").tokens == expected["joke"]
    assert t.mode("custom").tagged("poem").tokens == expected["poem"]
    assert_conserves(t, cassette.interactions, tags=tags_by_prompt, mode="custom")
    assert isinstance(t.raw[0], tuple) and t.raw[0][0] == "custom"
    with replay_again():
        only_custom = capture(custom_graph_sync, TOPIC, stream_mode="custom")
    assert t.records() == only_custom.records()  # the mode list adds nothing here; records ignore options


@pytest.mark.streamtest(cassette="seed_messages")
def test_messages_graph_messages_and_custom_modes(cassette: Cassette) -> None:
    t = capture(messages_graph_sync, TOPIC, stream_mode=["messages", "custom"])
    check_messages_seed(t.mode("messages"), cassette)
    assert t.mode("custom").events == ()  # ChatOpenAI streams through the messages channel only
    assert t.options["stream_mode"] == ["messages", "custom"]


@pytest.mark.streamtest(cassette="seed_messages")
def test_messages_graph_with_updates_and_values(cassette: Cassette, golden_transcript: Any) -> None:
    t = capture(messages_graph_sync, TOPIC, stream_mode=["messages", "updates", "values"])
    check_messages_seed(t, cassette)
    # canonical order: input values, the node's tokens, its update, then the step's values
    modes = [e.mode for e in t.events]
    assert modes[0] == "values" and modes[-2:] == ["updates", "values"]
    assert set(modes[1:-2]) == {"messages"}
    (update,) = t.mode("updates").events
    assert update.node == "call_model" and update.kind == "data"
    assert update.payload == {"call_model": {"joke": t.final_state["joke"], "poem": t.final_state["poem"]}}
    first_values, last_values = t.mode("values").events
    assert first_values.payload == TOPIC
    assert last_values.payload == t.final_state
    golden_transcript.check(t, name="messages_updates_values")


@pytest.mark.streamtest(cassette="seed_custom")
@pytest.mark.asyncio
async def test_custom_graph_every_mode_async_v2(cassette: Cassette) -> None:
    t = await acapture(custom_graph, TOPIC, stream_mode=["messages", "custom", "updates", "values"], version="v2")
    check_custom_seed(t.mode("custom"), cassette)
    assert [r["mode"] for r in t.records()] == ["values", "custom", "custom", "updates", "values"]
    assert t.mode("updates").events[0].node == "call_model"


# --------------------------------------------------------------------------- 4. subgraph


def check_subgraph(t: Transcript, cassette: Cassette) -> None:
    (interaction,) = cassette.interactions
    inner = t.in_subgraph("inner")
    assert inner.mode("messages").tokens == [tok for tok in interaction.tokens if tok]
    assert t.in_subgraph("elsewhere").events == ()
    tokens = inner.mode("messages")
    assert {e.namespace[0].partition(":")[0] for e in tokens} == {"inner"}
    assert all(len(e.namespace) == 1 and re.fullmatch(r"inner:[0-9a-f-]{36}", e.namespace[0]) for e in tokens)
    assert_metadata(
        tokens,
        langgraph_node="inner_node",
        langgraph_step=1,
        langgraph_triggers=["branch:to:inner_node"],
        langgraph_path=["__pregel_pull", "inner_node"],
        # checkpoint_ns names the subgraph's task; langgraph_checkpoint_ns the inner node's, under it
        checkpoint_ns=checkpoint_ns_of("inner"),
        langgraph_checkpoint_ns=checkpoint_ns_of("inner_node"),
        ls_provider="openai",
        ls_model_name="gpt-4o-mini",
        tags=["inner"],
    )
    event = tokens.events[0]
    assert event.metadata["langgraph_checkpoint_ns"].startswith(event.namespace[0] + "|inner_node:")
    assert event.task == event.metadata["langgraph_checkpoint_ns"]
    assert_from_nodes(t, "inner_node", tag="inner")
    assert_conserves(t, cassette.interactions, tags=[["inner"]], mode="messages")
    assert_text_matches_state(t, "joke", tag="inner")
    normalized = t.normalized().in_subgraph("inner").mode("messages")
    assert {e.namespace for e in normalized} == {("inner:<task:1>",)}
    assert {e.task for e in normalized} == {"inner:<task:1>|inner_node:<task:2>"}
    assert_metadata(normalized, checkpoint_ns="inner:<task:1>")


@pytest.mark.streamtest(cassette="subgraph")
def test_subgraph_namespaced_sync_v1_v2(cassette: Cassette, replay_again: Any) -> None:
    t = capture(subgraph_graph, TOPIC, subgraphs=True)
    check_subgraph(t, cassette)
    assert isinstance(t.raw[0], tuple) and t.raw[0][0][0].startswith("inner:")  # (namespace, payload)
    with replay_again():
        v2 = capture(subgraph_graph, TOPIC, subgraphs=True, version="v2")
    check_subgraph(v2, cassette)
    assert v2.raw[0]["ns"][0].startswith("inner:")
    assert t == v2
    with replay_again():
        flat = capture(subgraph_graph, TOPIC)
    # without subgraphs=True LangGraph does not forward the subgraph's messages
    assert flat.tokens == [] and flat.final_state == t.final_state


@pytest.mark.streamtest(cassette="subgraph")
@pytest.mark.asyncio
async def test_subgraph_namespaced_async_with_updates(cassette: Cassette) -> None:
    t = await acapture(subgraph_graph_async, TOPIC, stream_mode=["messages", "updates"], subgraphs=True)
    check_subgraph(t, cassette)
    updates = t.mode("updates")
    # the inner node's update inside the subgraph's namespace, then the parent's update for node "inner"
    assert [(e.namespace != (), e.node) for e in updates] == [(True, "inner_node"), (False, "inner")]
    assert t.in_subgraph("inner").nodes == ("inner_node",)


# --------------------------------------------------------------------------- 5. metadata


SEED_METADATA: dict[str, Any] = {
    "langgraph_node": "call_model",
    "langgraph_step": 1,
    "langgraph_triggers": ["branch:to:call_model"],
    "langgraph_path": ["__pregel_pull", "call_model"],
    "langgraph_checkpoint_ns": checkpoint_ns_of("call_model"),
}


@pytest.mark.streamtest(cassette="seed_messages")
def test_messages_seed_metadata(cassette: Cassette) -> None:
    t = capture(messages_graph_sync, TOPIC)
    for tag in ("joke", "poem"):
        assert_metadata(
            t,
            SEED_METADATA,
            tag=tag,
            checkpoint_ns=checkpoint_ns_of("call_model"),
            ls_provider="openai",
            ls_model_name="gpt-4o-mini",
            ls_model_type="chat",
            ls_temperature=0.0,
            ls_max_tokens=MAX_TOKENS,
            tags=[tag],
        )
    # types, predicates and patterns, as the transcript method
    t.assert_metadata(
        langgraph_step=int,
        ls_temperature=lambda value: value is not None and value <= 1,
        checkpoint_ns=re.compile(r"call_model:[0-9a-f-]{36}"),
    )
    # one task: both calls share one checkpoint_ns; it is per-run, so normalized it is a placeholder
    assert len({e.metadata["checkpoint_ns"] for e in t if e.is_token}) == 1
    normalized = t.normalized()
    assert_metadata(normalized, checkpoint_ns="call_model:<task:1>", langgraph_checkpoint_ns="call_model:<task:1>")
    assert all("lc_versions" in e.metadata for e in t if e.is_token)
    assert not any("lc_versions" in e.metadata for e in normalized)
    # a metadata mismatch says which tokens, from where, and why
    with pytest.raises(StreamAssertionError) as excinfo:
        assert_metadata(t, tags=["joke"])
    message = str(excinfo.value)
    joke, poem = provider_tokens(cassette)["joke"], provider_tokens(cassette)["poem"]
    total = len(joke) + len(poem)
    assert message.startswith(f"metadata: {len(poem)} of {total} events do not match tags:")
    assert (
        f"tokens {len(joke) + 1}-{total} ({show_token(poem[0])!r}…{show_token(poem[-1])!r}, node 'call_model', "
        "tags ['poem']): 'tags' is ['poem'], expected ['joke']"
    ) in message


@pytest.mark.streamtest(cassette="seed_custom")
def test_custom_seed_metadata(cassette: Cassette) -> None:
    t = capture(custom_graph_sync, TOPIC, stream_mode="custom")
    # the seed's writer sends {**config["metadata"], "tags": [...]}: LangGraph's keys, no ls_* keys
    for tag in ("joke", "poem"):
        assert_metadata(t, SEED_METADATA, tag=tag, tags=[tag])
    assert not any(key.startswith("ls_") for e in t for key in e.metadata)
    assert {e.task for e in t} == {t[0].metadata["langgraph_checkpoint_ns"]}


# --------------------------------------------------------------------------- 6. parallel fan-out, 200 replays


def arrival_signature(t: Transcript) -> str:
    """Which call each token came from, in arrival order: ``JJJPJP...``."""
    return "".join("J" if "joke" in e.tags else "P" for e in t.arrival if e.is_token)


@pytest.mark.streamtest(cassette="fanout")
def test_fanout_200_replays_one_normalized_transcript(cassette: Cassette) -> None:
    expected = provider_tokens(cassette)
    path = cassette.path
    assert path is not None
    started = time.perf_counter()
    # Replay serves the recorded events without their delays, so joke_node and poem_node (two
    # threads) race for the GIL. A 1 µs switch interval (instead of 5 ms) makes them switch often,
    # so the runs exercise many interleavings, on one core as on many.
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        first = capture(fanout_graph, TOPIC)  # the fixture's cassette
        runs = [first]
        for _ in range(FANOUT_REPLAYS - 1):
            with streamtest.use_cassette(path):  # fails on exit if a call was not replayed
                runs.append(capture(fanout_graph, TOPIC))
    finally:
        sys.setswitchinterval(switch_interval)
    replayed = time.perf_counter() - started

    # one normalized transcript: the same events (payloads, metadata, placeholders) and final state,
    # hence the same golden records
    reference = first.normalized()
    different = [n for n, t in enumerate(runs) if t != reference]
    assert not different, f"replays {different} differ from the first"
    records = reference.records()
    # what the one transcript says: joke_node's call, then poem_node's (canonical order)
    assert [(r["node"], r["tags"], r["tokens"]) for r in records] == [
        ("joke_node", ["joke"], expected["joke"]),
        ("poem_node", ["poem"], expected["poem"]),
    ]
    assert first.tokens == expected["joke"] + expected["poem"]
    interactions = cassette.interactions
    for t in runs:
        assert_from_nodes(t, "joke_node", tag="joke")
        assert_from_nodes(t, "poem_node", tag="poem")
        assert_conserves(t, interactions, tags=tags_by_prompt)

    # The raw arrival order: every run is a merge of the two calls' token streams...
    orders = collections.Counter(arrival_signature(t) for t in runs)
    for t in runs:
        assert t.tagged("joke").arrival_tokens == expected["joke"]
        assert t.tagged("poem").arrival_tokens == expected["poem"]
    # ...and the merge differs between runs, which is what canonical order exists for.
    print(
        f"\nfan-out: {FANOUT_REPLAYS} replays in {replayed:.1f}s (checks "
        f"{time.perf_counter() - started - replayed:.1f}s), 1 normalized transcript, {len(orders)} distinct "
        f"arrival orders (J: joke token, P: poem token); runs whose tokens interleaved: "
        f"{sum(t.interleaves('joke', 'poem') for t in runs)}; most common:\n"
        + "\n".join(f"  {n:3}× {signature}" for signature, n in orders.most_common(3))
    )
    assert len(orders) > 1, f"all {FANOUT_REPLAYS} replays arrived in one order: {orders}"


@pytest.mark.streamtest(cassette="fanout")
@pytest.mark.asyncio
async def test_fanout_async_replays_match_the_sync_transcript(cassette: Cassette, replay_again: Any) -> None:
    runs = [await acapture(fanout_graph_async, TOPIC)]
    for _ in range(19):
        with replay_again():
            runs.append(await acapture(fanout_graph_async, TOPIC))
    with replay_again():
        sync = capture(fanout_graph, TOPIC)
    # asyncio runs the two nodes as tasks, so their tokens arrive interleaved (almost always strictly
    # alternating, in our runs); the normalized transcript is still the sync graph's
    assert all(t == sync for t in runs)
    assert any(t.interleaves("joke", "poem") for t in runs)
    assert_conserves(runs[0], cassette.interactions, tags=tags_by_prompt)


# --------------------------------------------------------------------------- 8. planted bugs


def call_model_custom_dropping(state: State, config: RunnableConfig, writer: StreamWriter) -> dict[str, str]:
    """The seed's custom-mode node with a bug: the joke's 3rd token never reaches the writer."""
    topic = state["topic"]
    joke = ""
    poem = ""
    for n, msg_chunk in enumerate(
        stream_tokens_sync(model_name, [{"role": "user", "content": f"Write a joke about {topic}"}])
    ):
        joke += msg_chunk["content"] or ""
        if n != 2:  # the bug
            writer((msg_chunk, {**config["metadata"], "tags": ["joke"]}))
    for msg_chunk in stream_tokens_sync(model_name, [{"role": "user", "content": f"Write a short poem about {topic}"}]):
        poem += msg_chunk["content"] or ""
        writer((msg_chunk, {**config["metadata"], "tags": ["poem"]}))
    return {"joke": joke, "poem": poem}


dropping_graph = (
    StateGraph(State).add_node("call_model", call_model_custom_dropping).add_edge(START, "call_model").compile()
)


@pytest.mark.streamtest(cassette="seed_custom")
def test_planted_bug_dropped_token_is_pointed_at(cassette: Cassette, replay_again: Any) -> None:
    t = capture(dropping_graph, TOPIC, stream_mode="custom")
    joke = provider_tokens(cassette)["joke"]
    dropped, after = joke[2], joke[3]  # the node drops the joke's 3rd token

    # conservation names the interaction and shows the two streams, caret under the missing token
    with pytest.raises(AssertionError) as excinfo:
        assert_conserves(t, cassette.interactions, tags=tags_by_prompt)
    message = str(excinfo.value)
    assert message.startswith(
        "interaction 1 of 2 (model 'gpt-4o-mini', prompt 'Write a joke about cats') did not reach the stream "
        "intact; closest: call 1 (custom, node 'call_model', tags ['joke']), from its start"
    )
    assert f"first difference at token 3 (provider sent {dropped!r}, graph streamed {after!r}); " in message
    assert f"provider sent has {len(joke)} tokens, graph streamed {len(joke) - 1}:" in message
    assert stream_line(message, "provider sent").startswith(piped(joke[:5]))
    assert stream_line(message, "graph streamed").startswith(piped(joke[:2] + joke[3:6]))
    assert caret_target(message, "provider sent") == show_token(dropped)
    assert caret_target(message, "graph streamed") == show_token(after)

    # the exact-sequence assertion says the same from the tag's side
    with pytest.raises(AssertionError) as excinfo:
        assert_tokens(t, joke, tag="joke")
    message = str(excinfo.value)
    assert message.startswith(
        f"tokens of tag 'joke' differ\nfirst difference at token 3 (expected {dropped!r}, actual {after!r})"
    )
    assert caret_target(message, "expected") == show_token(dropped)
    assert caret_target(message, "actual") == show_token(after)

    # the node still returns the whole joke: the text parts where the dropped token was
    with pytest.raises(AssertionError) as excinfo:
        assert_text_matches_state(t, "joke", tag="joke")
    message = str(excinfo.value)
    at = len(joke[0] + joke[1]) + 1
    assert message.startswith(f"text of tag 'joke' differs from the final state's 'joke' at character {at}")
    assert caret_target(message, "actual") == show_token(after)

    # the poem is untouched, and "in order" still holds for the joke (a token missing is not disorder)
    assert_tokens(t, provider_tokens(cassette)["poem"], tag="poem")
    assert_tokens_in_order(t, [joke[0], joke[1], joke[3]], tag="joke")

    # and against a correct replay, the golden-style diff starts at the first record, token 3
    with replay_again():
        good = capture(custom_graph_sync, TOPIC, stream_mode="custom")
    assert good != t
    lines = transcript_diff_lines(good.records(), t.records(), labels=("golden", "actual"))
    assert lines[0] == "first difference in record 1 (custom call_model):"
    assert lines[1].startswith(f"first difference at token 3 (golden {dropped!r}, actual {after!r})")


def call_model_mistagged(tags: list[str]) -> Any:
    """The seed's messages-mode node, its poem made by the seed's poem model with the wrong ``tags``.

    Tags never reach the request, so the recorded cassette still answers every call.
    """
    wrong_poem_model = poem_model.model_copy(update={"tags": tags})

    def call_model(state: State, config: RunnableConfig) -> dict[str, str]:
        topic = state["topic"]
        joke_response = joke_model.invoke([{"role": "user", "content": f"Write a joke about {topic}"}], config)
        poem_response = wrong_poem_model.invoke(
            [{"role": "user", "content": f"Write a short poem about {topic}"}], config
        )
        return {"joke": joke_response.text, "poem": poem_response.text}

    return StateGraph(State).add_node("call_model", call_model).add_edge(START, "call_model").compile()


@pytest.mark.streamtest(cassette="seed_messages")
def test_planted_bug_poem_tagged_joke(cassette: Cassette) -> None:
    t = capture(call_model_mistagged(["joke"]), TOPIC)
    expected = provider_tokens(cassette)

    # the UI's "joke" filter now shows the poem too: the diff marks where the joke should have ended
    with pytest.raises(AssertionError) as excinfo:
        assert_tokens(t, expected["joke"], tag="joke")
    message = str(excinfo.value)
    joke, poem = expected["joke"], expected["poem"]
    assert message.startswith(
        f"tokens of tag 'joke' differ\nfirst difference at token {len(joke) + 1} (expected ends; actual continues "
        f"with {poem[0]!r}); expected has {len(joke)} tokens, actual {len(joke) + len(poem)}:"
    )
    assert stream_line(message, "actual").startswith("…") and piped(poem[:4]) in stream_line(message, "actual")
    assert caret_target(message, "actual") == show_token(poem[0])
    assert caret_target(message, "expected") == "<end>"

    # conservation with the tags each call's model should carry names the call and the tags
    with pytest.raises(AssertionError) as excinfo:
        assert_conserves(t, cassette.interactions, tags=tags_by_prompt)
    assert str(excinfo.value) == (
        "interaction 2 of 2 (model 'gpt-4o-mini', prompt 'Write a short poem about cats') was streamed under "
        "tags ['joke'], but the model that made it carries ['poem']: call 2 (messages, node 'call_model', "
        "tags ['joke'])."
    )
    # and "poem" finds nothing, with what there is instead
    with pytest.raises(
        AssertionError, match=r"tokens of tag 'poem': no tokens here .* tags: 'joke'; nodes: 'call_model'"
    ):
        assert_tokens(t, expected["poem"], tag="poem")


@pytest.mark.streamtest(cassette="seed_messages")
def test_planted_bug_poem_carries_both_tags(cassette: Cassette) -> None:
    t = capture(call_model_mistagged(["poem", "joke"]), TOPIC)
    joke, poem = provider_tokens(cassette)["joke"], provider_tokens(cassette)["poem"]
    assert t.tagged("poem").tokens == poem  # a "poem" filter alone would not see it
    with pytest.raises(AssertionError) as excinfo:
        assert_tags_exclusive(t, "joke", "poem")
    message = str(excinfo.value)
    assert message.startswith(
        f"{len(poem)} of {len(joke) + len(poem)} tagged tokens carry more than one of ['joke', 'poem']; first: "
        f"token {len(joke) + 1} {show_token(poem[0])!r} (node 'call_model', tags ['poem', 'joke']) carries ['joke', 'poem']"
    )
    assert caret_target(message, "tokens") == show_token(poem[0])
    # the joke's last tokens, then the poem's first, caret under the first doubly tagged one
    assert piped(joke[-4:] + poem[:4]) in stream_line(message, "tokens")


def fanout_mistagged() -> Any:
    """The fan-out graph, its poem_node calling a model tagged "joke"."""
    wrong_poem_model = poem_model.model_copy(update={"tags": ["joke"]})

    def joke_node(state: State, config: RunnableConfig) -> dict[str, str]:
        response = joke_model.invoke([{"role": "user", "content": f"Write a joke about {state['topic']}"}], config)
        return {"joke": response.text}

    def poem_node(state: State, config: RunnableConfig) -> dict[str, str]:
        response = wrong_poem_model.invoke(
            [{"role": "user", "content": f"Write a short poem about {state['topic']}"}], config
        )
        return {"poem": response.text}

    return (
        StateGraph(State)
        .add_node("joke_node", joke_node)
        .add_node("poem_node", poem_node)
        .add_edge(START, "joke_node")
        .add_edge(START, "poem_node")
        .add_edge("joke_node", END)
        .add_edge("poem_node", END)
        .compile()
    )


@pytest.mark.streamtest(cassette="fanout")
def test_planted_bug_tag_routed_from_the_wrong_node(cassette: Cassette) -> None:
    t = capture(fanout_mistagged(), TOPIC)
    with pytest.raises(AssertionError) as excinfo:
        assert_from_nodes(t, "joke_node", tag="joke")
    message = str(excinfo.value)
    joke, poem = provider_tokens(cassette)["joke"], provider_tokens(cassette)["poem"]
    assert message.startswith(
        f"{len(poem)} of {len(joke) + len(poem)} tokens of tag 'joke' come from nodes other than 'joke_node'; "
        f"first: token {len(joke) + 1} {show_token(poem[0])!r} (node 'poem_node', tags ['joke'])"
    )
    assert caret_target(message, "tokens") == show_token(poem[0])
    assert f"by node: 'joke_node' ×{len(joke)}, 'poem_node' ×{len(poem)}" in message
