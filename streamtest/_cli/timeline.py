"""``streamtest show CASSETTE --timeline FILE.svg|FILE.html``: a recording as a picture.

One lane per interaction, placed at its request's start (``started``, seconds
after recording began), so the calls of a fan-out graph overlap as they did on
the wire; a tick per event at its arrival time, coloured by what it carried
(token, reasoning, tool call, usage, end, error); the time to first token
shaded; gaps longer than ``--gap`` seconds drawn dashed. Hovering any mark shows
its time and text (SVG ``<title>``, no script). The HTML page holds the same
picture and a table of each interaction's tokens. Standard library only.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from streamtest._cassette.stamp import format_stamp
from streamtest._cli.recording import Mark, Recording, marks, piped, short, timing

__all__ = ["Lane", "lanes_of", "render_html", "render_svg", "write_timeline"]

COLORS = {
    "token": "#2b6cb0",
    "reasoning": "#805ad5",
    "tool": "#dd6b20",
    "usage": "#718096",
    "done": "#2f855a",
    "error": "#c53030",
    "other": "#a0aec0",
}
_WIDTH, _LABEL_W, _LANE_H, _TOP, _RIGHT = 1000, 270, 44, 58, 24


@dataclass(frozen=True)
class Lane:
    """One interaction, ready to draw: where it starts, its events, its timing."""

    number: int
    label: str
    start: float
    events: list[Mark]
    ttft: float | None
    total: float | None

    @property
    def timed(self) -> bool:
        return self.total is not None


def lanes_of(recording: Recording) -> list[Lane]:
    lanes = []
    for number, interaction in enumerate(recording.interactions, 1):
        events = marks(interaction)
        times = timing(interaction, events)
        prompt = interaction.prompt
        label = short(prompt, 34) if prompt else f"{interaction.method} {interaction.path}"
        lanes.append(
            Lane(
                number=number,
                label=label,
                start=interaction.started or 0.0,
                events=events,
                ttft=times.ttft if times else None,
                total=times.total if times else None,
            )
        )
    return lanes


def _step(span: float) -> float:
    """A round grid step giving at most ~10 lines over ``span`` seconds."""
    for step in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600):
        if span / step <= 10:
            return float(step)
    return 1800.0


def render_svg(recording: Recording, *, gap: float = 0.5) -> str:
    """The SVG document for ``recording``."""
    lanes = lanes_of(recording)
    end = max((lane.start + (lane.total or 0.0) for lane in lanes), default=0.0) or 1.0
    plot_w = _WIDTH - _LABEL_W - _RIGHT
    height = _TOP + _LANE_H * max(len(lanes), 1) + 46

    def x(seconds: float) -> float:
        return _LABEL_W + seconds / end * plot_w

    stamp = f", recorded {format_stamp(recording.recorded_at)}" if recording.recorded_at else ""
    title = f"{recording.path.name}: {len(lanes)} interaction{'' if len(lanes) == 1 else 's'}{stamp}"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" viewBox="0 0 {_WIDTH} {height}" '
        'font-family="ui-monospace, SFMono-Regular, Menlo, monospace" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{_WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text class="heading" x="8" y="18" font-size="13" font-weight="bold" fill="#1a202c">{escape(title)}</text>',
    ]
    if any(lane.timed for lane in lanes) and all(i.started is None for i in recording.interactions):
        out.append(
            f'<text class="note" x="{_LABEL_W}" y="18" fill="#c05621">request start times not recorded '
            "(recorded before streamtest kept them): every lane starts at 0</text>"
        )
    step = _step(end)
    out.append('<g class="axis">')
    tick = 0.0
    while tick <= end + 1e-9:
        out.append(f'<line x1="{x(tick):.1f}" y1="{_TOP - 8}" x2="{x(tick):.1f}" y2="{height - 40}" stroke="#e2e8f0"/>')
        out.append(f'<text x="{x(tick):.1f}" y="{_TOP - 12}" fill="#4a5568" text-anchor="middle">{tick:g}s</text>')
        tick += step
    out.append("</g>")
    for row, lane in enumerate(lanes):
        out.extend(_lane(lane, _TOP + row * _LANE_H, x, gap, recording))
    legend = " ".join(f'<tspan fill="{color}">■ {kind}</tspan>' for kind, color in COLORS.items())
    out.append(
        f'<text class="legend" x="{_LABEL_W}" y="{height - 22}" fill="#4a5568">{legend}</text>'
        f'<text class="legend" x="{_LABEL_W}" y="{height - 8}" fill="#4a5568">yellow: time to first token; '
        f"grey: the rest of the response; dashed red: a gap over {gap:g}s</text>"
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _lane(lane: Lane, y: int, x: Callable[[float], float], gap: float, recording: Recording) -> list[str]:
    mid = y + _LANE_H / 2
    stats = (
        f"TTFT {lane.ttft:.3f}s · total {lane.total:.3f}s · {len(lane.events)} events"
        if lane.timed and lane.ttft is not None and lane.total is not None
        else f"no timing known · {len(lane.events)} events"
    )
    out = [
        f'<g class="lane{"" if lane.timed else " untimed"}" data-index="{lane.number}" data-start="{lane.start:.4f}"'
        f' data-ttft="{lane.ttft if lane.ttft is not None else ""}" data-total="{lane.total if lane.total is not None else ""}">',
        f'<text x="8" y="{y + 17}" fill="#1a202c">#{lane.number} {escape(lane.label)}</text>',
        f'<text class="stats" x="8" y="{y + 32}" fill="#718096" font-size="11">{escape(stats)}</text>',
    ]
    if not lane.timed or lane.total is None or lane.ttft is None:
        why = f"{recording.dialect} keeps no arrival times" if recording.dialect else "recorded without arrival times"
        out.append(f'<text x="{_LABEL_W + 6}" y="{mid + 4}" fill="#a0aec0">no timing known ({escape(why)})</text>')
        out.append("</g>")
        return out
    left = x(lane.start)
    bar_y, bar_h = y + 9, _LANE_H - 18
    out.append(
        f'<rect class="span" x="{left:.1f}" y="{bar_y}" width="{max(x(lane.start + lane.total) - left, 1):.1f}" height="{bar_h}" '
        f'fill="#edf2f7"><title>{escape(f"request at +{lane.start:.3f}s, last event {lane.total:.3f}s later")}</title></rect>'
    )
    out.append(
        f'<rect class="ttft" x="{left:.1f}" y="{bar_y}" width="{max(x(lane.start + lane.ttft) - left, 1):.1f}" height="{bar_h}" '
        f'fill="#fefcbf"><title>{escape(f"TTFT {lane.ttft:.3f}s")}</title></rect>'
    )
    out.append(f'<line class="request" x1="{left:.1f}" y1="{y + 5}" x2="{left:.1f}" y2="{y + _LANE_H - 5}" stroke="#1a202c" stroke-width="2"/>')
    previous: float | None = None
    for mark in lane.events:
        if mark.t is None:
            continue
        if previous is not None and mark.t - previous > gap:
            out.append(
                f'<line class="gap" x1="{x(lane.start + previous):.1f}" y1="{mid:.1f}" x2="{x(lane.start + mark.t):.1f}" y2="{mid:.1f}" '
                f'stroke="#e53e3e" stroke-width="2" stroke-dasharray="4 3"><title>{escape(f"gap {mark.t - previous:.3f}s")}</title></line>'
            )
        previous = mark.t
    for mark in lane.events:
        if mark.t is None:
            continue
        at = x(lane.start + mark.t)
        tip = f"+{mark.t:.4f}s {mark.kind}" + (f" {short(mark.text, 60)!r}" if mark.text else "")
        out.append(
            f'<line class="event {mark.kind}" x1="{at:.1f}" y1="{bar_y - 3}" x2="{at:.1f}" y2="{bar_y + bar_h + 3}" '
            f'stroke={quoteattr(COLORS.get(mark.kind, COLORS["other"]))} stroke-width="1.5"><title>{escape(tip)}</title></line>'
        )
    out.append("</g>")
    return out


def render_html(recording: Recording, *, gap: float = 0.5) -> str:
    """A self-contained page: the picture, then each interaction's tokens."""
    rows = []
    for lane, interaction in zip(lanes_of(recording), recording.interactions, strict=True):
        timing_text = f"{lane.ttft:.3f}s / {lane.total:.3f}s" if lane.ttft is not None and lane.total is not None else "no timing known"
        tokens = piped(interaction.tokens)
        rows.append(
            f"<tr><td>#{lane.number}</td><td>{html.escape(interaction.method)} {html.escape(interaction.path)}</td>"
            f"<td>{html.escape(short(interaction.prompt, 80))}</td><td>{timing_text}</td><td>{len(lane.events)}</td>"
            f"<td class=tokens>{html.escape(tokens)}</td></tr>"
        )
    title = f"streamtest timeline: {recording.path.name}"
    return (
        "<!doctype html>\n<html lang=en><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title>\n"
        "<style>body{font:13px ui-monospace,Menlo,monospace;margin:1.5em;color:#1a202c}"
        "table{border-collapse:collapse;margin-top:1em}td,th{padding:3px 8px;border-bottom:1px solid #e2e8f0;"
        "text-align:left;vertical-align:top}.tokens{white-space:pre-wrap;word-break:break-all;max-width:60em}</style>\n"
        f"<h1>{html.escape(title)}</h1>\n{render_svg(recording, gap=gap)}"
        "<table><tr><th>#</th><th>request</th><th>prompt</th><th>TTFT / total</th><th>events</th><th>tokens</th></tr>\n"
        + "\n".join(rows)
        + "\n</table>\n</html>\n"
    )


def write_timeline(recording: Recording, target: Path, *, gap: float = 0.5) -> None:
    """Write the SVG or HTML picture, chosen by ``target``'s extension."""
    from streamtest._cassette.files import atomic_write

    suffix = target.suffix.lower()
    if suffix == ".svg":
        atomic_write(target, render_svg(recording, gap=gap))
    elif suffix in (".html", ".htm"):
        atomic_write(target, render_html(recording, gap=gap))
    else:
        from streamtest._exceptions import UsageError

        raise UsageError(f"--timeline {target}: the file name must end in .svg or .html")
