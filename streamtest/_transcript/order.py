"""The canonical order of a transcript's events, and the observer callback that feeds it.

Canonical order
---------------
``graph.stream`` yields items in arrival order, and the branches of one
superstep run concurrently (threads for ``stream``, tasks for ``astream``), so
two replays of one cassette can interleave differently. ``Transcript.events``
is therefore a stable sort of the arrival order by a key that uses no per-run
id:

1. the LangGraph task that emitted the event, placed by its superstep, then its
   ``langgraph_path`` (which tells ``Send`` branches apart), then node name; for
   a subgraph, the same again one level down, under its parent task;
2. within one task, one *call* after another (all events of one model call, or
   of one custom-token lane = one tag set) in the order the calls started,
   each call's events in arrival order;
3. graph-level events (``values``, ``checkpoints``, custom payloads that name no
   task) after the tasks of the superstep they follow, grouped per call too.

An event's task comes from its metadata (``langgraph_checkpoint_ns``: messages,
and custom payloads that carry ``config["metadata"]``), from the task id in
``tasks``/``debug`` payloads, and for ``updates`` (which name only the node) from
the task of that node whose output equals the update. Task steps and paths, call
start order, node outputs and the graph's output (``Transcript.final_state``,
what ``graph.invoke`` would return) come from an observer callback that
``capture`` adds to ``config["callbacks"]``. It has no streaming capability, so
it changes nothing the graph streams. Arrival order is kept in
``Transcript.arrival``; :meth:`Transcript.interleaves` uses it.

Not guaranteed: custom payloads carrying no metadata, written by two tasks that
run concurrently in the same graph, keep arrival order (put ``config["metadata"]``
in the payload, as the LangGraph how-to does, or return it from ``extract``);
likewise model calls that one node runs on several threads at once
(``asyncio.gather`` in one node is fine: calls start in a fixed order).

No LangGraph import: ``langchain_core``'s callback base class is imported when
:func:`observer_class` first builds the observer.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from streamtest._exceptions import UsageError
from streamtest._transcript.events import NS_END, NS_SEP, StreamEvent, task_of
from streamtest._transcript.normalize import to_plain

__all__ = ["Layout", "canonical_order", "observer_class", "one_id_per_call", "with_observer"]

_LC_RUN_PREFIX = "lc_run--"
_RUN_SUFFIX_RE = re.compile(r"-\d+$")


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class _TaskInfo:
    step: int
    path: str
    node: str


@dataclass
class Layout:
    """What the observer callback learnt: task positions, model-call start order, the output."""

    tasks: dict[str, _TaskInfo] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    llm_starts: dict[str, int] = field(default_factory=dict)
    provider_chunks: dict[int, tuple[Any, str]] = field(default_factory=dict)
    """Chunks a provider named itself (not ``lc_run--``), by identity: ``(message, run id)``.

    Keyed by the message object, not its id: generated streams may reuse one id in two calls.
    The message is kept so its identity stays unique while the transcript lives."""
    final_state: Any = None
    has_final_state: bool = False

    def learn_task(self, metadata: Mapping[str, Any] | None) -> str | None:
        if not metadata:
            return None
        task = task_of(metadata)
        step = metadata.get("langgraph_step")
        if task is None or not isinstance(step, int):
            return task
        if task not in self.tasks:
            self.tasks[task] = _TaskInfo(
                step=step,
                path=repr(to_plain(metadata.get("langgraph_path", ()))),
                node=str(metadata.get("langgraph_node", task.rpartition(NS_SEP)[2].partition(NS_END)[0])),
            )
        return task


@functools.cache
def observer_class() -> type:
    """The observer callback class, built on first use so importing us stays light."""
    from langchain_core.callbacks import BaseCallbackHandler

    class _Observer(BaseCallbackHandler):
        """Learns the task layout and the graph's output; never streams, never mutates."""

        run_inline = True
        ignore_agent = True
        ignore_retriever = True
        ignore_custom_event = True

        def __init__(self) -> None:
            self.layout = Layout()
            self._lock = threading.Lock()
            self._root: object = None
            self._node_runs: dict[Any, str] = {}

        def on_chain_start(
            self, serialized: Any, inputs: Any, *, run_id: Any, metadata: Any = None, name: Any = None, **_: Any
        ) -> None:
            with self._lock:
                if self._root is None:
                    self._root = run_id
                task = self.layout.learn_task(metadata)
                if task is not None and name is not None and name == metadata.get("langgraph_node"):
                    self._node_runs[run_id] = task  # the node's own run, not a runnable inside it

        def on_chain_end(self, outputs: Any, *, run_id: Any, **_: Any) -> None:
            with self._lock:
                if run_id == self._root:
                    self.layout.final_state = outputs
                    self.layout.has_final_state = True
                task = self._node_runs.pop(run_id, None)
                if task is not None:
                    self.layout.outputs[task] = outputs

        def _on_model_start(self, run_id: Any, metadata: Any) -> None:
            with self._lock:
                self.layout.learn_task(metadata)
                self.layout.llm_starts[str(run_id)] = len(self.layout.llm_starts)

        def on_chat_model_start(
            self, serialized: Any, messages: Any, *, run_id: Any, metadata: Any = None, **_: Any
        ) -> None:
            self._on_model_start(run_id, metadata)

        def on_llm_start(self, serialized: Any, prompts: Any, *, run_id: Any, metadata: Any = None, **_: Any) -> None:
            self._on_model_start(run_id, metadata)

        def on_llm_new_token(self, token: Any, *, chunk: Any = None, run_id: Any, **_: Any) -> None:
            # Most chunks carry LangChain's ``lc_run--<run id>``; a provider's own id (the
            # Responses API's ``resp_...`` on the first chunk) says nothing about the run.
            message = getattr(chunk, "message", None)
            message_id = getattr(message, "id", None)
            if isinstance(message_id, str) and not message_id.startswith(_LC_RUN_PREFIX):
                with self._lock:
                    self.layout.provider_chunks[id(message)] = (message, str(run_id))

    return _Observer


