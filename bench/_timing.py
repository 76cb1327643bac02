"""Side-by-side timing: contenders interleaved round by round, medians reported.

These machines are shared and noisy, so a contender is never timed in a block
of its own: every round runs each contender once, in an order that rotates
from round to round (so none is always first after a pause or always last
before one), and the row reports medians over the rounds. Absolute times are
context; the ratios of medians taken from the same rounds are the result.

A contender is a callable returning a dict of named durations in seconds
(for example ``{"total": ..., "stream": ...}``) or a single float (``total``).
A garbage collection runs before each call, outside the timed part, so one
contender's garbage is not collected on another's clock: a full one by
default (about 0.1 s in a process holding the LangChain stack, fine for
calls of tens of milliseconds and more; without it the in-memory floor of
row 1 swung between 65 and 185 ms), the young generations only
(``collect=1``) for many short calls.
"""

from __future__ import annotations

import gc
import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

__all__ = ["Samples", "interleave", "median"]

Contender = Callable[[], "float | Mapping[str, float]"]


@dataclass
class Samples:
    """Every measurement of every contender, by contender then by name."""

    rounds: int = 0
    values: dict[str, dict[str, list[float]]] = field(default_factory=dict)

    def add(self, contender: str, measured: float | Mapping[str, float]) -> None:
        named = {"total": measured} if isinstance(measured, int | float) else measured
        slot = self.values.setdefault(contender, {})
        for name, value in named.items():
            slot.setdefault(name, []).append(float(value))

    def median(self, contender: str, name: str = "total") -> float:
        return statistics.median(self.values[contender][name])

    def spread(self, contender: str, name: str = "total") -> float:
        """Interquartile range over the median: how noisy this contender was (0.05 = 5 %)."""
        data = sorted(self.values[contender][name])
        if len(data) < 4:
            return (data[-1] - data[0]) / statistics.median(data) if data and statistics.median(data) else 0.0
        q1, _, q3 = statistics.quantiles(data, n=4)
        mid = statistics.median(data)
        return (q3 - q1) / mid if mid else 0.0


def median(values: list[float]) -> float:
    return statistics.median(values)


def interleave(contenders: Mapping[str, Contender], *, rounds: int, warmup: int = 1, collect: int = 2) -> Samples:
    """Run every contender once per round, rotating the order; ``warmup`` rounds are discarded."""
    names = list(contenders)
    samples = Samples()
    for index in range(warmup + rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect(collect)
            measured = contenders[name]()
            if index >= warmup:
                samples.add(name, measured)
        if index >= warmup:
            samples.rounds += 1
    return samples
