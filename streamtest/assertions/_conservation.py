"""Conservation: what a provider sent reached the graph's stream once, in order, where it belongs.

Text: every token, per cassette interaction, inside one model call (or one
custom-mode tag lane), under the tags of the model that made it. Tool calls
and usage (messages mode): each interaction that carried tool calls or a usage
report is paired with the one model call that streamed the same thing; every
arguments fragment of each call must arrive once, in order, in the call with
the same index, and joined they must give the arguments the wire carried; the
call's ``usage_metadata`` must equal the wire's usage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from streamtest._exceptions import UsageError
from streamtest._transcript.trajectory import ModelStep, trajectory_of
from streamtest._wire.base import ToolCall, Usage
from streamtest.assertions._render import StreamAssertionError, marked_stream, token_diff_lines
from streamtest.assertions._views import filtered_view, token_events

if TYPE_CHECKING:
    from streamtest._transcript.transcript import Transcript

__all__ = ["InteractionLike", "assert_conserves"]


@runtime_checkable
class InteractionLike(Protocol):
    """What :func:`assert_conserves` reads of a recorded interaction (``streamtest.Interaction`` fits)."""

    @property
    def tokens(self) -> Sequence[str]:
        """The provider's content deltas, in order."""

    @property
    def request_json(self) -> Mapping[str, Any] | None:
        """The parsed request body, or None."""

    # Read when present (``streamtest.Interaction`` has them): ``tool_calls``
    # (reassembled, with the ``deltas`` as sent) and ``usage``.


def _describe(n: int, total: int, interaction: InteractionLike) -> str:
    """``interaction 2 of 2 (model 'm', prompt 'Write...')``: the model and prompt as the
    interaction's wire format reads them (``Interaction.model`` / ``.prompt``), else from
    an OpenAI-style request body."""
    request = interaction.request_json or {}
    model = getattr(interaction, "model", None)
    prompt = getattr(interaction, "prompt", None)
    if not hasattr(interaction, "model") and isinstance(request.get("model"), str):
        model = request["model"]
    if not hasattr(interaction, "prompt"):
        messages = request.get("messages") or request.get("input")
        if isinstance(messages, list) and messages and isinstance(messages[-1], Mapping):
            content = messages[-1].get("content")
            prompt = content if isinstance(content, str) else None
        elif isinstance(messages, str):
            prompt = messages
    parts = []
    if isinstance(model, str):
        parts.append(f"model {model!r}")
    if isinstance(prompt, str):
        parts.append(f"prompt {prompt[:60]!r}")
    return f"interaction {n} of {total}" + (f" ({', '.join(parts)})" if parts else "")


def _expected_tags(
    tags: Callable[[InteractionLike], Iterable[str] | None] | Sequence[Iterable[str] | None] | None,
    index: int,
    interaction: InteractionLike,
) -> frozenset[str] | None:
    if tags is None:
        return None
    found = tags(interaction) if callable(tags) else tags[index] if index < len(tags) else None
    if found is None:
        return None
    if isinstance(found, str):
        return frozenset((found,))
    return frozenset(found)


