"""The steps of an agent run: each model call with the tool calls it streamed, the tools' results, the answer.

An agent streams many chunks per model call; a test asks what they add up to:
which tools the model called, with which arguments, what the tools returned,
what the model finally answered. A :class:`Trajectory` is that, in the run's
order::

    1 model  node 'model': get_weather({"city": "Paris"}) <call:1>
    2 tool   get_weather <call:1>: 'Sunny, 21C'
    3 model  node 'model': 'It is sunny in Paris.'

It is read from a transcript's events in canonical order (see
:mod:`streamtest._transcript.order`):

- ``messages`` mode: the chunks of one model call (one ``StreamEvent.call``)
  become one :class:`ModelStep`; their ``tool_call_chunks`` are reassembled per
  call index exactly as the wire layer reassembles a provider's fragments
  (:attr:`streamtest._wire.base.StreamReading.tool_calls`), so a call read from
  the graph's stream and one read from the cassette are the same value. Whole
  messages a node returned become a :class:`ModelStep` (an ``AIMessage``) or a
  :class:`ToolStep` (a ``ToolMessage``);
- without ``messages`` mode, the messages in ``updates`` payloads, the same way;
- an ``__interrupt__`` in ``updates`` (or ``values``) becomes an :class:`InterruptStep`.

Tool-call ids are random per recording; :func:`trajectory_of` numbers them by
first appearance (``<call:1>``) across all the transcripts it is given, so the
ids of a run that was interrupted and resumed stay consistent.

Messages are read by duck typing, as LangChain objects or as their plain-data
form in a normalized transcript; nothing here imports LangChain.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from streamtest._transcript.events import StreamEvent
from streamtest._transcript.normalize import Normalizer, to_plain
from streamtest._wire.base import StreamReading, ToolCall, ToolCallFragment, Usage

__all__ = [
    "InterruptStep",
    "ModelStep",
    "Step",
    "ToolStep",
    "Trajectory",
    "arguments_of",
    "format_call",
    "has_events",
    "trajectory_of",
]

_INTERRUPT_KEY = "__interrupt__"
_AI_TYPES = frozenset({"ai", "AIMessage", "AIMessageChunk"})
_TOOL_TYPES = frozenset({"tool", "ToolMessage", "ToolMessageChunk"})
_PREVIEW = 60


class HasEvents(Protocol):
    """What :func:`trajectory_of` reads of a transcript: its events in canonical order."""

    @property
    def events(self) -> Sequence[StreamEvent]: ...


def has_events(value: object) -> bool:
    events = getattr(value, "events", None)
    return isinstance(events, Sequence) and all(isinstance(e, StreamEvent) for e in events)


# --------------------------------------------------------------------------- steps


@dataclass(frozen=True)
class ModelStep:
    """One model call: the text it streamed, the tool calls it made, what it reported."""

    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    node: str | None = None
    tags: tuple[str, ...] = ()
    usage: Usage | None = None
    finish_reason: str | None = None
    reasoning: str = ""
    chunks: int = 0
    """How many chunks the call streamed (0: the node returned the message whole)."""
    kind: Literal["model"] = "model"

    @property
    def is_answer(self) -> bool:
        """A model call that called no tool: what the user reads."""
        return not self.tool_calls

    def describe(self) -> str:
        where = f"node {self.node!r}: " if self.node else ""
        calls = ", ".join(f"{format_call(call)} {call.id}" for call in self.tool_calls)
        said = _preview(self.text) if self.text or not calls else ""
        return where + ", ".join(filter(None, (said, calls)))


@dataclass(frozen=True)
class ToolStep:
    """What a tool returned (a ``ToolMessage``), for the call with ``tool_call_id``."""

    name: str | None
    tool_call_id: str | None
    content: str
    status: str = "success"
    node: str | None = None
    kind: Literal["tool"] = "tool"

    def describe(self) -> str:
        status = "" if self.status == "success" else f" ({self.status})"
        return f"{self.name or '?'} {self.tool_call_id or ''}{status}: {_preview(self.content)}"


@dataclass(frozen=True)
class InterruptStep:
    """The run stopped at an ``interrupt()``; ``value`` is what it asked (plain data)."""

    value: Any
    kind: Literal["interrupt"] = "interrupt"

    def describe(self) -> str:
        return _preview(json.dumps(self.value, ensure_ascii=False, default=repr))


Step = ModelStep | ToolStep | InterruptStep


class Trajectory(tuple[Step, ...]):
    """The steps of one run (or several runs of one conversation), in order.

    A tuple of :class:`ModelStep`, :class:`ToolStep` and :class:`InterruptStep`;
    ``str()`` prints one numbered line per step.
    """

    __slots__ = ()

    def __new__(cls, steps: Iterable[Step] = ()) -> Trajectory:
        return super().__new__(cls, steps)

    def __getitem__(self, index: Any) -> Any:
        item = tuple.__getitem__(self, index)
        return Trajectory(item) if isinstance(index, slice) else item

    @property
    def model_steps(self) -> tuple[ModelStep, ...]:
        return tuple(step for step in self if isinstance(step, ModelStep))

    @property
    def tool_steps(self) -> tuple[ToolStep, ...]:
        return tuple(step for step in self if isinstance(step, ToolStep))

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        """Every tool call of the run, in the order the model made them."""
        return tuple(call for step in self.model_steps for call in step.tool_calls)

    @property
    def turns(self) -> tuple[tuple[ToolCall, ...], ...]:
        """The tool calls grouped by the model call that made them (calls made together stay together)."""
        return tuple(step.tool_calls for step in self.model_steps if step.tool_calls)

    @property
    def answer(self) -> str | None:
        """The text of the last model call when it called no tool, else ``None`` (the run did not answer)."""
        steps = self.model_steps
        return steps[-1].text if steps and steps[-1].is_answer else None

    def result_of(self, call: ToolCall | str) -> ToolStep | None:
        """The tool result for ``call`` (a call or its id), or ``None``."""
        wanted = call.id if isinstance(call, ToolCall) else call
        return next((step for step in self.tool_steps if step.tool_call_id == wanted), None)

    def lines(self) -> list[str]:
        """One numbered line per step: ``2 tool   get_weather <call:1>: 'Sunny'``."""
        width = len(str(len(self)))
        return [f"{n:>{width}} {step.kind:<6} {step.describe()}" for n, step in enumerate(self, 1)]

    def records(self) -> list[dict[str, Any]]:
        """The steps as plain data (YAML-safe)."""
        out: list[dict[str, Any]] = []
        for step in self:
            if isinstance(step, ModelStep):
                record: dict[str, Any] = {"model": step.node}
                if step.text:
                    record["text"] = step.text
                if step.tool_calls:
                    record["tool_calls"] = [
                        {"name": c.name, "args": arguments_of(c), "id": c.id} for c in step.tool_calls
                    ]
                out.append(record)
            elif isinstance(step, ToolStep):
                out.append({"tool": step.name, "id": step.tool_call_id, "content": step.content, "status": step.status})
            else:
                out.append({"interrupt": to_plain(step.value)})
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def __repr__(self) -> str:
        return f"Trajectory({len(self)} steps: {', '.join(step.kind for step in self)})"

    def __add__(self, other: object) -> Trajectory:  # type: ignore[override]
        if not isinstance(other, tuple):
            return NotImplemented
        return Trajectory((*self, *other))


# --------------------------------------------------------------------------- helpers


def arguments_of(call: ToolCall) -> Any:
    """A call's parsed arguments, or its raw text when that is not JSON (a truncated stream)."""
    try:
        return call.args
    except ValueError:
        return call.arguments


