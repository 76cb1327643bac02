"""The :class:`Transcript`: a graph's stream as events in canonical order, with views.

:func:`build_transcript` turns the items one ``graph.stream`` call yielded into a
transcript: each item is checked and read by :mod:`streamtest._transcript.events`, then
sorted by :mod:`streamtest._transcript.order`. The rest is the transcript itself: filtered
views, normalization (per-run ids to placeholders, see :mod:`streamtest._transcript.normalize`),
the plain records golden files hold, and assertion methods that defer to
:mod:`streamtest.assertions`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

from streamtest import assertions
from streamtest._exceptions import UsageError
from streamtest._transcript.events import (
    NS_END,
    Extractor,
    StreamEvent,
    StreamShape,
    Tokens,
    check_extract,
    make_event,
    parse_item,
)
from streamtest._transcript.normalize import VOLATILE_METADATA_KEYS, Normalizer, to_plain
from streamtest._transcript.order import Layout, canonical_order, one_id_per_call
from streamtest._transcript.trajectory import Trajectory, trajectory_of
from streamtest._wire.base import ToolCall

__all__ = ["Transcript", "build_transcript", "stream_options"]


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
        """Events in canonical order (see :mod:`streamtest._transcript.order`)."""
        self.arrival: tuple[StreamEvent, ...] = self.events if arrival is None else tuple(arrival)
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
        check_extract(extract)
        shape = StreamShape.of(stream_mode, subgraphs, version, default=stream_mode)
        layout = Layout(final_state=final_state, has_final_state=final_state is not None)
        return build_transcript(list(items), shape, extract, layout, stream_options(stream_mode, subgraphs, version))

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

    # ------------------------------------------------------------------ agent views

    @property
    def trajectory(self) -> Trajectory:
        """The run's steps: each model call with its tool calls, the tools' results, the answer.

        Tool-call ids are numbered by first appearance (``<call:1>``); for the runs
        of one conversation (an interrupted run and its resumption), use
        ``streamtest.trajectory_of(first, second)`` to number them together.
        """
        return trajectory_of(self)

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        """Every tool call of the run, reassembled from its chunks, in order (ids as placeholders)."""
        return self.trajectory.tool_calls

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
            names = tuple(entry.partition(NS_END)[0] for entry in event.namespace)
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
        assertions.assert_tokens(self, expected, **filters)

    def assert_tokens_in_order(self, expected: Sequence[str], **filters: Any) -> None:
        """These tokens appear in this order, others may come between."""
        assertions.assert_tokens_in_order(self, expected, **filters)

    def assert_text(self, expected: str, **filters: Any) -> None:
        """The concatenated tokens equal ``expected``."""
        assertions.assert_text(self, expected, **filters)

    def assert_text_matches_state(self, key: str, **filters: Any) -> None:
        """The concatenated tokens equal the final state's ``key``."""
        assertions.assert_text_matches_state(self, key, **filters)

    def assert_from_nodes(self, *nodes: str, **filters: Any) -> None:
        """Every token comes from one of ``nodes``."""
        assertions.assert_from_nodes(self, *nodes, **filters)

    def assert_tags_exclusive(self, *tags: str, **filters: Any) -> None:
        """No token carries more than one of ``tags``."""
        assertions.assert_tags_exclusive(self, *tags, **filters)

    def interleaves(self, tag_a: str, tag_b: str) -> bool:
        """Whether tokens of the two tags alternate in arrival order."""
        return assertions.interleaves(self, tag_a, tag_b)

    def assert_not_interleaved(self, tag_a: str, tag_b: str) -> None:
        """Tokens of the two tags arrived as two blocks, one after the other."""
        assertions.assert_not_interleaved(self, tag_a, tag_b)

    def assert_metadata(self, expected: Mapping[str, Any] | None = None, /, **fields: Any) -> None:
        """Every token's metadata has these keys with these values, predicates or patterns."""
        assertions.assert_metadata(self, expected, **fields)

    def assert_conserves(self, interactions: Iterable[assertions.InteractionLike], **options: Any) -> None:
        """Every provider token, tool-call fragment and usage report reached the stream once, in order."""
        assertions.assert_conserves(self, interactions, **options)

    def assert_tool_calls(self, expected: Sequence[Any], **options: Any) -> None:
        """The run called exactly these tools with these arguments, in order (see ``assertions.tool_call``)."""
        assertions.assert_tool_calls(self, expected, **options)

    def assert_trajectory(self, expected: Sequence[Any] | Trajectory, **options: Any) -> None:
        """The run's tool calls match a reference: ``mode="strict" | "unordered" | "subset" | "superset"``."""
        assertions.assert_trajectory(self, expected, **options)


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
        parts.append("subgraph " + "/".join(entry.partition(NS_END)[0] for entry in event.namespace))
    if event.node is not None:
        parts.append(f"node {event.node!r}")
    parts.append(f"tags {list(event.tags)}")
    return f"call {n} ({', '.join(parts)})"


def _check_names(what: str, names: Sequence[object]) -> None:
    if not names or not all(isinstance(name, str) for name in names):
        raise UsageError(f"{what}={names!r}: pass one or more names (str).")


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


def stream_options(stream_mode: object, subgraphs: bool, version: str | None) -> dict[str, Any]:
    return {
        "stream_mode": list(stream_mode) if isinstance(stream_mode, list) else stream_mode,
        "subgraphs": subgraphs,
        "version": version or "v1",
    }


def build_transcript(
    items: list[Any], shape: StreamShape, extract: Extractor | None, layout: Layout, options: dict[str, Any]
) -> Transcript:
    arrival = []
    for index, item in enumerate(items):
        mode, ns, payload = parse_item(item, shape)
        arrival.append(make_event(mode, ns, payload, index, extract, shape))
    arrival = one_id_per_call(arrival, layout)
    return Transcript(
        canonical_order(arrival, layout),
        arrival=arrival,
        raw=items,
        final_state=layout.final_state if layout.has_final_state else None,
        options=options,
    )