def assert_conserves(
    transcript: Transcript,
    interactions: Iterable[InteractionLike],
    *,
    tags: Callable[[InteractionLike], Iterable[str] | None] | Sequence[Iterable[str] | None] | None = None,
    tag: str | None = None,
    node: str | None = None,
    mode: str | None = None,
    tool_calls: bool = True,
    usage: bool = True,
) -> None:
    """Every token the provider sent reached the stream exactly once, in order, under its call's tags.

    Each interaction's non-empty tokens must appear, contiguous and in order, in
    one call of the stream (a model call in messages mode; a node's tag lane in
    custom mode, where several interactions may follow each other), consumed in
    interaction order; afterwards no streamed token may be left over (a
    duplicate, or text no provider sent). ``tags`` gives the tags each
    interaction's model carries, as a function of the interaction or a list in
    interaction order; the call that streamed it must carry them.

    In messages mode, each interaction's tool calls (``tool_calls=False`` skips
    them) and usage (``usage=False``) must reach one model call of the stream:
    the same tools in the same order, each call's arguments fragments once and
    in order, their join equal to the wire's arguments, and ``usage_metadata``
    equal to the wire's usage. Custom-mode lanes carry no tool calls or usage.
    """
    view = filtered_view(transcript, tag, node, mode)
    modes = {e.mode for e in token_events(view)}
    if len(modes) > 1:
        raise UsageError(
            f"the view has tokens from modes {sorted(modes)}; check one at a time "
            "(mode='messages' or mode='custom')."
        )
    if tags is not None and not callable(tags) and isinstance(tags, (str, Mapping)):
        raise UsageError(f"tags={tags!r} must be a callable or a list with one tag set per interaction.")
    recorded = list(interactions)
    for item in recorded:
        if not (hasattr(item, "tokens") and hasattr(item, "request_json")):
            raise UsageError(f"{item!r} has no .tokens and .request_json: it is not a recorded interaction.")
    lanes = [call for call in view.calls() if call.tokens]
    offsets = [0] * len(lanes)
    lane_tags = [frozenset(t for e in call for t in e.tags) for call in lanes]
    for index, interaction in enumerate(recorded):
        want = [token for token in interaction.tokens if token]
        if not want:
            continue
        label = _describe(index + 1, len(recorded), interaction)
        need = _expected_tags(tags, index, interaction)
        matches = [
            i for i, call in enumerate(lanes) if list(call.tokens[offsets[i] : offsets[i] + len(want)]) == want
        ]
        fitting = [i for i in matches if need is None or need <= lane_tags[i]]
        if fitting:
            offsets[fitting[0]] += len(want)
            continue
        if matches:
            call = lanes[matches[0]]
            raise StreamAssertionError(
                f"{label} was streamed under tags {sorted(lane_tags[matches[0]])}, but the model that made "
                f"it carries {sorted(need or ())}: {call.description}."
            )
        if not lanes:
            raise StreamAssertionError(f"{label} sent {len(want)} tokens; the stream carried none.")
        best = max(
            range(len(lanes)),
            key=lambda i: (_common_prefix(want, lanes[i].tokens[offsets[i] :]), -i),
        )
        rest = list(lanes[best].tokens[offsets[best] :])
        where = f"from its token {offsets[best] + 1}" if offsets[best] else "from its start"
        raise StreamAssertionError(
            f"{label} did not reach the stream intact; closest: {lanes[best].description}, {where}",
            token_diff_lines(want, rest, labels=("provider sent", "graph streamed")),
        )
    for i, call in enumerate(lanes):
        if offsets[i] < len(call.tokens):
            extra = list(call.tokens)
            raise StreamAssertionError(
                f"{call.description} streamed {len(extra) - offsets[i]} tokens no interaction sent "
                f"(a duplicate, or text the provider never produced), from token {offsets[i] + 1}:",
                marked_stream(extra, offsets[i]),
            )
    if (tool_calls or usage) and "custom" not in modes:
        _conserve_calls(view, recorded, tool_calls=tool_calls, usage=usage)


# --------------------------------------------------------------------------- tool calls and usage


def _wire_calls(interaction: InteractionLike) -> tuple[ToolCall, ...]:
    calls = getattr(interaction, "tool_calls", None)
    return tuple(calls) if isinstance(calls, (list, tuple)) else ()


def _wire_usage(interaction: InteractionLike) -> Usage | None:
    found = getattr(interaction, "usage", None)
    return found if isinstance(found, Usage) else None


def _counts(usage: Usage | None) -> tuple[int, int, int] | None:
    return None if usage is None else (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens)


