"""One stream item in, one :class:`StreamEvent` out: stream shapes and payload reading.

Pure: no LangGraph import. ``langchain_core``'s message classes are imported
inside :func:`make_event`, and only for ``messages`` payloads.

Stream shapes
-------------
:func:`~streamtest._capture.capture` passes ``stream_mode``, ``subgraphs`` and
``version`` to ``graph.stream`` exactly as given, so it knows which shape every
item must have (checked against langgraph 1.2, ``pregel/main.py::_output``):

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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from streamtest._exceptions import StreamShapeError, UsageError
from streamtest._transcript.normalize import NS_END, NS_SEP

__all__ = [
    "NS_END",
    "NS_SEP",
    "EventKind",
    "Extractor",
    "StreamEvent",
    "StreamShape",
    "Tokens",
    "check_extract",
    "make_event",
    "parse_item",
    "task_of",
]

Extractor = Callable[[Any], "str | tuple[str | None, Mapping[str, Any] | None] | None"]
"""Reads one custom-mode payload: the token text (``None``: not a token), optionally
with the metadata (``tags``, ``langgraph_node``, ``langgraph_checkpoint_ns``) it carries."""

EventKind = Literal["token", "message", "data"]

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
            return (self.mode, self.task or NS_SEP.join(self.namespace), self.tags)
        return None


# --------------------------------------------------------------------------- shapes


@dataclass(frozen=True)
class StreamShape:
    """What every item of one ``graph.stream`` call must look like."""

    modes: tuple[str, ...]
    multi: bool
    subgraphs: bool
    v2: bool

    @classmethod
    def of(cls, stream_mode: object, subgraphs: bool, version: str | None, default: object) -> StreamShape:
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


def _shape_error(item: object, shape: StreamShape, expected: str) -> StreamShapeError:
    shown = repr(item)
    if len(shown) > 300:
        shown = shown[:300] + "..."
    return StreamShapeError(
        f"graph.stream({shape.describe()}) yielded {shown}; expected {expected}. "
        "streamtest does not know this shape (a LangGraph version it was not built for?): "
        "please report it with the item above."
    )


def parse_item(item: object, shape: StreamShape) -> tuple[str, tuple[str, ...], Any]:
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


def check_extract(extract: object) -> None:
    if extract is not None and not callable(extract):
        raise UsageError(f"{extract=} is not a callable.")


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


def task_of(metadata: Mapping[str, Any]) -> str | None:
    task = metadata.get("langgraph_checkpoint_ns")
    return task if isinstance(task, str) and task else None


def make_event(
    mode: str, ns: tuple[str, ...], payload: Any, index: int, extract: Extractor | None, shape: StreamShape
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
            task=task_of(metadata),
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
            task=task_of(metadata),
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
            node, task = name, NS_SEP.join((*ns, f"{name}{NS_END}{task_id}"))
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
