"""Whole agent loops: tool-call turns, then a final answer, as one stream per model call.

An agent's model is called once per turn: first it answers with tool calls,
the graph runs the tools and calls it again, until it answers in text.
:func:`agent_loops` draws that conversation as an :class:`AgentLoop`, a
sequence of complete streams that ``streamtest.play(*loop)`` serves in call
order, so one ``@given`` test says "whatever the chunking, the agent calls
``get_weather`` once with ``{"city": "Paris"}`` and answers".

Built on the public stream strategies (:func:`chat_completion_streams`,
:func:`responses_streams`), so each turn is cut, encoded and shrunk exactly as
those are.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from streamtest._exceptions import UsageError
from streamtest._strategies.arguments import check_bool, check_flavor, check_max_size, check_text, named
from streamtest._strategies.chat import chat_completion_streams
from streamtest._strategies.encode import draw_id
from streamtest._strategies.responses import responses_streams
from streamtest._strategies.types import CHAT_COMPLETIONS, RESPONSES, Api, Flavor, GeneratedStream, ToolCall, pipe_form

__all__ = ["AgentLoop", "agent_loops"]

_DEFAULT_ID = ToolCall("", "").id

CallLike = ToolCall | tuple[str, Mapping[str, Any]]
TurnLike = Sequence[CallLike] | SearchStrategy[Sequence[ToolCall]]


@dataclass(frozen=True, repr=False)
class AgentLoop:
    """One agent conversation nobody recorded: a stream per model call, tool turns first, the answer last.

    Iterating yields the streams, so ``play(*loop)`` serves them in order;
    ``turns`` and ``answer`` are the ground truth they were built from.
    """

    streams: tuple[GeneratedStream, ...]

    def __iter__(self) -> Iterator[GeneratedStream]:
        return iter(self.streams)

    def __len__(self) -> int:
        return len(self.streams)

    @property
    def turns(self) -> tuple[tuple[ToolCall, ...], ...]:
        """The tool calls of each tool-call turn, with the argument cuts each stream used."""
        return tuple(stream.tool_calls for stream in self.streams[:-1])

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        """Every tool call of the loop, in order."""
        return tuple(call for turn in self.turns for call in turn)

    @property
    def answer(self) -> str:
        """The final answer's text."""
        return self.streams[-1].text

    def __repr__(self) -> str:
        turns = ", ".join(repr(list(turn)) for turn in self.turns)
        deltas = self.streams[-1].deltas
        return f"AgentLoop({turns}, answer={pipe_form(deltas) if deltas else repr(self.answer)})"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


def _as_call(item: object, turn: int) -> ToolCall:
    if isinstance(item, ToolCall):
        return item
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str) and isinstance(item[1], Mapping):
        return ToolCall(item[0], json.dumps(dict(item[1]), ensure_ascii=False))
    raise UsageError(
        f"turn {turn + 1}: {item!r} is not a tool call; write ('get_weather', {{'city': 'Paris'}}) or a ToolCall."
    )


def _check_turns(turns: object) -> list[tuple[ToolCall, ...] | SearchStrategy[Sequence[ToolCall]]]:
    if isinstance(turns, (str, bytes, Mapping, SearchStrategy)) or not isinstance(turns, Sequence):
        raise UsageError(
            f"turns={turns!r} must be a list with one entry per tool-call turn: a list of calls "
            "[('get_weather', {'city': 'Paris'})] or a strategy drawing one."
        )
    checked: list[tuple[ToolCall, ...] | SearchStrategy[Sequence[ToolCall]]] = []
    for n, turn in enumerate(turns):
        if isinstance(turn, SearchStrategy):
            checked.append(turn)
            continue
        if isinstance(turn, (str, bytes, Mapping, ToolCall)) or not isinstance(turn, Sequence) or (
            isinstance(turn, tuple) and len(turn) == 2 and isinstance(turn[0], str)
        ):
            raise UsageError(f"turn {n + 1}: {turn!r} must be a list of tool calls, e.g. [('get_weather', {{'city': 'Paris'}})].")
        calls = tuple(_as_call(item, n) for item in turn)
        if not calls:
            raise UsageError(f"turn {n + 1} has no tool call; a tool-call turn calls at least one tool.")
        checked.append(calls)
    return checked


