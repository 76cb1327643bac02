"""Run a compiled LangGraph graph and collect what it streams into a :class:`Transcript`.

This is the one module that talks to LangGraph (lazily: importing it costs nothing).

Stream shapes
-------------
:func:`capture` passes ``stream_mode``, ``subgraphs`` and ``version`` to
``graph.stream`` exactly as given, so it knows which shape every item must have
(checked against langgraph 1.2, ``pregel/main.py::_output``):

=====================================  ==========================================
call                                   each item
=====================================  ==========================================
one mode (a str)                       ``payload``
a list of modes                        ``(mode, payload)``
one mode, ``subgraphs=True``           ``(namespace, payload)``
a list of modes, ``subgraphs=True``    ``(namespace, mode, payload)``
``version="v2"``, any of the above     ``{"type": mode, "ns": namespace, "data": payload, ...}``
=====================================  ==========================================

Payloads: ``messages`` is ``(message, metadata)``; ``custom`` is whatever the node
gave its writer (read by :func:`_default_extract` or the user's ``extract``);
``updates``, ``values``, ``tasks``, ``checkpoints``, ``debug`` are kept as data.
Langgraph tags items with their mode only when ``stream_mode`` is a *list*: a
tuple of modes yields bare payloads, so it is refused up front. Anything else
that does not fit raises :class:`StreamShapeError`; nothing is dropped silently.

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
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from streamtest._exceptions import StreamShapeError, UsageError
from streamtest._normalize import VOLATILE_METADATA_KEYS, Normalizer, to_plain

if TYPE_CHECKING:
    from streamtest.assertions import InteractionLike

__all__ = [
    "Extractor",
    "StreamEvent",
    "StreamShapeError",
    "Tokens",
    "Transcript",
    "acapture",
    "capture",
]

Extractor = Callable[[Any], "str | tuple[str | None, Mapping[str, Any] | None] | None"]
"""Reads one custom-mode payload: the token text (``None``: not a token), optionally
with the metadata (``tags``, ``langgraph_node``, ``langgraph_checkpoint_ns``) it carries."""

EventKind = Literal["token", "message", "data"]

_NS_SEP = "|"
_NS_END = ":"
_LC_RUN_PREFIX = "lc_run--"
_RUN_SUFFIX_RE = re.compile(r"-\d+$")
_TASK_PAYLOAD_DEBUG_TYPES = frozenset({"task", "task_result"})


# --------------------------------------------------------------------------- tokens


class Tokens(tuple[str, ...]):
    """A token sequence that equals any list or tuple of the same strings.

    ``str(tokens)`` prints like the LangGraph how-to (``Why| was| the|``), and
    ``assert transcript.tokens == [...]`` gets a side-by-side diff from
    streamtest's ``pytest_assertrepr_compare`` hook.
    """

    __slots__ = ()

    def __new__(cls, tokens: Iterable[str] = ()) -> Tokens:
        return super().__new__(cls, tokens)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple)):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = tuple.__hash__

    def __getitem__(self, index: Any) -> Any:
        item = tuple.__getitem__(self, index)
        return Tokens(item) if isinstance(index, slice) else item

    @property
    def text(self) -> str:
        """The tokens joined, as the user reads them."""
        return "".join(self)

    def __str__(self) -> str:
        return "".join(f"{token}|" for token in self)

    def __repr__(self) -> str:
        return f"Tokens({list(self)!r})"


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class StreamEvent:
    """One item of a graph's stream, with what tests ask about pulled out of it."""

    mode: str
    """The stream mode that produced it: ``"messages"``, ``"custom"``, ``"updates"``..."""
    namespace: tuple[str, ...]
    """The subgraph path (``("parent:<task-id>", ...)``); ``()`` at the root or without ``subgraphs``."""
    node: str | None
    """The node that emitted it (``langgraph_node``, the ``updates`` key, the task name)."""
    tags: tuple[str, ...]
    """The call's tags (``metadata["tags"]``): the model's tags in messages mode."""
    metadata: Mapping[str, Any]
    """The metadata the payload carries (messages mode, or custom payloads that carry it)."""
    text: str | None
    """Token text (``msg.text``, or what the extractor read); ``None`` for data events."""
    message_id: str | None
    """The message id (``lc_run--<run id>``): one model call's chunks share it."""
    payload: Any
    """The mode's payload as LangGraph gave it (plain data in a normalized transcript)."""
    kind: EventKind = "data"
    """``"token"`` (a chunk or custom token), ``"message"`` (a whole message), or ``"data"``."""
    task: str | None = None
    """Checkpoint namespace of the emitting task (``"node:<task-id>"``), when known."""
    index: int = field(default=0, compare=False)
    """Position in arrival order (not compared: it is what varies between runs)."""

    @property
    def is_token(self) -> bool:
        """A non-empty token: what the user sees appear (empty chunks are left out)."""
        return self.kind == "token" and bool(self.text)

    @property
    def call(self) -> tuple[Any, ...] | None:
        """Identity of the model call (or custom-token lane) the event belongs to."""
        if self.mode == "messages" and self.message_id is not None:
            return ("messages", self.message_id)
        if self.kind == "token":
            return (self.mode, self.task or _NS_SEP.join(self.namespace), self.tags)
        return None