def format_call(call: ToolCall) -> str:
    """``get_weather(city='Paris')``: the call as Python would write it (JSON when keys are not names)."""
    args = arguments_of(call)
    if isinstance(args, Mapping) and all(isinstance(key, str) and key.isidentifier() for key in args):
        shown = ", ".join(f"{key}={value!r}" for key, value in args.items())
    elif isinstance(args, str):
        shown = f"<not JSON: {args!r}>"
    else:
        shown = json.dumps(args, ensure_ascii=False)
    return f"{call.name}({shown})"


def _preview(text: str) -> str:
    return repr(text if len(text) <= _PREVIEW else text[: _PREVIEW - 1] + "…")


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """``obj[name]`` for plain data, ``obj.name`` for a LangChain object."""
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _message_of(event: StreamEvent) -> Any:
    """The message of a messages-mode event, raw ``(message, metadata)`` or normalized ``[plain, metadata]``."""
    payload = event.payload
    if isinstance(payload, (tuple, list)) and payload:
        return payload[0]
    return None


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part if isinstance(part, str) else str(_get(part, "text") or "")
            for part in content
            if isinstance(part, str) or _get(part, "type") in ("text", "output_text")
        )
    return ""


def _reasoning_of(content: Any) -> str:
    """Reasoning text from content blocks: Anthropic ``thinking``, OpenAI ``reasoning`` summaries, v1 ``reasoning``."""
    if not isinstance(content, list):
        return ""
    pieces: list[str] = []
    for block in content:
        kind = _get(block, "type")
        if kind == "thinking" and isinstance(_get(block, "thinking"), str):
            pieces.append(_get(block, "thinking"))
        elif kind == "reasoning":
            if isinstance(_get(block, "reasoning"), str):
                pieces.append(_get(block, "reasoning"))
            for part in _get(block, "summary") or ():
                if isinstance(_get(part, "text"), str):
                    pieces.append(_get(part, "text"))
    return "".join(pieces)


