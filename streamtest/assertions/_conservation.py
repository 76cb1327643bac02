"""Conservation: every token a provider sent reached the graph's stream once, in order, under its tags."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from streamtest._exceptions import UsageError
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
) -> None:
    """Every token the provider sent reached the stream exactly once, in order, under its call's tags.

    Each interaction's non-empty tokens must appear, contiguous and in order, in
    one call of the stream (a model call in messages mode; a node's tag lane in
    custom mode, where several interactions may follow each other), consumed in
    interaction order; afterwards no streamed token may be left over (a
    duplicate, or text no provider sent). ``tags`` gives the tags each
    interaction's model carries, as a function of the interaction or a list in
    interaction order; the call that streamed it must carry them.
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


def _common_prefix(a: Sequence[str], b: Sequence[str]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