def with_observer(config: Mapping[str, Any] | None, observer: Any) -> dict[str, Any]:
    """A shallow copy of ``config`` with the observer added to its callbacks."""
    if config is not None and not isinstance(config, Mapping):
        raise UsageError(f"config={config!r} must be a RunnableConfig dict or None.")
    merged = dict(config or {})
    callbacks = merged.get("callbacks")
    if callbacks is None:
        merged["callbacks"] = [observer]
    elif isinstance(callbacks, list):
        merged["callbacks"] = [*callbacks, observer]
    else:  # a callback manager
        manager = callbacks.copy()
        manager.add_handler(observer, inherit=True)
        merged["callbacks"] = manager
    return merged


# --------------------------------------------------------------------------- canonical order


def _parent(task: str) -> str:
    return task.rpartition(NS_SEP)[0]


def _explicit_step(event: StreamEvent) -> int | None:
    """The superstep a graph-level event names itself (checkpoints, debug)."""
    payload = event.payload
    if not isinstance(payload, Mapping):
        return None
    step = payload.get("step") if event.mode == "debug" else None
    if event.mode == "checkpoints" and isinstance(payload.get("metadata"), Mapping):
        step = payload["metadata"].get("step")
    return step if isinstance(step, int) else None


def _run_id(message_id: str | None) -> str | None:
    if not message_id or not message_id.startswith(_LC_RUN_PREFIX):
        return None
    return _RUN_SUFFIX_RE.sub("", message_id[len(_LC_RUN_PREFIX) :])


def one_id_per_call(arrival: Sequence[StreamEvent], layout: Layout) -> list[StreamEvent]:
    """``arrival`` with every chunk of one model call under one message id, ``lc_run--<run id>``.

    LangChain names a chunk ``lc_run--<run id>`` unless the provider named it: the
    Responses API's first chunk carries ``resp_...``, so one call would read as two.
    Such a chunk takes its run's ``lc_run--`` id (the observer saw which run streamed
    it). Without the observer (``Transcript.from_stream``) ids are left as they came.
    """
    if not layout.provider_chunks:
        return list(arrival)
    out = []
    for event in arrival:
        if _is_chunk(event) and isinstance(event.payload, tuple) and event.payload:
            found = layout.provider_chunks.get(id(event.payload[0]))
            if found is not None and found[0] is event.payload[0]:
                event = replace(event, message_id=f"{_LC_RUN_PREFIX}{found[1]}")
        out.append(event)
    return out


def _is_chunk(event: StreamEvent) -> bool:
    return event.mode == "messages" and event.kind == "token"


def _same_output(recorded: Any, update: Any) -> bool:
    try:
        return bool(recorded == update)
    except Exception:  # an odd __eq__ just means "no match"
        return False