def _usage_of(messages: Iterable[Any]) -> Usage | None:
    """The messages' ``usage_metadata`` added up, as LangChain adds chunks up."""
    found = False
    prompt = completion = total = cached = 0
    for message in messages:
        usage = _get(message, "usage_metadata")
        if not isinstance(usage, Mapping):
            continue
        found = True
        prompt += int(usage.get("input_tokens") or 0)
        completion += int(usage.get("output_tokens") or 0)
        total += int(usage.get("total_tokens") or 0)
        details = usage.get("input_token_details")
        if isinstance(details, Mapping):
            cached += int(details.get("cache_read") or 0)
    return Usage(prompt, completion, total, cached) if found else None


def _finish_of(messages: Iterable[Any]) -> str | None:
    finish: str | None = None
    for message in messages:
        metadata = _get(message, "response_metadata")
        if isinstance(metadata, Mapping):
            for key in ("finish_reason", "stop_reason", "status"):
                if isinstance(metadata.get(key), str):
                    finish = metadata[key]
                    break
    return finish


def _streamed_calls(chunks: Sequence[Any]) -> tuple[ToolCall, ...]:
    """The chunks' ``tool_call_chunks``, reassembled per call index as the wire layer does it."""
    fragments: list[ToolCallFragment] = []
    for message in chunks:
        for position, piece in enumerate(_get(message, "tool_call_chunks") or ()):
            index = _get(piece, "index")
            args, call_id, name = _get(piece, "args"), _get(piece, "id"), _get(piece, "name")
            fragments.append(
                ToolCallFragment(
                    call=index if isinstance(index, (int, str)) else f"#{position}",
                    arguments=args if isinstance(args, str) else "",
                    id=call_id if isinstance(call_id, str) else None,
                    name=name if isinstance(name, str) else None,
                )
            )
    return StreamReading(tool_call_fragments=tuple(fragments)).tool_calls


def _whole_calls(message: Any) -> tuple[ToolCall, ...]:
    calls = []
    for call in _get(message, "tool_calls") or ():
        args = _get(call, "args")
        calls.append(
            ToolCall(
                name=str(_get(call, "name") or ""),
                arguments=json.dumps(to_plain(args), ensure_ascii=False),
                id=str(_get(call, "id") or ""),
            )
        )
    return tuple(calls)


