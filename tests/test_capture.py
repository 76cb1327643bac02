"""capture/acapture: every stream shape, custom payloads, canonical order, determinism."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler, CallbackManager
from langchain_core.messages import AIMessage, AIMessageChunk

from streamtest._exceptions import StreamtestError, UsageError
from streamtest._transcript.capture import StreamEvent, StreamShapeError, Tokens, Transcript, acapture, capture
from tests.test_transcript_fakes import (
    JOKE,
    POEM,
    custom_graph,
    fanout_graph,
    joke_poem_graph,
    send_graph,
    subgraph_fanout_graph,
    subgraph_graph,
)

TASK = "call_model:6ddc5f0f-1dd0-325d-3014-f949286ce595"
META = {
    "langgraph_step": 1,
    "langgraph_node": "call_model",
    "langgraph_path": ("__pregel_pull", "call_model"),
    "langgraph_checkpoint_ns": TASK,
    "checkpoint_ns": TASK,
    "lc_versions": {"langchain-core": "1.7.2"},
    "tags": ["joke"],
}
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def chunk(text: str, mid: str = "lc_run--01a20aa9-7777-752f-afe9-41b422143003") -> AIMessageChunk:
    return AIMessageChunk(content=text, id=mid)


def msg(text: str) -> tuple[AIMessageChunk, dict[str, Any]]:
    return (chunk(text), META)


# --------------------------------------------------------------------------- shapes, hand-built


@pytest.mark.parametrize(
    ("items", "options"),
    [
        pytest.param([msg("a"), msg("b")], {"stream_mode": "messages"}, id="one-mode"),
        pytest.param([("messages", msg("a")), ("messages", msg("b"))], {"stream_mode": ["messages"]}, id="mode-list"),
        pytest.param([((), msg("a")), ((), msg("b"))], {"stream_mode": "messages", "subgraphs": True}, id="subgraphs"),
        pytest.param(
            [((), "messages", msg("a")), ((), "messages", msg("b"))],
            {"stream_mode": ["messages", "custom"], "subgraphs": True},
            id="mode-list-subgraphs",
        ),
        pytest.param(
            [{"type": "messages", "ns": (), "data": msg("a")}, {"type": "messages", "ns": (), "data": msg("b")}],
            {"stream_mode": "messages", "version": "v2"},
            id="v2",
        ),
        pytest.param(
            [{"type": "messages", "ns": (), "data": msg("a")}, {"type": "messages", "ns": (), "data": msg("b")}],
            {"stream_mode": ["messages", "values"], "subgraphs": True, "version": "v2"},
            id="v2-mode-list-subgraphs",
        ),
    ],
)
def test_every_shape_of_the_field_notes_table_parses(items: list[Any], options: dict[str, Any]) -> None:
    t = Transcript.from_stream(items, **options)
    assert t.tokens == ["a", "b"]
    event = t.events[0]
    assert (event.mode, event.namespace, event.node, event.tags, event.kind) == (
        "messages",
        (),
        "call_model",
        ("joke",),
        "token",
    )
    assert event.task == TASK and event.message_id is not None and event.metadata is META
    assert t.raw == tuple(items)


@pytest.mark.parametrize(
    ("items", "options", "message"),
    [
        pytest.param([("messages",)], {"stream_mode": ["messages"]}, "a (mode, payload) tuple", id="short-tuple"),
        pytest.param([("values", {})], {"stream_mode": ["messages"]}, "not 'values'", id="mode-not-requested"),
        pytest.param([(["ns"], msg("a"))], {"stream_mode": "messages", "subgraphs": True}, "namespace tuple", id="ns-list"),
        pytest.param([msg("a")], {"stream_mode": "messages", "subgraphs": True}, "namespace tuple", id="missing-ns"),
        pytest.param([("messages", msg("a"))], {"stream_mode": ["messages"], "subgraphs": True}, "(namespace, mode", id="no-ns"),
        pytest.param([{"type": "messages", "data": 1}], {"stream_mode": "messages", "version": "v2"}, '"ns"', id="v2-keys"),
        pytest.param([msg("a")], {"stream_mode": "messages", "version": "v2"}, '"type"', id="v1-under-v2"),
        pytest.param(
            [{"event": "content-block-delta", "delta": {"text": "x"}}],
            {"stream_mode": "messages"},
            "messages payload",
            id="protocol-event",
        ),
        pytest.param([("not a message", META)], {"stream_mode": "messages"}, "messages payload", id="str-message"),
    ],
)
def test_unknown_shapes_raise_instead_of_dropping(items: list[Any], options: dict[str, Any], message: str) -> None:
    with pytest.raises(StreamShapeError, match=re.escape(message)) as caught:
        Transcript.from_stream(items, **options)
    assert isinstance(caught.value, StreamtestError)
    assert "graph.stream(stream_mode=" in str(caught.value)


def test_a_tuple_of_modes_is_refused_because_langgraph_drops_the_mode() -> None:
    sync, _ = joke_poem_graph()
    with pytest.raises(UsageError, match=r"pass stream_mode=\['messages', 'custom'\]"):
        capture(sync, {"topic": "cats"}, stream_mode=("messages", "custom"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"version": "v3"}, "version='v3'"),
        ({"subgraphs": "yes"}, "subgraphs='yes'"),
        ({"stream_mode": []}, "non-empty list"),
        ({"extract": "content"}, "extract='content' is not a callable"),
        ({"config": ["callbacks"]}, "RunnableConfig"),
    ],
)
def test_bad_options_raise_usage_errors_showing_the_value(kwargs: dict[str, Any], message: str) -> None:
    sync, _ = joke_poem_graph()
    with pytest.raises(UsageError, match=re.escape(message)):
        capture(sync, {"topic": "cats"}, **kwargs)


def test_capture_needs_a_graph() -> None:
    with pytest.raises(UsageError, match=r"no \.stream"):
        capture(object(), {})


# --------------------------------------------------------------------------- custom payloads


class OpenAIChunk:
    """Shaped like openai's ChatCompletionChunk: .choices[0].delta.content."""

    def __init__(self, content: str | None) -> None:
        self.choices = [SimpleNamespace(delta=SimpleNamespace(content=content))]