# --------------------------------------------------------------------------- shapes


@dataclass(frozen=True)
class _Shape:
    """What every item of one ``graph.stream`` call must look like."""

    modes: tuple[str, ...]
    multi: bool
    subgraphs: bool
    v2: bool

    @classmethod
    def of(cls, stream_mode: object, subgraphs: bool, version: str | None, default: object) -> _Shape:
        if version not in (None, "v1", "v2"):
            raise UsageError(f"{version=} is not a LangGraph stream version; use None, 'v1' or 'v2'.")
        if not isinstance(subgraphs, bool):
            raise UsageError(f"{subgraphs=} must be True or False.")
        mode = default if stream_mode is None else stream_mode
        if isinstance(mode, str):
            return cls((mode,), False, subgraphs, version == "v2")
        if isinstance(mode, list) and mode and all(isinstance(m, str) for m in mode):
            return cls(tuple(mode), True, subgraphs, version == "v2")
        if isinstance(mode, tuple):
            raise UsageError(
                f"stream_mode={mode!r} is a tuple: LangGraph tags items with their mode only "
                f"when stream_mode is a list, so pass stream_mode={list(mode)!r}."
            )
        raise UsageError(f"stream_mode={mode!r} must be a mode name or a non-empty list of them.")

    def describe(self) -> str:
        mode: object = list(self.modes) if self.multi else self.modes[0]
        return f"stream_mode={mode!r}, subgraphs={self.subgraphs}, version={'v2' if self.v2 else 'v1'!r}"


def _shape_error(item: object, shape: _Shape, expected: str) -> StreamShapeError:
    shown = repr(item)
    if len(shown) > 300:
        shown = shown[:300] + "..."
    return StreamShapeError(
        f"graph.stream({shape.describe()}) yielded {shown}; expected {expected}. "
        "streamtest does not know this shape (a LangGraph version it was not built for?): "
        "please report it with the item above."
    )


def _parse_item(item: object, shape: _Shape) -> tuple[str, tuple[str, ...], Any]:
    """``(mode, namespace, payload)`` of one stream item, or StreamShapeError."""
    if shape.v2:
        if not (isinstance(item, Mapping) and {"type", "ns", "data"} <= item.keys()):
            raise _shape_error(item, shape, 'a dict with "type", "ns" and "data" (version="v2")')
        mode, ns, payload = item["type"], item["ns"], item["data"]
    elif shape.multi and shape.subgraphs:
        if not (isinstance(item, tuple) and len(item) == 3):
            raise _shape_error(item, shape, "a (namespace, mode, payload) tuple")
        ns, mode, payload = item
    elif shape.multi:
        if not (isinstance(item, tuple) and len(item) == 2):
            raise _shape_error(item, shape, "a (mode, payload) tuple")
        ns, (mode, payload) = (), item
    elif shape.subgraphs:
        if not (isinstance(item, tuple) and len(item) == 2):
            raise _shape_error(item, shape, "a (namespace, payload) tuple")
        (ns, payload), mode = item, shape.modes[0]
    else:
        ns, mode, payload = (), shape.modes[0], item
    if mode not in shape.modes:
        raise _shape_error(item, shape, f"one of the requested modes {list(shape.modes)}, not {mode!r}")
    if not (isinstance(ns, tuple) and all(isinstance(entry, str) for entry in ns)):
        raise _shape_error(item, shape, f"a namespace tuple of strings, not {ns!r}")
    return mode, ns, payload


# --------------------------------------------------------------------------- payloads