@named("agent_loops")
def _agent_loops(
    draw: Callable[[SearchStrategy[Any]], Any],
    turns: Sequence[tuple[ToolCall, ...] | SearchStrategy[Sequence[ToolCall]]],
    answer: str | SearchStrategy[str] | None = None,
    *,
    api: Api = CHAT_COMPLETIONS,
    usage: bool | None = None,
    max_size: int | None = None,
    flavor: Flavor | None = None,
) -> AgentLoop:
    def stream(text: str | SearchStrategy[str] | None, calls: tuple[ToolCall, ...] | None) -> GeneratedStream:
        fixed = None if calls is None else st.just(calls)
        if api == RESPONSES:
            return draw(responses_streams(text, tool_calls=fixed, max_size=max_size))
        return draw(chat_completion_streams(text, tool_calls=fixed, usage=usage, max_size=max_size, flavor=flavor))

    streams: list[GeneratedStream] = []
    used: set[str] = set()
    for n, turn in enumerate(turns):
        calls = tuple(draw(turn)) if isinstance(turn, SearchStrategy) else turn
        resolved = []
        for position, call in enumerate(calls):
            if not isinstance(call, ToolCall):
                raise UsageError(f"turn {n + 1}'s strategy drew {call!r}; it must draw ToolCall values (tool_calls()).")
            if call.id == _DEFAULT_ID or call.id in used:
                # Ids are unique across the conversation: ToolMessages answer them by id.
                call = replace(call, id=draw_id(draw, "call_", 24, salt=(n, position)))
            if draw(st.booleans()):  # the spacing a provider's JSON may have
                call = replace(call, arguments=_respaced(call.arguments))
            used.add(call.id)
            resolved.append(call)
        streams.append(stream("", tuple(resolved)))
    streams.append(stream(answer, None))
    return AgentLoop(tuple(streams))


def _respaced(arguments: str) -> str:
    """The same JSON, compact if it was spaced and spaced if it was compact."""
    try:
        value = json.loads(arguments)
    except ValueError:
        return arguments
    compact = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(value, ensure_ascii=False) if arguments == compact else compact


def agent_loops(
    turns: Sequence[TurnLike],
    *,
    answer: str | SearchStrategy[str] | None = None,
    api: Api = CHAT_COMPLETIONS,
    usage: bool | None = None,
    max_size: int | None = None,
    flavor: Flavor | None = None,
) -> SearchStrategy[AgentLoop]:
    """Agent loops: one stream per tool-call turn in ``turns``, then the final ``answer``.

    ``turns`` lists the turns in which the model calls tools; each is a list of
    calls, ``("get_weather", {"city": "Paris"})`` or a :class:`ToolCall`, or a
    strategy drawing one (``st.lists(tool_calls(), min_size=1, max_size=2)``).
    Every call's arguments are cut at arbitrary code points and sent compact or
    spaced; every call gets an id unique in the loop. ``answer`` is the final
    text (a str or a strategy; by default model-like texts). ``api`` picks
    :func:`chat_completion_streams` (``usage`` and ``flavor`` as there) or
    :func:`responses_streams`.

    ``with play(*loop):`` serves the streams in call order. Shrinks towards
    uncut arguments, compact JSON and one answer delta.
    """
    checked = _check_turns(turns)
    check_text("answer", answer)
    if api not in (CHAT_COMPLETIONS, RESPONSES):
        raise UsageError(f"api={api!r} must be {CHAT_COMPLETIONS!r} or {RESPONSES!r}")
    check_bool("usage", usage, allow_none=True)
    check_max_size(max_size)
    check_flavor(flavor)
    if api == RESPONSES and (usage is not None or flavor is not None):
        raise UsageError("usage= and flavor= apply to api='chat.completions'; responses streams always report usage.")
    return _agent_loops(checked, answer, api=api, usage=usage, max_size=max_size, flavor=flavor)
