"""``--record=verify``: is the provider still streaming what the cassette recorded, in shape if not in text?

A cassette replays the provider as it was. Under ``--record=verify`` each
request is answered from the cassette as usual (so the test's own assertions
hold), and also sent live; when the test ends, the live stream's shape
(``streamtest._wire.shape``) is compared with the recorded one's, plus the HTTP
status and whether the stream broke. Text, ids and counts may differ; a
different event type, key path, tool-call structure, usage, finish reason or
status fails the test with a diff of the two shapes. Meant for a nightly job
against the real provider.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from streamtest._cassette.format import try_json
from streamtest._cassette.interaction import Interaction
from streamtest._wire.shape import key_paths, stream_shape

__all__ = ["describe_drift", "shape_lines"]


def shape_lines(interaction: Interaction) -> list[str]:
    """The shape of one exchange's answer, one fact per line."""
    lines = [f"status: {interaction.status}"]
    if interaction.framing is None:
        body = try_json(interaction.body)
        lines.append("body: JSON" if body is not None else "body: not JSON")
        lines.extend(f"  {path}" for path in sorted(set(key_paths(body))))
    else:
        lines.append(f"stream: {interaction.framing}, format {interaction.wire.name if interaction.wire else 'unknown'}")
        if interaction.wire is not None:
            lines.extend(stream_shape(interaction.frames, interaction.reading).lines())
    error = interaction.stream_error
    lines.append(f"stream break: {error['type'].rpartition('.')[2] if error else 'none'}")
    return lines


def describe_drift(pairs: Sequence[tuple[int, Interaction, Interaction]], *, cassette: str, rerecord: str) -> str | None:
    """A report of every ``(number, recorded, live)`` pair whose shapes differ, or ``None`` when all agree."""
    sections: list[str] = []
    for number, recorded, live in pairs:
        before, after = shape_lines(recorded), shape_lines(live)
        if before == after:
            continue
        model = f", model {recorded.model!r}" if recorded.model else ""
        prompt = f", prompt {recorded.prompt!r:.60}" if recorded.prompt else ""
        sections.append(f"  interaction {number} ({recorded.method} {recorded.path}{model}{prompt}):")
        diff = difflib.unified_diff(before, after, "recorded", "live", lineterm="", n=2)
        sections.extend(f"    {line}" for line in diff)
    if not sections:
        return None
    return "\n".join(
        [
            f"the live stream's shape differs from the recording in {cassette}:",
            *sections,
            "  Text, ids and counts are not compared: this is a change in the provider's stream format.",
            f"  If the new shape is what your code should handle, re-record with: {rerecord}",
        ]
    )
