"""Assertions on a :class:`~streamtest._capture.Transcript`, with failures that read at a glance.

Four families, each also a ``Transcript`` method:

- token order: :func:`assert_tokens`, :func:`assert_tokens_in_order`,
  :func:`assert_text`, :func:`assert_text_matches_state`;
- tag routing: :func:`assert_from_nodes`, :func:`assert_tags_exclusive`,
  :func:`interleaves`, :func:`assert_not_interleaved`;
- metadata: :func:`assert_metadata` (values, predicates, types or regex patterns);
- conservation: :func:`assert_conserves` cross-checks the provider's tokens, per
  cassette interaction, against the stream.

Every assertion takes keyword filters ``tag=``, ``node=``, ``mode=`` (the same as
``transcript.tagged(tag).from_node(node).mode(mode)``) and fails on an empty
view: an assertion that checks nothing would hide the bug it exists for.

A failure raises :class:`StreamAssertionError` whose message puts the expected and
actual token streams one above the other, ``|`` after each token like the
LangGraph how-to prints them, with a caret under the first difference.
:func:`token_diff_lines` and :func:`transcript_diff_lines` build those lines; the
``pytest_assertrepr_compare`` hook uses them for plain ``assert a == b``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, cast, runtime_checkable

from streamtest._capture import StreamEvent, Tokens, Transcript
from streamtest._exceptions import UsageError

__all__ = [
    "InteractionLike",
    "StreamAssertionError",
    "assert_conserves",
    "assert_from_nodes",
    "assert_metadata",
    "assert_not_interleaved",
    "assert_tags_exclusive",
    "assert_text",
    "assert_text_matches_state",
    "assert_tokens",
    "assert_tokens_in_order",
    "assertrepr_lines",
    "checkpoint_ns_of",
    "interleaves",
    "token_diff_lines",
    "transcript_diff_lines",
]

_CONTEXT_BEFORE = 6  # tokens shown before the first difference
_CONTEXT_AFTER = 10  # and from it on
_MAX_DIFF_LINES = 60
_MAX_LISTED = 5


class StreamAssertionError(AssertionError):
    """A transcript assertion failed; the message shows where, token by token."""

    def __init__(self, title: str, lines: Iterable[str] = ()) -> None:
        self.title = title
        self.lines = list(lines)
        super().__init__("\n".join([title, *self.lines]))


@runtime_checkable
class InteractionLike(Protocol):
    """What :func:`assert_conserves` reads of a recorded interaction (``streamtest.Interaction`` fits)."""

    @property
    def tokens(self) -> Sequence[str]:
        """The provider's content deltas, in order."""

    @property
    def request_json(self) -> Mapping[str, Any] | None:
        """The parsed request body, or None."""


# --------------------------------------------------------------------------- rendering


def _show(token: str) -> str:
    """A token as one line can show it: control characters and ``|`` escaped."""
    if not token:
        return '""'
    return (
        token.replace("\\", "\\\\")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
        .replace("|", "\\|")
    )


def _stream_line(tokens: Sequence[str], start: int, stop: int) -> tuple[str, list[int]]:
    """``Why| was| the|`` for ``tokens[start:stop]`` plus each shown token's column."""
    parts, columns, column = [], [], 0
    if start > 0:
        parts.append("…")
        column = 1
    for token in tokens[start:stop]:
        columns.append(column)
        shown = _show(token) + "|"
        parts.append(shown)
        column += len(shown)
    columns.append(column)  # where a token after the last would start
    if stop < len(tokens):
        parts.append("…")
    return "".join(parts), columns


def _first_difference(a: Sequence[str], b: Sequence[str]) -> int | None:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def token_diff_lines(
    expected: Sequence[str],
    actual: Sequence[str],
    *,
    labels: tuple[str, str] = ("expected", "actual"),
) -> list[str]:
    """Two token streams one above the other, caret under the first difference; [] if equal."""
    at = _first_difference(expected, actual)
    if at is None:
        return []
    first, second = labels
    if at < len(expected) and at < len(actual):
        what = f"{first} {expected[at]!r}, {second} {actual[at]!r}"
    elif at < len(expected):
        what = f"{second} ends; {first} continues with {expected[at]!r}"
    else:
        what = f"{first} ends; {second} continues with {actual[at]!r}"
    start = max(0, at - _CONTEXT_BEFORE)
    stop = at + _CONTEXT_AFTER
    width = max(len(first), len(second))
    line_a, columns = _stream_line(expected, start, min(stop, len(expected)))
    line_b, _ = _stream_line(actual, start, min(stop, len(actual)))
    caret = columns[min(at - start, len(columns) - 1)]
    return [
        f"first difference at token {at + 1} ({what}); "
        f"{first} has {len(expected)} tokens, {second} {len(actual)}:",
        f"  {first:<{width}}: {line_a}",
        f"  {second:<{width}}: {line_b}",
        f"  {'':<{width}}  {' ' * caret}^",
    ]


