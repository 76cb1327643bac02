"""``streamtest show CASSETTE [-i N]``: each interaction as a person reads it, in one screen.

Method and path, status, model, the prompt in short, the tokens with ``|``
between them, tool calls, reasoning, usage, finish reason, errors, time to first
token and total time (or "no timing known" for a cassette another tool wrote).
"""

from __future__ import annotations

from streamtest._cassette.interaction import Interaction
from streamtest._cassette.stamp import format_stamp
from streamtest._cli.output import Output
from streamtest._cli.recording import Recording, marks, piped, short, timing

__all__ = ["show"]

_LABEL = 11


def show(recording: Recording, out: Output, *, only: int | None = None) -> None:
    """Print ``recording`` (or only its interaction number ``only``, 1-based)."""
    stamp = f", recorded {format_stamp(recording.recorded_at)}" if recording.recorded_at else ""
    count = len(recording.interactions)
    out.line(f"{recording.path}: {recording.described}{stamp}, {count} interaction{'' if count == 1 else 's'}", "bold")
    for number, interaction in enumerate(recording.interactions, 1):
        if only is None or only == number:
            out.line()
            _interaction(number, interaction, recording, out)


def _field(out: Output, label: str, value: str, style: str | None = None) -> None:
    out.parts([(f"  {label + ':':<{_LABEL}}", "dim"), (value, style)])


def _interaction(number: int, interaction: Interaction, recording: Recording, out: Output) -> None:
    wire = interaction.wire
    head = f"#{number} {interaction.method} {interaction.path} -> {interaction.status}"
    extras = [part for part in (wire.name if wire else None, interaction.model and f"model {interaction.model}") if part]
    out.parts([(head, "bold cyan"), (("  " + ", ".join(extras)) if extras else "", "dim")])
    if interaction.prompt is not None:
        _field(out, "prompt", short(interaction.prompt))
    tokens = interaction.tokens
    if tokens:
        _field(out, "tokens", f"{piped(tokens)}  ({len(tokens)} tokens)")
    elif interaction.framing is None:
        _field(out, "body", short(interaction.body.decode("utf-8", "replace"), 200))
    for call in interaction.tool_calls:
        _field(out, "tool call", f"{call.name}({call.arguments})" + (f"  id {call.id}" if call.id else ""), "yellow")
    if interaction.reasoning:
        _field(out, "reasoning", short(interaction.reasoning, 200), "magenta")
    usage = interaction.usage
    if usage is not None:
        cached = f" ({usage.cached_tokens} cached)" if usage.cached_tokens else ""
        _field(out, "usage", f"{usage.prompt_tokens} prompt{cached} + {usage.completion_tokens} completion = {usage.total_tokens} tokens")
    if interaction.finish_reason is not None:
        _field(out, "finish", interaction.finish_reason)
    for error in interaction.errors:
        _field(out, "error", error, "red")
    if interaction.stream_error:
        _field(out, "broke", f"{interaction.stream_error['type']}: {interaction.stream_error.get('message', '')}", "red")
    _field(out, "timing", _timing(interaction, recording))


def _timing(interaction: Interaction, recording: Recording) -> str:
    events = marks(interaction)
    times = timing(interaction, events)
    count = f"{len(events)} event{'' if len(events) == 1 else 's'}"
    if times is None:
        why = f"{recording.dialect} keeps no arrival times" if recording.dialect else "recorded without arrival times"
        return f"no timing known ({why}), {count}"
    started = f"started +{interaction.started:.3f}s, " if interaction.started is not None else ""
    return f"{started}TTFT {times.ttft:.3f}s, total {times.total:.3f}s, {count}"
