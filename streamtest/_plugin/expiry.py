"""Cassette expiry: ``streamtest_max_age = 30d`` makes recordings older than that warn, or fail.

A replay keeps passing against the provider as it was when the cassette was
recorded; models, prompts and stream shapes move on. The ini keys:

- ``streamtest_max_age``: ``30d``, ``12h``, ``4w``... (unset: no check);
- ``streamtest_on_expiry``: ``warn`` (default: a ``CassetteExpiredWarning``) or
  ``fail`` (the test errors with ``CassetteExpiredError``).

A cassette with no ``recorded_at`` (recorded by vcrpy, or by streamtest before
it kept one) has an unknown age: it is listed once in the end-of-run summary,
never failed. ``streamtest.plugin`` registers this module with ``pytest_plugins``
and calls :func:`check_age` from the ``cassette`` fixture.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from streamtest._cassette.stamp import describe_age, format_stamp, parse_max_age
from streamtest._exceptions import CassetteExpiredError, CassetteExpiredWarning, UsageError
from streamtest._plugin.notes import note

if TYPE_CHECKING:
    from streamtest._replay.cassette import Cassette

__all__ = ["check_age"]

_ON_EXPIRY = ("warn", "fail")
_MAX_AGE = pytest.StashKey[timedelta | None]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("streamtest_max_age", "warn (or fail) when a replayed cassette is older than this: 30d, 12h, 4w", default="")
    parser.addini("streamtest_on_expiry", "what an expired cassette does: 'warn' (default) or 'fail'", default="warn")


def pytest_configure(config: pytest.Config) -> None:
    """Check both keys once, at start-up, so a typo stops the run before any test."""
    value = str(config.getini("streamtest_max_age")).strip()
    on_expiry = config.getini("streamtest_on_expiry")
    if on_expiry not in _ON_EXPIRY:
        raise pytest.UsageError(f"streamtest_on_expiry = {on_expiry!r}: expected 'warn' or 'fail'")
    try:
        config.stash[_MAX_AGE] = parse_max_age(value) if value else None
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from None


def check_age(item: pytest.Item, cassette: Cassette, *, now: datetime | None = None) -> None:
    """Warn or fail when the replayed ``cassette`` is older than ``streamtest_max_age``."""
    limit = item.config.stash.get(_MAX_AGE, None)
    if limit is None or cassette.path is None:
        return
    recorded = cassette.recorded_at
    if recorded is None:
        note(item, "undated", cassette.path)
        return
    age = (now or datetime.now(UTC)) - recorded
    if age <= limit:
        return
    note(item, "expired", cassette.path, describe_age(age))
    message = (
        f"recorded {describe_age(age)} ago ({format_stamp(recorded)}), more than streamtest_max_age = "
        f"{item.config.getini('streamtest_max_age')}. Re-record it with `pytest --record {item.nodeid}`."
    )
    if item.config.getini("streamtest_on_expiry") == "fail":
        raise CassetteExpiredError(cassette.path, message)
    warnings.warn(CassetteExpiredWarning(f"{cassette.path}: {message}"), stacklevel=2)