def _marked_stream(tokens: Sequence[str], at: int, label: str = "tokens", width: int = 0) -> list[str]:
    """One token stream with a caret under token ``at`` (or just past the end)."""
    start = max(0, at - _CONTEXT_BEFORE)
    line, columns = _stream_line(tokens, start, min(at + _CONTEXT_AFTER, len(tokens)))
    width = max(width, len(label))
    return [f"  {label:<{width}}: {line}", f"  {'':<{width}}  {' ' * columns[min(at - start, len(columns) - 1)]}^"]


def _words(text: str) -> list[str]:
    """Split expected text the way most tokenizers roughly do, for display only."""
    return re.findall(r"\s*[\w']+|\s*[^\w\s]|\s+", text)


def _text_as_tokens(expected: str, actual: Sequence[str]) -> list[str]:
    """``expected`` cut at the actual token boundaries as long as they agree, then at words."""
    tokens, offset = [], 0
    for token in actual:
        if token and expected.startswith(token, offset):
            tokens.append(token)
            offset += len(token)
        else:
            break
    return tokens + _words(expected[offset:])


def _title(what: str, view: Transcript) -> str:
    return f"{what} of {view.description}" if view.description else what


def _where(event: StreamEvent) -> str:
    """``node 'call_model', tags ['poem']``: where a token came from, as the graph names it."""
    parts = []
    if event.namespace:
        parts.append("subgraph " + "/".join(entry.partition(":")[0] for entry in event.namespace))
    if event.node:
        parts.append(f"node {event.node!r}")
    parts.append(f"tags {list(event.tags)}")
    return ", ".join(parts)


def _event_label(event: StreamEvent, position: int | None = None) -> str:
    head = f"token {position + 1} " if position is not None else ""
    return f"{head}{_show(event.text or '')!r} ({_where(event)})"


# --------------------------------------------------------------------------- views


def _view(transcript: Transcript, tag: str | None, node: str | None, mode: str | None) -> Transcript:
    if not isinstance(transcript, Transcript):
        raise UsageError(f"{transcript!r} is not a Transcript; get one from streamtest.capture().")
    if tag is not None:
        transcript = transcript.tagged(tag)
    if node is not None:
        transcript = transcript.from_node(node)
    if mode is not None:
        transcript = transcript.mode(mode)
    return transcript


def _token_events(view: Transcript, *, arrival: bool = False) -> list[StreamEvent]:
    return [e for e in (view.arrival if arrival else view.events) if e.is_token]


def _require_tokens(view: Transcript, what: str) -> list[StreamEvent]:
    events = _token_events(view)
    if not events:
        origin = view.origin
        tags = ", ".join(map(repr, origin.tag_set)) or "none"
        nodes = ", ".join(map(repr, origin.nodes)) or "none"
        raise StreamAssertionError(
            f"{_title(what, view)}: no tokens here (the transcript has {len(origin.tokens)} tokens; "
            f"tags: {tags}; nodes: {nodes})."
        )
    return events


def _check_tokens_arg(expected: object) -> list[str]:
    if isinstance(expected, str) or not isinstance(expected, Sequence):
        raise UsageError(f"expected={expected!r} must be a list of token strings (use assert_text for a str).")
    if not all(isinstance(token, str) for token in expected):
        raise UsageError(f"expected={expected!r} must contain only strings.")
    return list(expected)


# --------------------------------------------------------------------------- token order


def _tokens_under_test(
    transcript: Transcript, expected: Sequence[str], tag: str | None, node: str | None, mode: str | None
) -> tuple[Transcript, list[str], Tokens]:
    """The filtered view, the expected tokens (validated) and the view's tokens; an empty view fails."""
    view = _view(transcript, tag, node, mode)
    want = _check_tokens_arg(expected)
    actual = view.tokens
    if want and not actual:
        _require_tokens(view, "tokens")
    return view, want, actual


