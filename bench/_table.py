"""What a row reports, and the table that prints it.

A row is one or more *ratios* (the result: measured side by side in the same
rounds) plus *context* lines (absolute medians, sizes, how the input was
built). Only ratios carry a target; context is there to read them by.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Ratio", "RowResult", "fmt_bytes", "fmt_rate", "fmt_time", "render"]


@dataclass(frozen=True)
class Ratio:
    """One result line. ``value`` is a ratio (unit ``x``) or an added cost (unit ``ms``)."""

    label: str
    value: float
    unit: str = "x"
    target: float | None = None  # holds when value <= target

    @property
    def holds(self) -> bool | None:
        return None if self.target is None else self.value <= self.target

    def cells(self) -> tuple[str, str, str]:
        if self.unit == "x":
            value = f"{self.value:.2f}x"
            target = f"<= {self.target:.2f}x" if self.target is not None else ""
        else:
            value = f"{self.value:+.2f} {self.unit}"
            target = f"< {self.target:g} {self.unit}" if self.target is not None else ""
        holds = {None: "", True: "yes", False: "NO"}[self.holds]
        return value, target, holds


@dataclass
class RowResult:
    number: int
    title: str
    ratios: list[Ratio] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    seconds: float = 0.0  # wall time the row took, for the footer
    error: str | None = None


def fmt_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} us"


def fmt_rate(per_second: float, unit: str) -> str:
    if per_second >= 1e4:
        return f"{per_second / 1e3:,.0f}k {unit}/s"
    return f"{per_second:,.0f} {unit}/s"


def fmt_bytes(size: float) -> str:
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size:.0f} B"


def render(rows: Sequence[RowResult], header: Sequence[str]) -> str:
    """The table: one line per ratio, each row's context indented beneath it."""
    width = max([46] + [len(r.label) for row in rows for r in row.ratios])
    lines = list(header)
    lines.append("")
    head = f"{'row':<4} {'ratio (medians of the same interleaved rounds)':<{width}}  {'value':>9}  {'target':<10} holds"
    lines += [head, "-" * len(head)]
    for row in rows:
        lines.append(f"{row.number:<4} {row.title}")
        if row.error:
            lines.append(f"{'':<4}   ERROR: {row.error}")
        for ratio in row.ratios:
            value, target, holds = ratio.cells()
            lines.append(f"{'':<4}   {ratio.label:<{width - 2}}  {value:>9}  {target:<10} {holds}")
        for text in row.context:
            lines.append(f"{'':<4}     | {text}")
        lines.append("")
    return "\n".join(lines)