def _text_of(value: object) -> str | None:
    """Token text from a chunk dict (``content`` or ``delta``) or an openai chunk object."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        content = value.get("content")
        if isinstance(content, str):
            return content
        delta = value.get("delta")
        if isinstance(delta, str):
            return delta
        content = delta.get("content") if isinstance(delta, Mapping) else None
        return content if isinstance(content, str) else None
    choices = getattr(value, "choices", None)  # an openai ChatCompletionChunk, as is
    if isinstance(choices, Sequence) and choices:
        content = getattr(getattr(choices[0], "delta", None), "content", None)
        return content if isinstance(content, str) else None
    return None


def _default_extract(payload: Any) -> tuple[str | None, Mapping[str, Any] | None]:
    """Read the custom payloads people use (see the LangGraph how-to).

    ``(chunk_dict, metadata)`` tuples, plain strings, dicts with ``content`` or
    ``delta`` (a str, or ``{"content": ...}``), dicts with ``metadata`` / ``tags``,
    and openai chunk objects. Anything else is data, not a token.
    """
    if isinstance(payload, tuple) and len(payload) == 2 and isinstance(payload[1], Mapping):
        return _text_of(payload[0]), payload[1]
    metadata: Mapping[str, Any] | None = None
    if isinstance(payload, Mapping):
        if isinstance(payload.get("metadata"), Mapping):
            metadata = payload["metadata"]
        elif isinstance(payload.get("tags"), (list, tuple)):
            metadata = {"tags": list(payload["tags"])}
    return _text_of(payload), metadata


def _run_extract(extract: Extractor | None, payload: Any) -> tuple[str | None, Mapping[str, Any] | None]:
    if extract is None:
        text, metadata = _default_extract(payload)
        return (None if text is None else str.__str__(text)), metadata
    result = extract(payload)
    if result is None or isinstance(result, str):
        return (None if result is None else str.__str__(result)), None
    if (
        isinstance(result, tuple)
        and len(result) == 2
        and (result[0] is None or isinstance(result[0], str))
        and (result[1] is None or isinstance(result[1], Mapping))
    ):
        return (None if result[0] is None else str.__str__(result[0])), result[1]
    raise UsageError(
        f"extract({payload!r}) returned {result!r}; return the token text (str), None for "
        "a payload that is not a token, or a (text, metadata) tuple."
    )


def _tags_of(metadata: Mapping[str, Any]) -> tuple[str, ...]:
    tags = metadata.get("tags") or ()
    return tuple(str(tag) for tag in tags) if isinstance(tags, (list, tuple)) else ()


def _task_of(metadata: Mapping[str, Any]) -> str | None:
    task = metadata.get("langgraph_checkpoint_ns")
    return task if isinstance(task, str) and task else None


def _make_event(
    mode: str, ns: tuple[str, ...], payload: Any, index: int, extract: Extractor | None, shape: _Shape
) -> StreamEvent:
    if mode == "messages":
        from langchain_core.messages import BaseMessage, BaseMessageChunk

        if not (
            isinstance(payload, tuple)
            and len(payload) == 2
            and isinstance(payload[0], BaseMessage)
            and isinstance(payload[1], Mapping)
        ):
            raise _shape_error(payload, shape, "a messages payload (message, metadata)")
        message, metadata = payload
        return StreamEvent(
            mode=mode,
            namespace=ns,
            node=metadata.get("langgraph_node"),
            tags=_tags_of(metadata),
            metadata=metadata,
            text=str.__str__(message.text),  # a str subclass in langchain-core 1.x
            message_id=message.id,
            payload=payload,
            kind="token" if isinstance(message, BaseMessageChunk) else "message",
            task=_task_of(metadata),
            index=index,
        )
    if mode == "custom":
        text, metadata = _run_extract(extract, payload)
        metadata = metadata or {}
        return StreamEvent(
            mode=mode,
            namespace=ns,
            node=metadata.get("langgraph_node"),
            tags=_tags_of(metadata),
            metadata=metadata,
            text=text,
            message_id=None,
            payload=payload,
            kind="data" if text is None else "token",
            task=_task_of(metadata),
            index=index,
        )
    node: str | None = None
    task: str | None = None
    task_payload = payload
    if mode == "debug" and isinstance(payload, Mapping) and payload.get("type") in _TASK_PAYLOAD_DEBUG_TYPES:
        task_payload = payload.get("payload")
    if mode in ("tasks", "debug") and isinstance(task_payload, Mapping):
        name, task_id = task_payload.get("name"), task_payload.get("id")
        if isinstance(name, str) and isinstance(task_id, str):
            node, task = name, _NS_SEP.join((*ns, f"{name}{_NS_END}{task_id}"))
    elif mode == "updates" and isinstance(payload, Mapping):
        nodes = [key for key in payload if isinstance(key, str) and not key.startswith("__")]
        node = nodes[0] if len(nodes) == 1 else None
    return StreamEvent(
        mode=mode,
        namespace=ns,
        node=node,
        tags=(),
        metadata={},
        text=None,
        message_id=None,
        payload=payload,
        task=task,
        index=index,
    )


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class _TaskInfo:
    step: int
    path: str
    node: str


@dataclass
class _Layout:
    """What the observer callback learnt: task positions, model-call start order, the output."""

    tasks: dict[str, _TaskInfo] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    llm_starts: dict[str, int] = field(default_factory=dict)
    final_state: Any = None
    has_final_state: bool = False

    def learn_task(self, metadata: Mapping[str, Any] | None) -> str | None:
        if not metadata:
            return None
        task = _task_of(metadata)
        step = metadata.get("langgraph_step")
        if task is None or not isinstance(step, int):
            return task
        if task not in self.tasks:
            self.tasks[task] = _TaskInfo(
                step=step,
                path=repr(to_plain(metadata.get("langgraph_path", ()))),
                node=str(metadata.get("langgraph_node", task.rpartition(_NS_SEP)[2].partition(_NS_END)[0])),
            )
        return task


@functools.cache
def _observer_class() -> type:
    """The observer callback class, built on first use so importing us stays light."""
    from langchain_core.callbacks import BaseCallbackHandler

    class _Observer(BaseCallbackHandler):
        """Learns the task layout and the graph's output; never streams, never mutates."""

        run_inline = True
        ignore_agent = True
        ignore_retriever = True
        ignore_custom_event = True

        def __init__(self) -> None:
            self.layout = _Layout()
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

        def on_chat_model_start(self, serialized: Any, messages: Any, *, run_id: Any, metadata: Any = None, **_: Any) -> None:
            self._on_model_start(run_id, metadata)

        def on_llm_start(self, serialized: Any, prompts: Any, *, run_id: Any, metadata: Any = None, **_: Any) -> None:
            self._on_model_start(run_id, metadata)

    return _Observer