def assert_tokens(
    transcript: Transcript,
    expected: Sequence[str],
    *,
    tag: str | None = None,
    node: str | None = None,
    mode: str | None = None,
) -> None:
    """The view's tokens are exactly ``expected``, in canonical order (empty chunks left out)."""
    view, want, actual = _tokens_under_test(transcript, expected, tag, node, mode)
    if actual != want:
        raise StreamAssertionError(_title("tokens", view) + " differ", token_diff_lines(want, actual))


def assert_tokens_in_order(
    transcript: Transcript,
    expected: Sequence[str],
    *,
    tag: str | None = None,
    node: str | None = None,
    mode: str | None = None,
) -> None:
    """``expected`` appear in the view's tokens in this order; other tokens may come between."""
    view, want, actual = _tokens_under_test(transcript, expected, tag, node, mode)
    position = 0
    for n, token in enumerate(want):
        try:
            position = actual.index(token, position) + 1
        except ValueError:
            after = f"after token {position} ({actual[position - 1]!r})" if position else "anywhere"
            width = len("expected (in order)")
            lines = [
                f"expected token {n + 1} of {len(want)}, {token!r}, does not appear {after}:",
                *_marked_stream(want, n, "expected (in order)"),
                *_marked_stream(actual, position, "actual", width),
            ]
            raise StreamAssertionError(_title("tokens", view) + " are not in the expected order", lines) from None


def assert_text(
    transcript: Transcript,
    expected: str,
    *,
    tag: str | None = None,
    node: str | None = None,
    mode: str | None = None,
) -> None:
    """The view's tokens, joined, equal ``expected``."""
    view = _view(transcript, tag, node, mode)
    if not isinstance(expected, str):
        raise UsageError(f"expected={expected!r} must be a str (use assert_tokens for a token list).")
    _text_failure(view, expected, "the expected text")


def _text_failure(view: Transcript, expected: str, source: str) -> None:
    actual = view.tokens
    if actual.text == expected:
        return
    if expected:
        _require_tokens(view, "text")
    cut = _text_as_tokens(expected, actual)
    at = next((i for i, (a, b) in enumerate(zip(expected, actual.text, strict=False)) if a != b), min(len(expected), len(actual.text)))
    raise StreamAssertionError(
        f"{_title('text', view)} differs from {source} at character {at + 1}",
        token_diff_lines(cut, actual),
    )


def assert_text_matches_state(
    transcript: Transcript,
    key: str,
    *,
    tag: str | None = None,
    node: str | None = None,
    mode: str | None = None,
) -> None:
    """The view's tokens, joined, equal the final state's ``key`` (what the graph returned)."""
    view = _view(transcript, tag, node, mode)
    state = view.final_state
    if state is None:
        raise UsageError(
            "this transcript has no final state: capture() records it; Transcript.from_stream() "
            "needs final_state=."
        )
    if isinstance(state, Mapping):
        if key not in state:
            raise UsageError(f"the final state has no {key!r}; its keys are {sorted(map(str, state))}.")
        value = state[key]
    elif hasattr(state, key):
        value = getattr(state, key)
    else:
        raise UsageError(f"the final state {type(state).__name__} has no {key!r}.")
    if not isinstance(value, str):
        raise UsageError(f"the final state's {key!r} is {value!r}, not a str.")
    _text_failure(view, value, f"the final state's {key!r}")