@pytest.mark.parametrize(
    ("payload", "text", "tags"),
    [
        pytest.param(({"role": "assistant", "content": "Why"}, {**META, "tags": ["poem"]}), "Why", ("poem",), id="seed-tuple"),
        pytest.param("plain", "plain", (), id="str"),
        pytest.param({"content": "c"}, "c", (), id="content"),
        pytest.param({"delta": "d"}, "d", (), id="delta-str"),
        pytest.param({"delta": {"content": "d2"}}, "d2", (), id="delta-dict"),
        pytest.param({"content": "t", "tags": ["joke"]}, "t", ("joke",), id="dict-tags"),
        pytest.param({"content": "m", "metadata": {"tags": ["x"], "langgraph_node": "n"}}, "m", ("x",), id="dict-metadata"),
        pytest.param(OpenAIChunk("o"), "o", (), id="openai-chunk"),
        pytest.param(({"role": "assistant", "content": None}, META), None, ("joke",), id="role-only"),
        pytest.param({"progress": 0.5}, None, (), id="other-dict"),
        pytest.param(42, None, (), id="int"),
    ],
)
def test_custom_payloads_people_use_are_read_out_of_the_box(payload: Any, text: str | None, tags: tuple[str, ...]) -> None:
    event = Transcript.from_stream([payload], stream_mode="custom").events[0]
    assert (event.text, event.tags, event.kind) == (text, tags, "data" if text is None else "token")
    assert event.payload is payload


def test_user_extract_reads_their_own_payloads() -> None:
    def extract(payload: Any) -> Any:
        if payload.get("kind") == "tok":
            return payload["t"], {"tags": [payload["who"]], "langgraph_node": "n"}
        if payload.get("kind") == "bare":
            return payload["t"]
        return None

    t = Transcript.from_stream(
        [{"kind": "tok", "t": "a", "who": "x"}, {"kind": "bare", "t": "b"}, {"kind": "status"}],
        stream_mode="custom",
        extract=extract,
    )
    assert [(e.text, e.tags, e.node, e.kind) for e in t.arrival] == [
        ("a", ("x",), "n", "token"),
        ("b", (), None, "token"),
        (None, (), None, "data"),
    ]