def _with_observer(config: Mapping[str, Any] | None, observer: Any) -> dict[str, Any]:
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
    return task.rpartition(_NS_SEP)[0]


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


def _same_output(recorded: Any, update: Any) -> bool:
    try:
        return bool(recorded == update)
    except Exception:  # noqa: BLE001 - an odd __eq__ just means "no match"
        return False


def _owners(arrival: Sequence[StreamEvent], layout: _Layout) -> list[str | None]:
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
            free = [t for t in by_node.get((_NS_SEP.join(event.namespace), event.node), []) if t not in claimed]
            update = event.payload[event.node]
            matching = (t for t in free if t in layout.outputs and _same_output(layout.outputs[t], update))
            owner = next(matching, free[0] if free else None)
            if owner is not None:
                claimed.add(owner)
        owners.append(owner)
    return owners


def _lane_ranks(
    arrival: Sequence[StreamEvent], owners: Sequence[str | None], llm_starts: Mapping[str, int]
) -> list[int]:
    """Rank of each event's call within its task: first arrival, model calls by start order."""
    first: dict[tuple[str, Any], int] = {}
    lanes: list[tuple[str, Any]] = []
    for i, (event, owner) in enumerate(zip(arrival, owners, strict=True)):
        # Events no task claims are grouped per call at their graph's level.
        where = owner if owner is not None else "graph " + _NS_SEP.join(event.namespace)
        lane = (where, event.call if event.call is not None else ("data", i))
        first.setdefault(lane, i)
        lanes.append(lane)
    # Concurrent model calls inside one task arrive in any order but start in a
    # fixed one: give their slots to the calls in start order.
    started: dict[str, list[tuple[int, tuple[str, Any]]]] = {}
    for lane in first:
        call = lane[1]
        run = _run_id(call[1]) if call[0] == "messages" else None
        if run is not None and run in llm_starts:
            started.setdefault(lane[0], []).append((llm_starts[run], lane))
    for calls in started.values():
        slots = sorted(first[lane] for _, lane in calls)
        for slot, (_, lane) in zip(slots, sorted(calls), strict=True):
            first[lane] = slot
    return [first[lane] for lane in lanes]


def _canonical(arrival: Sequence[StreamEvent], layout: _Layout) -> list[StreamEvent]:
    """``arrival`` stably sorted by the id-free key described in the module docstring."""
    tasks = dict(layout.tasks)
    supplemented = replace(layout, tasks=tasks)
    for event in arrival:
        supplemented.learn_task(event.metadata)
    owners = _owners(arrival, supplemented)
    ranks = _lane_ranks(arrival, owners, layout.llm_starts)

    unknown: dict[str, int] = {}  # tasks the layout does not know, by first appearance
    max_step: dict[str, int] = {}  # graph namespace -> latest step seen among its tasks
    keys: list[tuple[tuple[Any, ...], ...]] = []
    for event, owner, rank in zip(arrival, owners, ranks, strict=True):
        segments = owner.split(_NS_SEP) if owner else list(event.namespace)
        key: list[tuple[Any, ...]] = []
        for depth in range(len(segments)):
            prefix = _NS_SEP.join(segments[: depth + 1])
            info = tasks.get(prefix)
            if info is None:
                order = unknown.setdefault(prefix, len(unknown))
                parent_step = max_step.get(_parent(prefix), -1)
                key.append((0, parent_step, 0, "~", segments[depth].partition(_NS_END)[0], order))
                continue
            key.append((0, info.step, 0, info.path, info.node, 0))
        if owner is None:
            graph_ns = _NS_SEP.join(segments)
            step = _explicit_step(event)
            key.append((0, max_step.get(graph_ns, -1) if step is None else step, 1))
        key.append((1, rank))
        for depth in range(len(segments)):
            info = tasks.get(_NS_SEP.join(segments[: depth + 1]))
            if info is not None:
                graph_ns = _NS_SEP.join(segments[:depth])
                max_step[graph_ns] = max(max_step.get(graph_ns, -1), info.step)
        keys.append(tuple(key))
    ordered = sorted(range(len(arrival)), key=keys.__getitem__)
    return [arrival[i] for i in ordered]


