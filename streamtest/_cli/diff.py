"""``streamtest diff A B``: two recordings of the same test, compared token by token.

A re-recording review in one screen: per interaction (paired in order), the
request if it changed, the tokens with ``|`` between them and the changes
marked ``[-old-]{+new+}``, tool calls, finish reason, usage and timing. Exit
status 0 when the streams say the same thing, 1 when they differ (like
``diff``), 2 when a file cannot be read.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from streamtest._cassette.interaction import Interaction
from streamtest._cli.output import Output, Part
from streamtest._cli.recording import Recording, piped, timing

__all__ = ["diff", "token_parts"]


def token_parts(old: Sequence[str], new: Sequence[str]) -> list[Part]:
    """The two token lists as one line: ``|`` between tokens, removed ``[-x-]``, added ``{+y+}``."""
    parts: list[Part] = []

    def add(text: str, style: str | None) -> None:
        if parts:
            parts.append(("|", "dim"))
        parts.append((text, style))

    matcher = difflib.SequenceMatcher(None, list(old), list(new), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for token in old[i1:i2]:
                add(piped([token]), None)
            continue
        if i2 > i1:
            add("[-" + piped(old[i1:i2]) + "-]", "bold red")
        if j2 > j1:
            add("{+" + piped(new[j1:j2]) + "+}", "bold green")
    return parts


def diff(a: Recording, b: Recording, out: Output) -> bool:
    """Print the comparison; ``True`` when the two recordings differ."""
    out.line(f"--- {a.path} ({len(a.interactions)} interactions)", "bold red")
    out.line(f"+++ {b.path} ({len(b.interactions)} interactions)", "bold green")
    differs = len(a.interactions) != len(b.interactions)
    for number in range(1, max(len(a.interactions), len(b.interactions)) + 1):
        left = a.interactions[number - 1] if number <= len(a.interactions) else None
        right = b.interactions[number - 1] if number <= len(b.interactions) else None
        out.line()
        if left is None or right is None:
            present = left or right
            assert present is not None
            side, style = ("only in A", "red") if right is None else ("only in B", "green")
            out.line(f"#{number} {present.method} {present.path}: {side}", style)
            out.line(f"  tokens: {piped(present.tokens)}")
            continue
        differs |= _pair(number, left, right, out)
    out.line()
    out.line("the streams differ" if differs else "the streams say the same thing", "bold")
    return differs


def _pair(number: int, left: Interaction, right: Interaction, out: Output) -> bool:
    from streamtest._cassette.match import pretty_body

    changes = []
    head = f"#{number} {left.method} {left.path}"
    if (left.method, left.path) != (right.method, right.path):
        head += f"  ->  {right.method} {right.path}"
        changes.append("route")
    if left.request_json != right.request_json:
        changes.append("request")
    if left.tokens != right.tokens:
        changes.append(f"tokens ({len(left.tokens)} -> {len(right.tokens)})")
    if _calls(left) != _calls(right):  # ids are random per recording
        changes.append("tool calls")
    if left.finish_reason != right.finish_reason:
        changes.append("finish reason")
    if left.status != right.status:
        changes.append(f"status {left.status} -> {right.status}")
    out.parts([(head, "bold cyan"), (": " + (", ".join(changes) + " differ" if changes else "same stream"), "yellow" if changes else "dim")])
    if "request" in changes:
        for line in difflib.unified_diff(pretty_body(_Body(left)), pretty_body(_Body(right)), "A", "B", lineterm="", n=1):
            out.line("  " + line, "red" if line.startswith("-") else "green" if line.startswith("+") else None)
    out.parts([("  tokens:  ", "dim"), *token_parts(left.tokens, right.tokens)])
    if "tool calls" in changes:
        for side, calls in (("A", left.tool_calls), ("B", right.tool_calls)):
            out.line(f"  tools {side}: " + ", ".join(f"{c.name}({c.arguments})" for c in calls))
    if "finish reason" in changes:
        out.line(f"  finish:  {left.finish_reason} -> {right.finish_reason}")
    if left.usage != right.usage:
        out.line(f"  usage:   {left.usage!r} -> {right.usage!r}", "dim")
    before, after = timing(left), timing(right)
    if before is not None and after is not None:
        out.line(f"  timing:  TTFT {before.ttft:.3f}s -> {after.ttft:.3f}s, total {before.total:.3f}s -> {after.total:.3f}s", "dim")
    return bool(changes)


def _calls(interaction: Interaction) -> list[tuple[str, str]]:
    return [(call.name, call.arguments) for call in interaction.tool_calls]


class _Body:
    """What ``pretty_body`` reads of a request: its body bytes."""

    def __init__(self, interaction: Interaction) -> None:
        import json

        value = interaction.request_json
        self.body = b"" if value is None else json.dumps(value).encode("utf-8")
