"""Faults to inject into a replayed cassette (public API).

    import pytest
    from streamtest.faults import cut, http_error, stall

    @pytest.mark.streamtest(cassette="answer", faults=[http_error(429, retry_after=1), cut(after=3, call=2)])
    def test_the_graph_recovers(cassette):
        ...

Each fault turns the answer to one call (the n-th request the cassette
answers, from 1) into what the client really meets when a provider or the
network fails, starting from the recorded answer; the application's retry of
the same request replays the recording. Also ``use_cassette(path, faults=...)``
and, for hypothesis, ``streamtest.strategies.faults`` / ``fault_plans``.
"""

from __future__ import annotations

from streamtest._replay.faults import KINDS, Fault, cut, error_event, http_error, malformed, stall

__all__ = ["KINDS", "Fault", "cut", "error_event", "http_error", "malformed", "stall"]

# Public names report the public module, as httpx's do.
for _name in ("cut", "error_event", "http_error", "malformed", "stall"):
    globals()[_name].__module__ = __name__
del _name