# --------------------------------------------------------------------------- transcript


class Transcript:
    """What a graph streamed: its events in canonical order, their arrival order, its output.

    Filtering methods (:meth:`tagged`, :meth:`from_node`, :meth:`mode`...) return
    a narrower ``Transcript``; assertion methods raise ``StreamAssertionError``
    with the expected and actual token streams side by side. Two transcripts are
    equal when their normalized events and final states are.
    """

    __hash__ = None  # type: ignore[assignment]

    def __init__(
        self,
        events: Iterable[StreamEvent],
        *,
        arrival: Iterable[StreamEvent] | None = None,
        raw: Iterable[Any] = (),
        final_state: Any = None,
        options: Mapping[str, Any] | None = None,
        description: str = "",
        normalized: bool = False,
    ) -> None:
        self.events: tuple[StreamEvent, ...] = tuple(events)
        """Events in canonical order (see the module docstring)."""
        self.arrival: tuple[StreamEvent, ...] = (
            self.events if arrival is None else tuple(arrival)
        )
        """The same events in the order ``graph.stream`` yielded them."""
        self.raw: tuple[Any, ...] = tuple(raw)
        """The items exactly as ``graph.stream`` yielded them (empty for views)."""
        self.final_state: Any = final_state
        """The graph's output (what ``graph.invoke`` would return), or None."""
        self.options: Mapping[str, Any] = dict(options or {})
        """The stream options the graph ran with."""
        self.description = description
        """How this view was filtered, for failure messages (``"tag 'joke'"``)."""
        self.is_normalized = normalized
        self.origin: Transcript = self
        """The unfiltered transcript this view was cut from (itself if it is one)."""

    @classmethod
    def from_stream(
        cls,
        items: Iterable[Any],
        *,
        stream_mode: str | list[str] = "messages",
        subgraphs: bool = False,
        version: Literal["v1", "v2"] | None = None,
        extract: Extractor | None = None,
        final_state: Any = None,
    ) -> Transcript:
        """A transcript of items you streamed yourself with these options.

        Without :func:`capture`'s observer the canonical order knows only the tasks
        that token metadata names.
        """
        _check_extract(extract)
        shape = _Shape.of(stream_mode, subgraphs, version, default=stream_mode)
        layout = _Layout(final_state=final_state, has_final_state=final_state is not None)
        return _build(list(items), shape, extract, layout, _options(stream_mode, subgraphs, version))

    # ------------------------------------------------------------------ sequence protocol

    def __iter__(self) -> Iterator[StreamEvent]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    def __getitem__(self, index: int) -> StreamEvent:
        return self.events[index]

    def __bool__(self) -> bool:
        return bool(self.events)

    def __repr__(self) -> str:
        what = f" {self.description}" if self.description else ""
        return f"<Transcript{what}: {len(self.events)} events, {len(self.tokens)} tokens: {_preview(self.tokens)}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Transcript):
            return NotImplemented
        mine, theirs = self.normalized(), other.normalized()
        return (mine.events, to_plain(mine.final_state)) == (theirs.events, to_plain(theirs.final_state))

    # ------------------------------------------------------------------ token views

    @property
    def tokens(self) -> Tokens:
        """Non-empty token texts in canonical order (empty chunks are left out)."""
        return Tokens(event.text for event in self.events if event.is_token and event.text)

    @property
    def arrival_tokens(self) -> Tokens:
        """Non-empty token texts in the order they arrived."""
        return Tokens(event.text for event in self.arrival if event.is_token and event.text)

    @property
    def text(self) -> str:
        """The tokens joined: what a UI printing this view would show."""
        return self.tokens.text

    @property
    def nodes(self) -> tuple[str, ...]:
        """Nodes that emitted events, in canonical order of first appearance."""
        return tuple(dict.fromkeys(e.node for e in self.events if e.node is not None))

    @property
    def tag_set(self) -> tuple[str, ...]:
        """Tags on any event, in canonical order of first appearance."""
        return tuple(dict.fromkeys(tag for e in self.events for tag in e.tags))

    # ------------------------------------------------------------------ filtered views

    def where(self, predicate: Callable[[StreamEvent], bool], *, description: str = "") -> Transcript:
        """The events for which ``predicate`` is true, in both orders."""
        if not callable(predicate):
            raise UsageError(f"{predicate=} is not a callable.")
        label = description or getattr(predicate, "__name__", "filtered")
        view = Transcript(
            (e for e in self.events if predicate(e)),
            arrival=(e for e in self.arrival if predicate(e)),
            final_state=self.final_state,
            options=self.options,
            description=", ".join(filter(None, (self.description, label))),
            normalized=self.is_normalized,
        )
        view.origin = self.origin
        return view

    def tagged(self, *tags: str) -> Transcript:
        """Events carrying every one of ``tags``: the how-to's ``"poem" in metadata["tags"]``."""
        _check_names("tags", tags)
        return self.where(lambda e: all(tag in e.tags for tag in tags), description=_label("tag", tags))

    def from_node(self, *nodes: str) -> Transcript:
        """Events emitted by any of ``nodes``."""
        _check_names("nodes", nodes)
        return self.where(lambda e: e.node in nodes, description=_label("node", nodes))

    def mode(self, *modes: str) -> Transcript:
        """Events of any of the stream ``modes``."""
        _check_names("modes", modes)
        return self.where(lambda e: e.mode in modes, description=_label("mode", modes))

    def message(self, message_id: str) -> Transcript:
        """Events of one message (one model call's chunks share its id)."""
        return self.where(lambda e: e.message_id == message_id, description=f"message {message_id!r}")

    def in_subgraph(self, *path: str) -> Transcript:
        """Events from inside the subgraph reached through the nodes ``path`` (ids ignored)."""
        _check_names("path", path)

        def inside(event: StreamEvent) -> bool:
            names = tuple(entry.partition(_NS_END)[0] for entry in event.namespace)
            return names[: len(path)] == path

        return self.where(inside, description=f"subgraph {'/'.join(path)!r}")

    def calls(self) -> list[Transcript]:
        """One view per model call (or custom-token lane), in canonical order."""
        first: dict[Any, StreamEvent] = {}
        for event in self.events:
            if event.call is not None:
                first.setdefault(event.call, event)
        return [
            self.where(_same_call(call), description=_call_label(n, event))
            for n, (call, event) in enumerate(first.items(), 1)
        ]

    # ------------------------------------------------------------------ normalization

    def normalized(self, *, drop_keys: Iterable[str] = VOLATILE_METADATA_KEYS) -> Transcript:
        """This transcript with per-run values replaced by placeholders (see ``_normalize``).

        Placeholders are numbered by first appearance in canonical order, so the
        same recording always normalizes to the same transcript.
        """
        normalizer = Normalizer(drop_keys=drop_keys)
        metadata_cache: dict[int, dict[str, Any]] = {}
        mapped = {id(e): _normalize_event(e, normalizer, metadata_cache) for e in self.events}
        for event in self.arrival:  # a view's arrival holds the same events
            if id(event) not in mapped:
                mapped[id(event)] = _normalize_event(event, normalizer, metadata_cache)
        return Transcript(
            (mapped[id(e)] for e in self.events),
            arrival=(mapped[id(e)] for e in self.arrival),
            final_state=normalizer.value(self.final_state),
            options=self.options,
            description=self.description,
            normalized=True,
        )

    def records(self) -> list[dict[str, Any]]:
        """The normalized transcript as plain data, one record per call: the golden-file body.

        Consecutive token events of one call become one record with a ``tokens``
        list; empty chunks are left out (their number follows langchain-core, not
        the provider), and so are tags inside ``metadata`` (shown as ``tags``).
        """
        records: list[dict[str, Any]] = []
        group: tuple[Any, ...] | None = None
        for event in (self if self.is_normalized else self.normalized()).events:
            head = _record_head(event)
            if event.kind == "token":
                key = (event.call, repr(head))
                if key != group:
                    records.append({**head, "tokens": []})
                    group = key
                record = records[-1]
                if event.text:
                    record["tokens"].append(event.text)
                chunks = _tool_call_chunks(event)
                if chunks:
                    record.setdefault("tool_call_chunks", []).extend(chunks)
                continue
            group = None
            if event.kind == "message":
                records.append({**head, "text": event.text, "data": _message_plain(event)})
            else:
                records.append({**head, "data": to_plain(event.payload)})
        return records

    # ------------------------------------------------------------------ assertions

    def assert_tokens(self, expected: Sequence[str], **filters: Any) -> None:
        """The exact token sequence (see ``streamtest.assertions.assert_tokens``)."""
        from streamtest import assertions

        assertions.assert_tokens(self, expected, **filters)

    def assert_tokens_in_order(self, expected: Sequence[str], **filters: Any) -> None:
        """These tokens appear in this order, others may come between."""
        from streamtest import assertions

        assertions.assert_tokens_in_order(self, expected, **filters)

    def assert_text(self, expected: str, **filters: Any) -> None:
        """The concatenated tokens equal ``expected``."""
        from streamtest import assertions

        assertions.assert_text(self, expected, **filters)

    def assert_text_matches_state(self, key: str, **filters: Any) -> None:
        """The concatenated tokens equal the final state's ``key``."""
        from streamtest import assertions

        assertions.assert_text_matches_state(self, key, **filters)

    def assert_from_nodes(self, *nodes: str, **filters: Any) -> None:
        """Every token comes from one of ``nodes``."""
        from streamtest import assertions

        assertions.assert_from_nodes(self, *nodes, **filters)

    def assert_tags_exclusive(self, *tags: str, **filters: Any) -> None:
        """No token carries more than one of ``tags``."""
        from streamtest import assertions

        assertions.assert_tags_exclusive(self, *tags, **filters)

    def interleaves(self, tag_a: str, tag_b: str) -> bool:
        """Whether tokens of the two tags alternate in arrival order."""
        from streamtest import assertions

        return assertions.interleaves(self, tag_a, tag_b)

    def assert_not_interleaved(self, tag_a: str, tag_b: str) -> None:
        """Tokens of the two tags arrived as two blocks, one after the other."""
        from streamtest import assertions

        assertions.assert_not_interleaved(self, tag_a, tag_b)

    def assert_metadata(self, expected: Mapping[str, Any] | None = None, /, **fields: Any) -> None:
        """Every token's metadata has these keys with these values, predicates or patterns."""
        from streamtest import assertions

        assertions.assert_metadata(self, expected, **fields)

    def assert_conserves(self, interactions: Iterable[InteractionLike], **options: Any) -> None:
        """Every provider token of every interaction reached the stream once, in order."""
        from streamtest import assertions

        assertions.assert_conserves(self, interactions, **options)


