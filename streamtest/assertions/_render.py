"""How assertion failures read: token streams one above the other, ``|`` after each token.

A leaf of the assertions package: it formats, it does not check. Every
assertion builds its message from these lines, and so does the
``pytest_assertrepr_compare`` hook for a plain ``assert a == b``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from streamtest._transcript.events import StreamEvent
    from streamtest._transcript.transcript import Transcript

__all__ = [
    "StreamAssertionError",
    "event_label",
    "first_difference",
    "marked_stream",
    "show_token",
    "side_by_side",
    "stream_line",
    "text_as_tokens",
    "title",
    "token_diff_lines",
    "where",
]

_CONTEXT_BEFORE = 6  # tokens shown before the first difference
_CONTEXT_AFTER = 10  # and from it on


class StreamAssertionError(AssertionError):
    """A transcript assertion failed; the message shows where, token by token."""

    def __init__(self, title: str, lines: Iterable[str] = ()) -> None:
        self.title = title
        self.lines = list(lines)
        super().__init__("\n".join([title, *self.lines]))



def show_token(token: str) -> str:
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


def stream_line(tokens: Sequence[str], start: int, stop: int) -> tuple[str, list[int]]:
    """``Why| was| the|`` for ``tokens[start:stop]`` plus each shown token's column."""
    parts, columns, column = [], [], 0
    if start > 0:
        parts.append("…")
        column = 1
    for token in tokens[start:stop]:
        columns.append(column)
        shown = show_token(token) + "|"
        parts.append(shown)
        column += len(shown)
    columns.append(column)  # where a token after the last would start
    if stop < len(tokens):
        parts.append("…")
    return "".join(parts), columns


def first_difference(a: Sequence[str], b: Sequence[str]) -> int | None:
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
    at = first_difference(expected, actual)
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
    line_a, columns = stream_line(expected, start, min(stop, len(expected)))
    line_b, _ = stream_line(actual, start, min(stop, len(actual)))
    caret = columns[min(at - start, len(columns) - 1)]
    return [
        f"first difference at token {at + 1} ({what}); "
        f"{first} has {len(expected)} tokens, {second} {len(actual)}:",
        f"  {first:<{width}}: {line_a}",
        f"  {second:<{width}}: {line_b}",
        f"  {'':<{width}}  {' ' * caret}^",
    ]


def side_by_side(
    rows: Sequence[tuple[str, str]], marked: Iterable[int], *, labels: tuple[str, str] = ("expected", "actual")
) -> list[str]:
    """Two columns, one numbered row each, ``>`` before the marked rows::

           expected                       | actual
          1 get_weather(city='Paris')     | get_weather({"city": "Paris"})
        > 2 get_time(city='Paris')        | get_weather({"city": "Lyon"})
    """
    marks = set(marked)
    width = max([len(labels[0]), *(len(left) for left, _ in rows)])
    number = len(str(len(rows)))
    lines = [f"  {'':>{number}} {labels[0]:<{width}} | {labels[1]}"]
    for n, (left, right) in enumerate(rows):
        lines.append(f"{'>' if n in marks else ' '} {n + 1:>{number}} {left:<{width}} | {right}")
    return lines


def marked_stream(tokens: Sequence[str], at: int, label: str = "tokens", width: int = 0) -> list[str]:
    """One token stream with a caret under token ``at`` (or just past the end)."""
    start = max(0, at - _CONTEXT_BEFORE)
    line, columns = stream_line(tokens, start, min(at + _CONTEXT_AFTER, len(tokens)))
    width = max(width, len(label))
    return [f"  {label:<{width}}: {line}", f"  {'':<{width}}  {' ' * columns[min(at - start, len(columns) - 1)]}^"]


def _words(text: str) -> list[str]:
    """Split expected text the way most tokenizers roughly do, for display only."""
    return re.findall(r"\s*[\w']+|\s*[^\w\s]|\s+", text)


def text_as_tokens(expected: str, actual: Sequence[str]) -> list[str]:
    """``expected`` cut at the actual token boundaries as long as they agree, then at words."""
    tokens, offset = [], 0
    for token in actual:
        if token and expected.startswith(token, offset):
            tokens.append(token)
            offset += len(token)
        else:
            break
    return tokens + _words(expected[offset:])


def title(what: str, view: Transcript) -> str:
    return f"{what} of {view.description}" if view.description else what


def where(event: StreamEvent) -> str:
    """``node 'call_model', tags ['poem']``: where a token came from, as the graph names it."""
    parts = []
    if event.namespace:
        parts.append("subgraph " + "/".join(entry.partition(":")[0] for entry in event.namespace))
    if event.node:
        parts.append(f"node {event.node!r}")
    parts.append(f"tags {list(event.tags)}")
    return ", ".join(parts)


def event_label(event: StreamEvent, position: int | None = None) -> str:
    head = f"token {position + 1} " if position is not None else ""
    return f"{head}{show_token(event.text or '')!r} ({where(event)})"
