"""streamtest: record and replay real LLM token streams for LangGraph apps under pytest."""

from __future__ import annotations

from streamtest._exceptions import (
    CassetteCorruptError,
    CassetteError,
    CassetteNotFoundError,
    CassetteVersionError,
    LocalServerError,
    NetworkBlockedError,
    ReplayMismatchError,
    SecretLeakError,
    StreamtestError,
    UnplayedInteractionsError,
    UsageError,
)

__all__ = [
    "CassetteCorruptError",
    "CassetteError",
    "CassetteNotFoundError",
    "CassetteVersionError",
    "LocalServerError",
    "NetworkBlockedError",
    "ReplayMismatchError",
    "SecretLeakError",
    "StreamtestError",
    "UnplayedInteractionsError",
    "UsageError",
]