# --------------------------------------------------------------------------- helpers


def _preview(tokens: Sequence[str], limit: int = 12) -> str:
    shown = "".join(f"{token}|" for token in tokens[:limit])
    return shown + ("..." if len(tokens) > limit else "")


def _label(kind: str, names: Sequence[str]) -> str:
    plural = "s" if len(names) > 1 else ""
    return f"{kind}{plural} " + ", ".join(repr(name) for name in names)


def _same_call(call: tuple[Any, ...]) -> Callable[[StreamEvent], bool]:
    return lambda event: event.call == call


def _call_label(n: int, event: StreamEvent) -> str:
    """``call 2 (messages, node 'call_model', tags ['poem'])``: what a reader can find in the graph."""
    parts = [event.mode]
    if event.namespace:
        parts.append("subgraph " + "/".join(entry.partition(_NS_END)[0] for entry in event.namespace))
    if event.node is not None:
        parts.append(f"node {event.node!r}")
    parts.append(f"tags {list(event.tags)}")
    return f"call {n} ({', '.join(parts)})"


def _check_names(what: str, names: Sequence[object]) -> None:
    if not names or not all(isinstance(name, str) for name in names):
        raise UsageError(f"{what}={names!r}: pass one or more names (str).")


def _check_extract(extract: object) -> None:
    if extract is not None and not callable(extract):
        raise UsageError(f"{extract=} is not a callable.")