def test_user_extract_returning_nonsense_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"extract\('x'\) returned 3"):
        Transcript.from_stream(["x"], stream_mode="custom", extract=lambda p: 3)  # type: ignore[arg-type,return-value]


# --------------------------------------------------------------------------- real graphs


def test_seed_joke_poem_node_in_messages_mode() -> None:
    sync, _ = joke_poem_graph()
    t = capture(sync, {"topic": "cats"})
    assert isinstance(t.tokens, Tokens)
    assert t.tagged("joke").tokens == JOKE
    assert t.tagged("poem").tokens == POEM
    assert t.tagged("joke").text == t.final_state["joke"]
    assert t.final_state == sync.invoke({"topic": "cats"})
    assert t.nodes == ("call_model",)
    assert t.tag_set == ("joke", "poem")
    assert str(t.tagged("joke").tokens).startswith("Why| was| the| cat|")
    joke_event = t.tagged("joke").events[0]
    assert joke_event.metadata["ls_model_name"] == "scripted-1"
    assert joke_event.metadata["langgraph_checkpoint_ns"].startswith("call_model:")
    assert joke_event.message_id is not None and joke_event.message_id.startswith("lc_run--")
    assert len(t.calls()) == 2
    assert [call.tokens for call in t.calls()] == [JOKE, POEM]


@pytest.mark.asyncio
async def test_seed_joke_poem_node_async_equals_sync() -> None:
    sync, asynchronous = joke_poem_graph()
    t = await acapture(asynchronous, {"topic": "cats"})
    assert t.tagged("poem").tokens == POEM
    assert t.final_state == {"topic": "cats", "joke": "".join(JOKE), "poem": "".join(POEM)}
    assert t == capture(sync, {"topic": "cats"})


@pytest.mark.parametrize("version", [None, "v1", "v2"])
@pytest.mark.parametrize("stream_mode", ["messages", ["messages", "custom"], ["messages", "updates", "values"]])
def test_capture_yields_what_graph_stream_yields(stream_mode: Any, version: Any) -> None:
    sync, _ = joke_poem_graph()
    t = capture(sync, {"topic": "cats"}, stream_mode=stream_mode, version=version)
    kwargs = {"version": version} if version else {}
    direct = list(sync.stream({"topic": "cats"}, stream_mode=stream_mode, **kwargs))
    assert len(t.raw) == len(direct) == len(t.events)
    assert [type(item) for item in t.raw] == [type(item) for item in direct]
    assert {e.mode for e in t} == set([stream_mode] if isinstance(stream_mode, str) else stream_mode) - {"custom"}
    assert t.mode("messages").tokens == JOKE + POEM
    assert t.options == {"stream_mode": stream_mode, "subgraphs": False, "version": version or "v1"}


def test_values_and_updates_are_kept_as_data_and_updates_know_their_node() -> None:
    sync, _ = joke_poem_graph()
    t = capture(sync, {"topic": "cats"}, stream_mode=["messages", "updates", "values"])
    updates = t.mode("updates").events
    assert [(e.node, e.kind, e.text) for e in updates] == [("call_model", "data", None)]
    values = t.mode("values").events
    assert values[-1].payload == t.final_state
    # canonical order: input values, then the node's tokens and update, then the step's values
    assert [e.mode for e in t.events if e.mode != "messages"] == ["values", "updates", "values"]
    assert t.events[0].mode == "values" and t.events[-1].mode == "values"


def test_custom_mode_seed_pattern_carries_tags_and_node() -> None:
    t = capture(custom_graph(), {"topic": "cats"}, stream_mode="custom")
    assert t.tagged("joke").tokens == JOKE
    assert t.tagged("poem").tokens == POEM
    assert t.from_node("call_model").tokens == JOKE + POEM
    assert {e.task or "" for e in t}.pop().startswith("call_model:")
    assert len(t.calls()) == 2


def test_custom_mode_plain_strings() -> None:
    t = capture(custom_graph(plain=True), {"topic": "cats"}, stream_mode="custom")
    assert t.tokens == JOKE + POEM
    assert t.tagged("joke").tokens == []


