"""streamtest: record and replay real LLM token streams for LangGraph apps under pytest."""

from __future__ import annotations

from streamtest._cassette import Interaction
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
from streamtest._recording import Cassette, RecordMode, play, use_cassette

__all__ = [
    "Cassette",
    "Interaction",
    "RecordMode",
    "play",
    "use_cassette",
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