def _model_step(events: Sequence[StreamEvent]) -> ModelStep:
    """One model call's chunks (or one whole AI message) as a step."""
    first = events[0]
    messages = [_message_of(event) for event in events]
    streamed = first.kind == "token"
    return ModelStep(
        text="".join(event.text or "" for event in events) if streamed else _text_of(_get(messages[0], "content")),
        tool_calls=_streamed_calls(messages) if streamed else _whole_calls(messages[0]),
        node=first.node,
        tags=first.tags,
        usage=_usage_of(messages),
        finish_reason=_finish_of(messages),
        reasoning="".join(_reasoning_of(_get(message, "content")) for message in messages),
        chunks=len(events) if streamed else 0,
    )


def _steps_of_message(message: Any, node: str | None, event: StreamEvent | None = None) -> list[Step]:
    kind = _get(message, "type")
    if kind in _AI_TYPES:
        if event is not None:
            return [_model_step([event])]
        text = _text_of(_get(message, "content"))
        return [
            ModelStep(
                text=text,
                tool_calls=_whole_calls(message),
                node=node,
                usage=_usage_of([message]),
                finish_reason=_finish_of([message]),
                reasoning=_reasoning_of(_get(message, "content")),
            )
        ]
    if kind in _TOOL_TYPES:
        return [
            ToolStep(
                name=_get(message, "name"),
                tool_call_id=_get(message, "tool_call_id"),
                content=_text_of(_get(message, "content")),
                status=str(_get(message, "status") or "success"),
                node=node,
            )
        ]
    return []


def _interrupts(payload: Any) -> list[Step]:
    if not isinstance(payload, Mapping) or _INTERRUPT_KEY not in payload:
        return []
    found = payload[_INTERRUPT_KEY]
    items = found if isinstance(found, (list, tuple)) else [found]
    return [InterruptStep(to_plain(_get(item, "value", item))) for item in items]


def _messages_in_update(update: Any) -> list[Any]:
    found = update.get("messages") if isinstance(update, Mapping) else update
    if isinstance(found, (list, tuple)):
        return list(found)
    return [found] if found is not None and _get(found, "type") is not None else []


def _raw_steps(events: Sequence[StreamEvent]) -> list[Step]:
    streamed_messages = any(event.mode == "messages" for event in events)
    interrupt_mode = "updates" if any(e.mode == "updates" for e in events) else "values"
    steps: list[Step] = []
    group: list[StreamEvent] = []

    def flush() -> None:
        if group:
            steps.append(_model_step(group))
            group.clear()

    for event in events:
        if event.mode == "messages" and event.kind == "token":
            if group and group[-1].call != event.call:
                flush()
            group.append(event)
            continue
        flush()
        if event.mode == "messages":
            steps += _steps_of_message(_message_of(event), event.node, event)
        elif event.mode == interrupt_mode and _INTERRUPT_KEY in (event.payload if isinstance(event.payload, Mapping) else ()):
            steps += _interrupts(event.payload)
        elif event.mode == "updates" and not streamed_messages and isinstance(event.payload, Mapping):
            for node, update in event.payload.items():
                for message in _messages_in_update(update):
                    steps += _steps_of_message(message, str(node))
    flush()
    return steps


def _renumbered(steps: Iterable[Step], normalizer: Normalizer) -> Iterator[Step]:
    for step in steps:
        if isinstance(step, ModelStep) and step.tool_calls:
            calls = tuple(replace(call, id=normalizer.tool_call_id(call.id) or "") for call in step.tool_calls)
            yield replace(step, tool_calls=calls)
        elif isinstance(step, ToolStep) and step.tool_call_id:
            yield replace(step, tool_call_id=normalizer.tool_call_id(step.tool_call_id))
        else:
            yield step


def trajectory_of(*transcripts: HasEvents, normalize: bool = True) -> Trajectory:
    """The steps of these transcripts' runs, one after the other.

    Pass every run of one conversation (a run and its resumption after an
    ``interrupt()``) to number their tool-call ids together; ``normalize=False``
    keeps the ids the provider sent.
    """
    steps: list[Step] = []
    for transcript in transcripts:
        steps += _raw_steps(transcript.events)
    return Trajectory(_renumbered(steps, Normalizer()) if normalize else steps)