@pytest.mark.parametrize("stream_mode", ["messages", ["messages", "custom"]])
@pytest.mark.parametrize("version", [None, "v2"])
def test_subgraph_events_carry_their_namespace(stream_mode: Any, version: Any) -> None:
    t = capture(subgraph_graph(), {"topic": "cats"}, stream_mode=stream_mode, subgraphs=True, version=version)
    inner = t.in_subgraph("researcher")
    assert inner.mode("messages").tokens == JOKE
    assert inner.events[0].namespace[0].startswith("researcher:")
    assert inner.mode("messages").events[0].node == "inner"
    assert t.in_subgraph("elsewhere").tokens == []
    normalized = t.normalized()
    assert normalized.events[0].namespace == ("researcher:<task:1>",)
    assert normalized.mode("messages").events[0].task == "researcher:<task:1>|inner:<task:2>"


def test_without_subgraphs_the_subgraph_tokens_are_not_streamed() -> None:
    t = capture(subgraph_graph(), {"topic": "cats"})
    assert t.tokens == []


def test_user_callbacks_still_run_list_and_manager() -> None:
    class Counter(BaseCallbackHandler):
        def __init__(self) -> None:
            self.starts = 0

        def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
            self.starts += 1

    sync, _ = joke_poem_graph()
    listed, managed = Counter(), Counter()
    capture(sync, {"topic": "cats"}, config={"callbacks": [listed]})
    capture(sync, {"topic": "cats"}, config={"callbacks": CallbackManager(handlers=[managed], inheritable_handlers=[managed])})
    assert (listed.starts, managed.starts) == (2, 2)


def test_stream_kwargs_reach_graph_stream() -> None:
    sync, _ = joke_poem_graph()
    t = capture(sync, {"topic": "cats"}, stream_mode="updates", output_keys=["joke"])
    assert t.events[0].payload == {"call_model": {"joke": "".join(JOKE)}}


# --------------------------------------------------------------------------- normalization of real runs


def test_normalized_transcript_has_no_per_run_ids_and_repeats() -> None:
    sync, _ = joke_poem_graph()
    first = capture(sync, {"topic": "cats"}, stream_mode=["messages", "updates", "values"])
    second = capture(sync, {"topic": "cats"}, stream_mode=["messages", "updates", "values"])
    assert first.raw != second.raw  # message ids and task ids differ ...
    assert first.normalized().records() == second.normalized().records()  # ... normalized, nothing does
    assert first == second
    dumped = repr(first.normalized().records())
    assert not UUID_RE.search(dumped) and "lc_versions" not in dumped and "ls_integration" not in dumped
    records = first.records()
    token_records = [r for r in records if "tokens" in r]
    assert [(r["tags"], r["message"], r["metadata"]["checkpoint_ns"]) for r in token_records] == [
        (["joke"], "<msg:1>", "call_model:<task:1>"),
        (["poem"], "<msg:2>", "call_model:<task:1>"),
    ]
    assert token_records[0]["tokens"] == JOKE  # empty chunks left out


def test_normalized_view_numbers_within_the_view() -> None:
    sync, _ = joke_poem_graph()
    poem = capture(sync, {"topic": "cats"}).tagged("poem").normalized()
    assert {e.message_id for e in poem} == {"<msg:1>"}
    assert poem.description == "tag 'poem'"


def test_transcripts_differ_when_tokens_do() -> None:
    sync, _ = joke_poem_graph()
    broken, _ = joke_poem_graph(drop_poem_token=3)
    assert capture(sync, {"topic": "cats"}) != capture(broken, {"topic": "cats"})
    assert capture(sync, {"topic": "cats"}) != "not a transcript"


# --------------------------------------------------------------------------- determinism


RUNS = 200


def _distinct(runs: list[Transcript]) -> tuple[int, int]:
    """(distinct arrival orders, distinct normalized transcripts) over ``runs``."""
    arrivals = {tuple((e.tags, e.text) for e in t.arrival) for t in runs}
    normalized = {repr(t.normalized().records()) for t in runs}
    return len(arrivals), len(normalized)


def _check_many(make: Callable[[], Transcript]) -> list[Transcript]:
    runs = [make() for _ in range(RUNS)]
    arrivals, normalized = _distinct(runs)
    assert arrivals > 1, "the branches never interleaved differently: this test would prove nothing"
    assert normalized == 1, f"{normalized} different normalized transcripts over {RUNS} runs"
    return runs