# --------------------------------------------------------------------------- tag routing


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
    view = _view(transcript, tag, node, mode)
    events = _require_tokens(view, "tokens")
    stray = [i for i, e in enumerate(events) if e.node not in nodes]
    if not stray:
        return
    counts: dict[str | None, int] = {}
    for e in events:
        counts[e.node] = counts.get(e.node, 0) + 1
    first = stray[0]
    raise StreamAssertionError(
        f"{len(stray)} of {len(events)} {_title('tokens', view)} come from nodes other than "
        f"{', '.join(map(repr, nodes))}; first: {_event_label(events[first], first)}",
        [
            *_marked_stream([e.text or "" for e in events], first),
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
    view = _view(transcript, tag, node, mode)
    events = [e for e in _token_events(view) if any(t in e.tags for t in tags)]
    if not events:
        raise StreamAssertionError(f"{_title('tokens', view)}: no token carries any of {list(tags)}.")
    shared = [i for i, e in enumerate(events) if sum(t in e.tags for t in tags) > 1]
    if not shared:
        return
    first = events[shared[0]]
    carried = [t for t in tags if t in first.tags]
    raise StreamAssertionError(
        f"{len(shared)} of {len(events)} tagged tokens carry more than one of {list(tags)}; "
        f"first: {_event_label(first, shared[0])} carries {carried}",
        _marked_stream([e.text or "" for e in events], shared[0]),
    )


def _runs(view: Transcript, tag_a: str, tag_b: str) -> list[tuple[str, list[str]]]:
    """Arrival-order tokens of either tag, as runs of one label: ``[(label, tokens), ...]``."""
    runs: list[tuple[str, list[str]]] = []
    for event in _token_events(view, arrival=True):
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
        shown = "".join(f"{_show(t)}|" for t in tokens[:8]) + ("…" if len(tokens) > 8 else "")
        lines.append(f"  {label:<{width}}: {' ' * column}{shown}")
        column += len(shown)
    if len(runs) > 8:
        lines.append(f"  ... {len(runs) - 8} more runs")
    raise StreamAssertionError(
        f"tokens of {tag_a!r} and {tag_b!r} interleave in arrival order ({len(runs)} runs):", lines
    )


# --------------------------------------------------------------------------- metadata


def checkpoint_ns_of(node: str) -> re.Pattern[str]:
    """A pattern for ``checkpoint_ns`` / ``langgraph_checkpoint_ns`` of a task of ``node``.

    Matches ``"<node>:<task id>"`` raw (``call_model:6ddc5f0f-...``) and
    normalized (``call_model:<task:1>``), at any subgraph depth.
    """
    return re.compile(rf"(?:[^|]+\|)*{re.escape(node)}:(?:<task:\d+>|[0-9a-fA-F-]+)")


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
        return len(expected) == len(actual) and all(map(_same, expected, actual))
    return bool(expected == actual)


def _mismatch(key: str, expected: Any, metadata: Mapping[str, Any]) -> str | None:
    """Why ``metadata[key]`` does not satisfy ``expected``, or None if it does."""
    if key not in metadata:
        return f"no {key!r} (keys: {', '.join(sorted(map(str, metadata))) or 'none'})"
    actual = metadata[key]
    if isinstance(expected, re.Pattern):
        if expected.fullmatch(str(actual)):
            return None
        return f"{key!r} is {actual!r}, which does not match /{expected.pattern}/"
    if isinstance(expected, type):
        return None if isinstance(actual, expected) else f"{key!r} is {actual!r}, not a {expected.__name__}"
    if callable(expected):
        if expected(actual):
            return None
        name = getattr(expected, "__name__", repr(expected))
        return f"{key!r} is {actual!r}, rejected by {name}"
    return None if _same(expected, actual) else f"{key!r} is {actual!r}, expected {expected!r}"


def assert_metadata(
    transcript: Transcript,
    expected: Mapping[str, Any] | None = None,
    /,
    *,
    tag: str | None = None,
    node: str | None = None,
    mode: str | None = None,
    **fields: Any,
) -> None:
    """Every token (and whole message) in the view carries metadata that satisfies each field.

    Empty chunks are not checked: the user never sees them.

    A field's expectation is a value (lists and tuples compare alike), a type
    (``langgraph_step=int``), a compiled regex that must match the whole value
    (``checkpoint_ns=checkpoint_ns_of("call_model")``), or a predicate
    (``ls_temperature=lambda t: t is None or t <= 1``). Keys that clash with
    ``tag``/``node``/``mode`` go in the ``expected`` mapping.
    """
    wanted = {**dict(expected or {}), **fields}
    if not wanted:
        raise UsageError("assert_metadata needs at least one field to check.")
    view = _view(transcript, tag, node, mode)
    events = [e for e in view.events if e.is_token or e.kind == "message"]
    if not events:
        _require_tokens(view, "metadata")
    # One line per run of consecutive events of one call with the same problems.
    runs: list[tuple[tuple[Any, tuple[str, ...]], list[int]]] = []
    for position, event in enumerate(events):
        problems = tuple(p for key, exp in wanted.items() if (p := _mismatch(key, exp, event.metadata)))
        if not problems:
            continue
        key = (event.call, problems)
        if runs and runs[-1][0] == key and runs[-1][1][-1] == position - 1:
            runs[-1][1].append(position)
        else:
            runs.append((key, [position]))
    if not runs:
        return
    lines = []
    for (_, problems), positions in runs[:_MAX_LISTED]:
        first, last = events[positions[0]], events[positions[-1]]
        if len(positions) == 1:
            where = _event_label(first, positions[0])
        else:
            where = (
                f"tokens {positions[0] + 1}-{positions[-1] + 1} "
                f"({_show(first.text or '')!r}…{_show(last.text or '')!r}, {_where(first)})"
            )
        lines.append(f"  {where}: " + "; ".join(problems))
    if len(runs) > _MAX_LISTED:
        lines.append(f"  ... and {len(runs) - _MAX_LISTED} more runs")
    failing = sum(len(positions) for _, positions in runs)
    raise StreamAssertionError(
        f"{_title('metadata', view)}: {failing} of {len(events)} events do not match "
        f"{', '.join(sorted(wanted))}:",
        lines,
    )


# --------------------------------------------------------------------------- conservation


def _describe(n: int, total: int, interaction: InteractionLike) -> str:
    request = interaction.request_json or {}
    parts = []
    if isinstance(request.get("model"), str):
        parts.append(f"model {request['model']!r}")
    messages = request.get("messages") or request.get("input")
    if isinstance(messages, list) and messages and isinstance(messages[-1], Mapping):
        content = messages[-1].get("content")
        if isinstance(content, str):
            parts.append(f"prompt {content[:60]!r}")
    elif isinstance(messages, str):
        parts.append(f"prompt {messages[:60]!r}")
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
    view = _view(transcript, tag, node, mode)
    modes = {e.mode for e in _token_events(view)}
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
                _marked_stream(extra, offsets[i]),
            )


def _common_prefix(a: Sequence[str], b: Sequence[str]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


# --------------------------------------------------------------------------- transcripts


def _head(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in ("tokens", "tool_call_chunks")}


def transcript_diff_lines(
    expected: Sequence[Mapping[str, Any]],
    actual: Sequence[Mapping[str, Any]],
    *,
    labels: tuple[str, str] = ("expected", "actual"),
) -> list[str]:
    """Where two transcripts' records (``Transcript.records()``) part, then a YAML diff; [] if equal."""
    if list(expected) == list(actual):
        return []
    import yaml

    first, second = labels
    lines: list[str] = []
    at = next((i for i, (a, b) in enumerate(zip(expected, actual, strict=False)) if a != b), min(len(expected), len(actual)))
    if at < len(expected) and at < len(actual):
        a, b = expected[at], actual[at]
        lines.append(f"first difference in record {at + 1} ({a.get('mode')} {a.get('node') or ''}".rstrip() + "):")
        if "tokens" in a and "tokens" in b and a["tokens"] != b["tokens"]:
            lines += token_diff_lines(a["tokens"], b["tokens"], labels=labels)
        for key in sorted(set(_head(a)) | set(_head(b))):
            if a.get(key) != b.get(key):
                lines.append(f"  {key}: {first} {a.get(key)!r}, {second} {b.get(key)!r}")
    else:
        longer, name = (expected, first) if len(expected) > len(actual) else (actual, second)
        lines.append(f"{name} has {len(longer) - at} more records from record {at + 1}: {_head(longer[at])}")

    def dump(records: Sequence[Mapping[str, Any]]) -> list[str]:
        text = yaml.safe_dump(list(map(dict, records)), sort_keys=False, allow_unicode=True, width=120)
        return str(text).splitlines()

    diff = list(difflib.unified_diff(dump(expected), dump(actual), first, second, lineterm="", n=2))
    if len(diff) > _MAX_DIFF_LINES:
        diff = [*diff[:_MAX_DIFF_LINES], f"... {len(diff) - _MAX_DIFF_LINES} more diff lines"]
    return [*lines, "", *diff]


def _is_token_list(value: object) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


def assertrepr_lines(left: object, right: object) -> list[str] | None:
    """Explanation lines for a failed ``left == right`` where one side is ours, else None."""
    if isinstance(left, Transcript) and isinstance(right, Transcript):
        return [
            "normalized transcripts differ",
            *transcript_diff_lines(left.records(), right.records(), labels=("left", "right")),
        ]
    if (isinstance(left, Tokens) or isinstance(right, Tokens)) and _is_token_list(left) and _is_token_list(right):
        return ["token streams differ", *token_diff_lines(cast(Sequence[str], left), cast(Sequence[str], right), labels=("left", "right"))]
    return None