def _call_problem(sent: ToolCall, streamed: ToolCall | None) -> tuple[str, list[str]] | None:
    """How one streamed call differs from the one the provider sent (reason, diff lines), or None."""
    if streamed is None:
        return "never reached the stream", []
    if streamed.name != sent.name:
        return f"reached the stream as {streamed.name!r}", []
    if streamed.deltas != sent.deltas:
        lines = token_diff_lines(sent.deltas, streamed.deltas, labels=("provider sent", "graph streamed"))
        return "lost its arguments on the way: the fragments differ", [
            line.replace("at token", "at fragment").replace(" tokens,", " fragments,") for line in lines
        ]
    if streamed.arguments != sent.arguments:
        return f"joined to {streamed.arguments!r}, the wire's arguments are {sent.arguments!r}", []
    if sent.id and streamed.id and streamed.id != sent.id:
        return f"reached the stream with id {streamed.id!r}, the wire's is {sent.id!r}", []
    return None


def _step_problem(
    sent_calls: Sequence[ToolCall], sent_usage: Usage | None, step: ModelStep, *, tool_calls: bool, usage: bool
) -> tuple[str, list[str]] | None:
    if tool_calls:
        for k in range(max(len(sent_calls), len(step.tool_calls))):
            if k >= len(sent_calls):
                extra = step.tool_calls[k]
                return f"the stream has tool call {k + 1} ({extra.name}) the provider never sent", []
            problem = _call_problem(sent_calls[k], step.tool_calls[k] if k < len(step.tool_calls) else None)
            if problem is not None:
                return f"tool call {k + 1} ({sent_calls[k].name}) {problem[0]}", problem[1]
    if usage and sent_usage is not None and _counts(step.usage) != _counts(sent_usage):
        shown = "no usage_metadata" if step.usage is None else f"usage_metadata {step.usage!r}"
        return f"the stream's {shown} differs from the wire's usage {sent_usage!r} (prompt+completion)", []
    return None


def _conserve_calls(
    view: Transcript, recorded: Sequence[InteractionLike], *, tool_calls: bool, usage: bool
) -> None:
    steps = [step for step in trajectory_of(view, normalize=False).model_steps if step.chunks]
    if not steps:
        return
    labels = [
        call.description for call in view.calls() if call.events[0].mode == "messages" and call.events[0].kind == "token"
    ]
    taken: set[int] = set()
    for index, interaction in enumerate(recorded):
        sent_calls = _wire_calls(interaction) if tool_calls else ()
        sent_usage = _wire_usage(interaction) if usage else None
        if not sent_calls and sent_usage is None:
            continue
        text = "".join(token for token in interaction.tokens if token)
        free = [i for i in range(len(steps)) if i not in taken]
        same_text = [i for i in free if steps[i].text == text]
        problems = {i: _step_problem(sent_calls, sent_usage, steps[i], tool_calls=tool_calls, usage=usage) for i in same_text}
        fitting = [i for i in same_text if problems[i] is None]
        if fitting:
            taken.add(fitting[0])
            continue
        label = _describe(index + 1, len(recorded), interaction)
        if not same_text:
            raise StreamAssertionError(
                f"{label}: no model call of the stream left to carry its "
                f"{'tool calls' if sent_calls else 'usage'} ({len(steps)} model calls, {len(taken)} already paired)."
            )
        # The closest call: the same tools, then the most fragments in common.
        best = max(same_text, key=lambda i: (_same_names(sent_calls, steps[i].tool_calls), -i))
        reason, lines = problems[best] or ("differs", [])
        where = labels[best] if best < len(labels) else f"model call {best + 1}"
        raise StreamAssertionError(f"{label}: {reason}, in {where}", lines)


def _same_names(sent: Sequence[ToolCall], streamed: Sequence[ToolCall]) -> int:
    return sum(1 for a, b in zip(sent, streamed, strict=False) if a.name == b.name)


def _common_prefix(a: Sequence[str], b: Sequence[str]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