def test_fanout_sync_200_runs_one_normalized_transcript() -> None:
    sync, _ = fanout_graph()
    runs = _check_many(lambda: capture(sync, {"topic": "cats"}))
    t = runs[0]
    # canonical order: step 1 branches by node name, then step 2
    assert [call.tags[0] for call in (c.events[0] for c in t.calls())] == ["joke", "poem", "summary"]
    assert t.tokens == JOKE + POEM + ["Cats", ",", " twice", "."]


def test_fanout_async_200_runs_one_normalized_transcript() -> None:
    _, asynchronous = fanout_graph(jitter=True)

    async def many() -> list[Transcript]:
        return [await acapture(asynchronous, {"topic": "cats"}) for _ in range(RUNS)]

    runs = asyncio.run(many())
    arrivals, normalized = _distinct(runs)
    assert arrivals > 1 and normalized == 1


def test_fanout_every_mode_at_once_is_deterministic() -> None:
    sync, _ = fanout_graph(custom=True)
    modes = ["messages", "custom", "updates", "values", "tasks"]
    runs = _check_many(lambda: capture(sync, {"topic": "cats"}, stream_mode=modes, subgraphs=True))
    t = runs[0]
    assert t.mode("custom").tagged("poem").tokens == POEM
    assert [e.node for e in t.mode("updates")] == ["write_joke", "write_poem", "summarize"]


def test_send_fanout_to_one_node_is_deterministic() -> None:
    graph = send_graph()
    runs = _check_many(lambda: capture(graph, {"topics": ["cats", "dogs", "owls"]}, stream_mode=["messages", "updates"]))
    assert [c.events[0].tags for c in runs[0].calls()] == [("cats",), ("dogs",), ("owls",)]


def test_parallel_subgraphs_are_deterministic() -> None:
    graph = subgraph_fanout_graph()
    runs = _check_many(
        lambda: capture(graph, {"topic": "cats"}, stream_mode=["messages", "custom", "updates"], subgraphs=True)
    )
    t = runs[0].normalized()
    assert t.mode("messages").tokens == JOKE + POEM
    namespaces = [e.namespace for e in t.mode("messages")]
    assert namespaces[0] == ("left:<task:1>",) and namespaces[-1] == ("right:<task:3>",)


def test_arrival_order_is_kept() -> None:
    sync, _ = fanout_graph()
    for _ in range(50):
        t = capture(sync, {"topic": "cats"})
        if t.arrival_tokens != t.tokens:
            break
    else:
        pytest.fail("the fan-out never interleaved in 50 runs")
    assert sorted(t.arrival_tokens) == sorted(t.tokens)
    assert [e.index for e in t.arrival] == list(range(len(t.arrival)))


def test_events_are_frozen_and_index_does_not_count_for_equality() -> None:
    a = StreamEvent("custom", (), None, (), {}, "x", None, "x", "token", None, 0)
    b = StreamEvent("custom", (), None, (), {}, "x", None, "x", "token", None, 7)
    assert a == b
    with pytest.raises(AttributeError):
        a.text = "y"  # type: ignore[misc]


def test_whole_messages_are_not_tokens() -> None:
    t = Transcript.from_stream([(AIMessage(content="whole", id="m"), META), msg("tok")], stream_mode="messages")
    assert [e.kind for e in t.arrival] == ["message", "token"]
    assert t.tokens == ["tok"]


def test_stream_mode_none_means_the_graphs_default() -> None:
    sync, _ = joke_poem_graph()
    t = capture(sync, {"topic": "cats"}, stream_mode=None)
    assert t.options["stream_mode"] == sync.stream_mode
    assert len(t.raw) == len(list(sync.stream({"topic": "cats"})))
    assert t.final_state == sync.invoke({"topic": "cats"})


def test_interrupt_updates_are_graph_level_data() -> None:
    t = Transcript.from_stream(
        [("updates", {"__interrupt__": ("x",)}), ("values", {"a": 1})], stream_mode=["updates", "values"]
    )
    assert [(e.node, e.task, e.kind) for e in t] == [(None, None, "data"), (None, None, "data")]
