"""Tag routing: which node a token came from, which tags it carries, whether two calls interleaved."""

from __future__ import annotations

from typing import TYPE_CHECKING

from streamtest._exceptions import UsageError
from streamtest.assertions._render import StreamAssertionError, event_label, marked_stream, show_token, title
from streamtest.assertions._views import filtered_view, require_tokens, token_events

if TYPE_CHECKING:
    from streamtest._transcript.transcript import Transcript

__all__ = ["assert_from_nodes", "assert_not_interleaved", "assert_tags_exclusive", "interleaves"]


def assert_from_nodes(
    transcript: Transcript,
    *nodes: str,
    tag: str | None = None,
    node: str | None = None,
    mode: str | None = None,
) -> None:
    """Every token in the view comes from one of ``nodes`` (``tag=`` makes it a routing check)."""
    if not nodes or not all(isinstance(n, str) for n in nodes):
        raise UsageError(f"nodes={nodes!r}: name one or more nodes.")
    view = filtered_view(transcript, tag, node, mode)
    events = require_tokens(view, "tokens")
    stray = [i for i, e in enumerate(events) if e.node not in nodes]
    if not stray:
        return
    counts: dict[str | None, int] = {}
    for e in events:
        counts[e.node] = counts.get(e.node, 0) + 1
    first = stray[0]
    raise StreamAssertionError(
        f"{len(stray)} of {len(events)} {title('tokens', view)} come from nodes other than "
        f"{', '.join(map(repr, nodes))}; first: {event_label(events[first], first)}",
        [
            *marked_stream([e.text or "" for e in events], first),
            "  by node: " + ", ".join(f"{n!r} ×{c}" for n, c in counts.items()),
        ],
    )


def assert_tags_exclusive(
    transcript: Transcript,
    *tags: str,
    tag: str | None = None,
    node: str | None = None,
    mode: str | None = None,
) -> None:
    """No token carries more than one of ``tags``: each call's tokens stay under its own tag."""
    if len(tags) < 2 or not all(isinstance(t, str) for t in tags):
        raise UsageError(f"tags={tags!r}: name two or more tags.")
    view = filtered_view(transcript, tag, node, mode)
    events = [e for e in token_events(view) if any(t in e.tags for t in tags)]
    if not events:
        raise StreamAssertionError(f"{title('tokens', view)}: no token carries any of {list(tags)}.")
    shared = [i for i, e in enumerate(events) if sum(t in e.tags for t in tags) > 1]
    if not shared:
        return
    first = events[shared[0]]
    carried = [t for t in tags if t in first.tags]
    raise StreamAssertionError(
        f"{len(shared)} of {len(events)} tagged tokens carry more than one of {list(tags)}; "
        f"first: {event_label(first, shared[0])} carries {carried}",
        marked_stream([e.text or "" for e in events], shared[0]),
    )


def _runs(view: Transcript, tag_a: str, tag_b: str) -> list[tuple[str, list[str]]]:
    """Arrival-order tokens of either tag, as runs of one label: ``[(label, tokens), ...]``."""
    runs: list[tuple[str, list[str]]] = []
    for event in token_events(view, arrival=True):
        has_a, has_b = tag_a in event.tags, tag_b in event.tags
        if not (has_a or has_b):
            continue
        label = f"{tag_a}+{tag_b}" if has_a and has_b else tag_a if has_a else tag_b
        if runs and runs[-1][0] == label:
            runs[-1][1].append(event.text or "")
        else:
            runs.append((label, [event.text or ""]))
    return runs


def interleaves(transcript: Transcript, tag_a: str, tag_b: str) -> bool:
    """Whether tokens of ``tag_a`` and ``tag_b`` alternated as they *arrived*.

    Canonical order never interleaves calls of different tasks, so this reads
    ``Transcript.arrival``: it tells whether the UI saw the two calls mixed.
    """
    runs = _runs(transcript, tag_a, tag_b)
    return len(runs) > 2 or any("+" in label for label, _ in runs)


def assert_not_interleaved(transcript: Transcript, tag_a: str, tag_b: str) -> None:
    """Tokens of the two tags arrived as two blocks, one after the other."""
    if not interleaves(transcript, tag_a, tag_b):
        if not _runs(transcript, tag_a, tag_b):
            raise StreamAssertionError(f"no token carries {tag_a!r} or {tag_b!r}.")
        return
    runs = _runs(transcript, tag_a, tag_b)
    width = max(len(label) for label, _ in runs)
    lines, column = [], 0
    for label, tokens in runs[:8]:
        shown = "".join(f"{show_token(t)}|" for t in tokens[:8]) + ("…" if len(tokens) > 8 else "")
        lines.append(f"  {label:<{width}}: {' ' * column}{shown}")
        column += len(shown)
    if len(runs) > 8:
        lines.append(f"  ... {len(runs) - 8} more runs")
    raise StreamAssertionError(
        f"tokens of {tag_a!r} and {tag_b!r} interleave in arrival order ({len(runs)} runs):", lines
    )