def _normalize_event(event: StreamEvent, normalizer: Normalizer, cache: dict[int, dict[str, Any]]) -> StreamEvent:
    """``event`` with placeholders; ``cache`` holds normalized metadata by identity.

    LangGraph hands one metadata dict to every chunk of a call, so each is
    normalized once (a transcript keeps its events, hence the dicts, alive).
    """
    namespace = normalizer.namespace(event.namespace)
    task = normalizer.checkpoint_ns(event.task) if event.task else None
    message_id = normalizer.message_id(event.message_id)
    metadata = cache.get(id(event.metadata))
    if metadata is None:
        metadata = cache[id(event.metadata)] = normalizer.metadata(event.metadata)
    payload = event.payload
    if event.mode == "messages" and isinstance(payload, tuple) and len(payload) == 2 and payload[1] is event.metadata:
        payload = [normalizer.value(payload[0]), metadata]
    else:
        payload = normalizer.value(payload)
    return replace(
        event,
        namespace=namespace,
        task=task,
        message_id=message_id,
        metadata=metadata,
        node=None if event.node is None else normalizer.text(event.node),
        payload=payload,
    )


def _record_head(event: StreamEvent) -> dict[str, Any]:
    head: dict[str, Any] = {"mode": event.mode}
    if event.namespace:
        head["namespace"] = list(event.namespace)
    if event.node is not None:
        head["node"] = event.node
    if event.tags:
        head["tags"] = list(event.tags)
    if event.message_id is not None:
        head["message"] = event.message_id
    metadata = {k: v for k, v in event.metadata.items() if k != "tags"}
    if metadata:
        head["metadata"] = to_plain(metadata)
    return head


