"""Replay at the recorded pace: when each replayed chunk is due, and when the client's read timeout fires first.

A cassette keeps each event's arrival offset ``t`` (seconds from the request).
By default a replay serves every chunk at once (``fast``); a paced replay
(``recorded``, or a speed factor: ``2`` is twice as fast) hands chunk *i* over
at ``request time + t_i / factor``. Deadlines are absolute, so a slow consumer
is not slowed down further, exactly as with a real socket whose bytes wait in
a buffer.

httpx applies a client's read timeout inside its network backend, which the
replay stub replaces, so the schedule applies it instead: a wait longer than
the request's ``timeout["read"]`` ends after that timeout with the error the
network backend would raise (``ReadTimeout``). A stall fault
(``streamtest.faults.stall``) is one more wait in the same schedule. Under the
``fast`` pace nothing waits at all, stalls included: a stall longer than the
read timeout raises the timeout at once, which is what the client would have
seen, minus the wait.

The schedule yields *steps*, ``(seconds to wait, then what to hand over)``,
and never sleeps itself: the sync replay stream sleeps with ``time.sleep``
(which releases the GIL), the async one awaits ``anyio.sleep`` (so the event
loop keeps running other tasks). No httpx here: the transport passes in how to
build its errors.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from streamtest._exceptions import UsageError

__all__ = ["Pace", "Schedule", "Step", "hang_error", "run_async", "run_sync"]

Step = tuple[float, Any]
"""``(seconds to wait, then the value to hand over, or an exception to raise)``."""


@dataclass(frozen=True)
class Pace:
    """How fast a replay serves its chunks: ``factor`` times the recorded speed, or at once (``None``)."""

    factor: float | None = None

    @classmethod
    def parse(cls, value: str | float | Pace | None) -> Pace:
        """``"fast"`` (or ``None``), ``"recorded"`` (factor 1), or a positive factor (``2``, ``"0.5"``)."""
        if isinstance(value, Pace):
            return value
        if value is None or value == "fast":
            return cls(None)
        if value == "recorded":
            return cls(1.0)
        try:
            factor = float(value)
        except (TypeError, ValueError):
            factor = math.nan
        if not (factor > 0 and math.isfinite(factor)) or isinstance(value, bool):
            raise UsageError(
                f"replay pace {value!r}: expected 'fast', 'recorded' or a positive speed factor such as 2 (twice as fast)"
            )
        return cls(factor)

    @property
    def fast(self) -> bool:
        return self.factor is None

    def __str__(self) -> str:
        if self.factor is None:
            return "fast"
        return "recorded" if self.factor == 1 else f"{self.factor:g}"


class Schedule:
    """When the chunks of one replayed response are due; made when the request arrives.

    ``read_timeout`` is the client's (``None``: it waits forever);
    ``timeout_error`` builds what the network backend raises when it fires;
    ``hang_error`` what to raise instead of waiting forever (a stall with no
    end on a client with no read timeout).
    """

    def __init__(
        self,
        pace: Pace,
        *,
        read_timeout: float | None,
        timeout_error: Callable[[], BaseException],
        hang_error: Callable[[], BaseException],
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._pace = pace
        self._read_timeout = read_timeout
        self._timeout_error = timeout_error
        self._hang_error = hang_error
        self._clock = clock
        self._started = clock()
        self._lag = 0.0  # seconds of stall added to every later deadline

    def head(self, stall: Mapping[str, Any] | None) -> Step | None:
        """What happens before the response headers: a stall ``after`` 0 events, or nothing."""
        if stall is None or stall["after"] != 0:
            return None
        return self._stall(stall["seconds"])

    def steps(
        self,
        chunks: Sequence[bytes],
        offsets: Sequence[float] | None,
        *,
        stall: Mapping[str, Any] | None = None,
        error: BaseException | None = None,
    ) -> Iterator[Step]:
        """One step per chunk (each delay computed when the client asks for it), then ``error``."""
        factor = self._pace.factor if offsets is not None and len(offsets) == len(chunks) else None
        for index, chunk in enumerate(chunks):
            if stall is not None and index == stall["after"] and index > 0:
                step = self._stall(stall["seconds"])
                if step[1] is not None:
                    yield step
                    return
            delay = 0.0
            if factor is not None and offsets is not None:
                due = self._started + offsets[index] / factor + self._lag
                delay = max(0.0, due - self._clock())
            if self._read_timeout is not None and delay > self._read_timeout:
                yield self._read_timeout, self._timeout_error()
                return
            yield delay, chunk
        if error is not None:
            yield 0.0, error

    def _stall(self, seconds: float | None) -> Step:
        """A stall of ``seconds`` (``None``: forever): ``(wait, None)`` to go on, or ``(wait, error)``."""
        length = math.inf if seconds is None else seconds
        if self._pace.factor is not None:
            length /= self._pace.factor
        timeout = self._read_timeout
        if timeout is not None and length > timeout:
            return (0.0 if self._pace.fast else timeout), self._timeout_error()
        if math.isinf(length):
            return 0.0, self._hang_error()
        if self._pace.fast:
            return 0.0, None
        self._lag += length
        return length, None


def hang_error(request: str) -> UsageError:
    """What a stall with no end raises on a client with no read timeout, instead of hanging the test."""
    return UsageError(
        f"a stall with no end on {request} would hang: the client has no read timeout. Give the client a "
        "timeout (ChatOpenAI(timeout=...), OpenAI(timeout=...)) or the stall a length: stall(..., seconds=N)."
    )


def run_sync(step: Step) -> Any:
    """Wait (releasing the GIL), then return the step's value or raise its exception."""
    delay, value = step
    if delay > 0:
        time.sleep(delay)
    if isinstance(value, BaseException):
        raise value
    return value


async def run_async(step: Step) -> Any:
    """Await the wait (the event loop runs other tasks meanwhile), then return or raise."""
    delay, value = step
    if delay > 0:
        import anyio  # httpx's own async layer: asyncio or trio, whichever runs

        await anyio.sleep(delay)
    if isinstance(value, BaseException):
        raise value
    return value
