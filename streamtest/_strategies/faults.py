"""Faults to inject into a recorded cassette: :func:`faults` (one) and :func:`fault_plans` (the first calls failing).

Which call, which event, which kind: drawn against the cassette the faults
will be injected into, so every drawn fault applies. The stream position
``after`` is drawn below the shortest recorded stream, so it fits whichever
recorded stream the faulted call replays. The cassette is read at the first
draw, not when the strategy is built: the module that builds it can be
imported before the cassette is recorded.

Shrinking: towards one fault on call 1, the first kind listed (``cut``), at
the start of the stream, a plain close rather than a reset.

The one module of this package that reaches past ``_wire`` (CONTRIBUTING's
import rules name it): the faults are ``streamtest._replay.faults``' values,
a module that loads no vcrpy; the cassette is read with
``streamtest._cassette``, imported at the first draw, so that importing
``streamtest.strategies`` loads no vcrpy, httpx or YAML.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from streamtest._exceptions import UsageError
from streamtest._replay.faults import KINDS, Fault, cut, error_event, http_error, malformed, stall

if TYPE_CHECKING:
    from streamtest._cassette.interaction import Interaction

__all__ = ["fault_plans", "faults"]

_STATUSES = (429, 500, 503)


def _interactions(cassette: object) -> list[Interaction]:
    from streamtest._cassette.format import load_path
    from streamtest._cassette.interaction import Interaction, interactions_of

    if isinstance(cassette, str | Path):
        from streamtest._cassette.files import cassette_file

        return interactions_of(*load_path(cassette_file(cassette)))
    found = getattr(cassette, "interactions", cassette)
    if isinstance(found, Sequence) and all(isinstance(item, Interaction) for item in found):
        return list(found)
    raise UsageError(f"cassette={cassette!r} must be a cassette path, a streamtest.Cassette or its .interactions")


def _check(kinds: Sequence[str], statuses: Sequence[int], retry_after: float | None) -> None:
    if not kinds or any(kind not in KINDS for kind in kinds):
        raise UsageError(f"kinds={tuple(kinds)!r} must name some of {KINDS!r}")
    if not statuses or any(isinstance(s, bool) or not isinstance(s, int) or not 400 <= s <= 599 for s in statuses):
        raise UsageError(f"statuses={tuple(statuses)!r} must be HTTP error statuses (400-599)")
    if retry_after is not None and not (isinstance(retry_after, int | float) and retry_after >= 0):
        raise UsageError(f"retry_after={retry_after!r} must be None or seconds >= 0")


def _kinds_for(interactions: Sequence[Interaction], kinds: Sequence[str]) -> tuple[int, tuple[str, ...]]:
    """The number of events every recorded stream has, and the kinds that can apply."""
    streams = [len(i.chunks) for i in interactions if i.framing is not None and i.status < 400 and i.chunks]
    events = min(streams, default=0)
    usable = tuple(kind for kind in kinds if kind == "http_error" or events > 0)
    if not usable:
        raise UsageError(f"kinds={tuple(kinds)!r}: the cassette has no recorded stream to inject them into")
    return events, usable


def _draw_fault(
    draw: Callable[[SearchStrategy[Any]], Any],
    call: int,
    events: int,
    kinds: Sequence[str],
    statuses: Sequence[int],
    retry_after: float | None,
) -> Fault:
    kind = draw(st.sampled_from(kinds))
    if kind == "http_error":
        return http_error(draw(st.sampled_from(statuses)), call=call, retry_after=retry_after)
    after = draw(st.integers(0, events - 1))
    if kind == "cut":
        return cut(after, call=call, reset=draw(st.booleans()))
    if kind == "malformed":
        return malformed(after, call=call)
    if kind == "stall":
        return stall(after, call=call)
    return error_event(after, call=call)


def faults(
    cassette: str | Path | Sequence[Interaction] | Any,
    *,
    kinds: Sequence[str] = KINDS,
    calls: Sequence[int] | None = None,
    statuses: Sequence[int] = _STATUSES,
    retry_after: float | None = 0.01,
) -> SearchStrategy[Fault]:
    """One fault for ``cassette``: on a call in ``calls`` (default: 1 to the number recorded), any kind.

    ``cassette`` is a cassette path, a :class:`streamtest.Cassette`, or its
    ``.interactions``. Stalls have no end, so the client needs a read timeout.
    """
    _check(kinds, statuses, retry_after)
    if calls is not None and (not calls or any(isinstance(c, bool) or not isinstance(c, int) or c < 1 for c in calls)):
        raise UsageError(f"calls={calls!r} must be call numbers (1 or more)")

    def build() -> SearchStrategy[Fault]:
        interactions = _interactions(cassette)
        events, usable = _kinds_for(interactions, kinds)

        @st.composite
        def one(draw: Callable[[SearchStrategy[Any]], Any]) -> Fault:
            call = draw(st.sampled_from(tuple(calls or range(1, max(len(interactions), 1) + 1))))
            return _draw_fault(draw, call, events, usable, statuses, retry_after)

        return one()

    return st.deferred(build)


def fault_plans(
    cassette: str | Path | Sequence[Interaction] | Any,
    *,
    max_faults: int = 3,
    kinds: Sequence[str] = KINDS,
    statuses: Sequence[int] = _STATUSES,
    retry_after: float | None = 0.01,
) -> SearchStrategy[tuple[Fault, ...]]:
    """The first 1 to ``max_faults`` calls fail, each its own way: ``(fault on call 1, on call 2, ...)``.

    What a retrying application meets when a provider has a bad minute. Every
    fault of a plan fires unless the application gives up first.
    """
    _check(kinds, statuses, retry_after)
    if isinstance(max_faults, bool) or not isinstance(max_faults, int) or max_faults < 1:
        raise UsageError(f"max_faults={max_faults!r} must be an int >= 1")

    def build() -> SearchStrategy[tuple[Fault, ...]]:
        events, usable = _kinds_for(_interactions(cassette), kinds)

        @st.composite
        def plan(draw: Callable[[SearchStrategy[Any]], Any]) -> tuple[Fault, ...]:
            count = draw(st.integers(1, max_faults))
            return tuple(_draw_fault(draw, call, events, usable, statuses, retry_after) for call in range(1, count + 1))

        return plan()

    return st.deferred(build)