def _message_plain(event: StreamEvent) -> Any:
    """The message of a normalized messages event, without what the record shows already."""
    payload = event.payload
    if isinstance(payload, list) and payload:  # normalized (message, metadata)
        payload = payload[0]
    if isinstance(payload, dict):
        return {k: v for k, v in payload.items() if k not in ("id", "content")}
    return payload


def _tool_call_chunks(event: StreamEvent) -> list[Any]:
    message = _message_plain(event) if event.mode == "messages" else None
    if isinstance(message, dict):
        chunks = message.get("tool_call_chunks")
        if chunks:
            return list(chunks)
    return []


def _options(stream_mode: object, subgraphs: bool, version: str | None) -> dict[str, Any]:
    return {
        "stream_mode": list(stream_mode) if isinstance(stream_mode, list) else stream_mode,
        "subgraphs": subgraphs,
        "version": version or "v1",
    }


def _build(
    items: list[Any], shape: _Shape, extract: Extractor | None, layout: _Layout, options: dict[str, Any]
) -> Transcript:
    arrival = []
    for index, item in enumerate(items):
        mode, ns, payload = _parse_item(item, shape)
        arrival.append(_make_event(mode, ns, payload, index, extract, shape))
    return Transcript(
        _canonical(arrival, layout),
        arrival=arrival,
        raw=items,
        final_state=layout.final_state if layout.has_final_state else None,
        options=options,
    )


def _prepare(
    graph: Any,
    stream_mode: object,
    subgraphs: bool,
    config: Mapping[str, Any] | None,
    version: str | None,
    extract: object,
    method: str,
    stream_kwargs: dict[str, Any],
) -> tuple[_Shape, Any, dict[str, Any], dict[str, Any]]:
    if not callable(getattr(graph, method, None)):
        raise UsageError(f"graph={graph!r} has no .{method}(); pass a compiled LangGraph graph.")
    _check_extract(extract)
    shape = _Shape.of(stream_mode, subgraphs, version, default=getattr(graph, "stream_mode", "values"))
    observer = _observer_class()()
    kwargs: dict[str, Any] = {"stream_mode": stream_mode, "subgraphs": subgraphs, **stream_kwargs}
    if version is not None:
        kwargs["version"] = version
    kwargs["config"] = _with_observer(config, observer)
    resolved = stream_mode if stream_mode is not None else (list(shape.modes) if shape.multi else shape.modes[0])
    return shape, observer, kwargs, _options(resolved, subgraphs, version)


# --------------------------------------------------------------------------- capture


def capture(
    graph: Any,
    input: Any,
    *,
    stream_mode: str | list[str] | None = "messages",
    subgraphs: bool = False,
    config: Mapping[str, Any] | None = None,
    version: Literal["v1", "v2"] | None = None,
    extract: Extractor | None = None,
    **stream_kwargs: Any,
) -> Transcript:
    """Run ``graph.stream(input, ...)`` with exactly these options and return its transcript.

    ``stream_mode``, ``subgraphs`` and ``version`` (when given) reach
    ``graph.stream`` unchanged, as do ``stream_kwargs`` (``context``,
    ``durability``...); ``stream_mode=None`` means the graph's default. ``extract``
    reads custom-mode payloads that streamtest's default reader does not know.
    ``config`` gets one observer callback added (see the module docstring).
    """
    shape, observer, kwargs, options = _prepare(
        graph, stream_mode, subgraphs, config, version, extract, "stream", stream_kwargs
    )
    items = list(graph.stream(input, **kwargs))
    return _build(items, shape, extract, observer.layout, options)


async def acapture(
    graph: Any,
    input: Any,
    *,
    stream_mode: str | list[str] | None = "messages",
    subgraphs: bool = False,
    config: Mapping[str, Any] | None = None,
    version: Literal["v1", "v2"] | None = None,
    extract: Extractor | None = None,
    **stream_kwargs: Any,
) -> Transcript:
    """:func:`capture` over ``graph.astream``."""
    shape, observer, kwargs, options = _prepare(
        graph, stream_mode, subgraphs, config, version, extract, "astream", stream_kwargs
    )
    items = [item async for item in graph.astream(input, **kwargs)]
    return _build(items, shape, extract, observer.layout, options)