def _owners(arrival: Sequence[StreamEvent], layout: Layout) -> list[str | None]:
    """The task each event belongs to.

    An ``updates`` event names its node but not its task: it goes to the first
    unclaimed task of that node (in step and path order) whose recorded output
    equals the update, else to the first unclaimed one. Output matching keeps
    concurrent ``Send`` tasks of one node apart; tasks with equal outputs are
    interchangeable, so which one is picked cannot change the transcript.
    """
    tasks = layout.tasks
    by_node: dict[tuple[str, str], list[str]] = {}
    for task, info in tasks.items():
        by_node.setdefault((_parent(task), info.node), []).append(task)
    for candidates in by_node.values():
        candidates.sort(key=lambda t: (tasks[t].step, tasks[t].path))
    claimed: set[str] = set()
    owners: list[str | None] = []
    for event in arrival:
        owner = event.task
        if owner is None and event.mode == "updates" and event.node is not None:
            free = [t for t in by_node.get((NS_SEP.join(event.namespace), event.node), []) if t not in claimed]
            update = event.payload[event.node]
            matching = (t for t in free if t in layout.outputs and _same_output(layout.outputs[t], update))
            owner = next(matching, free[0] if free else None)
            if owner is not None:
                claimed.add(owner)
        owners.append(owner)
    return owners


def _lane_ranks(arrival: Sequence[StreamEvent], owners: Sequence[str | None], layout: Layout) -> list[int]:
    """Rank of each event's call within its task: first arrival, model calls by start order."""
    first: dict[tuple[str, Any], int] = {}
    lanes: list[tuple[str, Any]] = []
    for i, (event, owner) in enumerate(zip(arrival, owners, strict=True)):
        # Events no task claims are grouped per call at their graph's level.
        where = owner if owner is not None else "graph " + NS_SEP.join(event.namespace)
        lane = (where, event.call if event.call is not None else ("data", i))
        first.setdefault(lane, i)
        lanes.append(lane)
    # Concurrent model calls inside one task arrive in any order but start in a
    # fixed one: give their slots to the calls in start order.
    started: dict[str, list[tuple[int, tuple[str, Any]]]] = {}
    for lane in first:
        call = lane[1]
        run = _run_id(call[1]) if call[0] == "messages" else None
        if run is not None and run in layout.llm_starts:
            started.setdefault(lane[0], []).append((layout.llm_starts[run], lane))
    for calls in started.values():
        slots = sorted(first[lane] for _, lane in calls)
        for slot, (_, lane) in zip(slots, sorted(calls), strict=True):
            first[lane] = slot
    return [first[lane] for lane in lanes]


def canonical_order(arrival: Sequence[StreamEvent], layout: Layout) -> list[StreamEvent]:
    """``arrival`` stably sorted by the id-free key described in the module docstring."""
    tasks = dict(layout.tasks)
    supplemented = replace(layout, tasks=tasks)
    for event in arrival:
        supplemented.learn_task(event.metadata)
    owners = _owners(arrival, supplemented)
    ranks = _lane_ranks(arrival, owners, layout)

    unknown: dict[str, int] = {}  # tasks the layout does not know, by first appearance
    max_step: dict[str, int] = {}  # graph namespace -> latest step seen among its tasks
    keys: list[tuple[tuple[Any, ...], ...]] = []
    for event, owner, rank in zip(arrival, owners, ranks, strict=True):
        segments = owner.split(NS_SEP) if owner else list(event.namespace)
        key: list[tuple[Any, ...]] = []
        for depth in range(len(segments)):
            prefix = NS_SEP.join(segments[: depth + 1])
            info = tasks.get(prefix)
            if info is None:
                order = unknown.setdefault(prefix, len(unknown))
                parent_step = max_step.get(_parent(prefix), -1)
                key.append((0, parent_step, 0, "~", segments[depth].partition(NS_END)[0], order))
                continue
            key.append((0, info.step, 0, info.path, info.node, 0))
        if owner is None:
            graph_ns = NS_SEP.join(segments)
            step = _explicit_step(event)
            key.append((0, max_step.get(graph_ns, -1) if step is None else step, 1))
        key.append((1, rank))
        for depth in range(len(segments)):
            info = tasks.get(NS_SEP.join(segments[: depth + 1]))
            if info is not None:
                graph_ns = NS_SEP.join(segments[:depth])
                max_step[graph_ns] = max(max_step.get(graph_ns, -1), info.step)
        keys.append(tuple(key))
    ordered = sorted(range(len(arrival)), key=keys.__getitem__)
    return [arrival[i] for i in ordered]
