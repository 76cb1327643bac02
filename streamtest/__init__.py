"""streamtest: record and replay real LLM token streams for LangGraph apps under pytest.

The public API is re-exported here. Names are resolved lazily (PEP 562) so that
pytest loading the plugin, which imports this package, does not import vcrpy,
openai or langgraph until a test needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from streamtest._cassette import Interaction
    from streamtest._recording import Cassette, RecordMode, play, use_cassette

_LAZY = {
    "Interaction": "streamtest._cassette",
    "Cassette": "streamtest._recording",
    "RecordMode": "streamtest._recording",
    "play": "streamtest._recording",
    "use_cassette": "streamtest._recording",
}

__all__ = [
    "Cassette",
    "CassetteCorruptError",
    "CassetteError",
    "CassetteNotFoundError",
    "CassetteVersionError",
    "Interaction",
    "LocalServerError",
    "NetworkBlockedError",
    "RecordMode",
    "ReplayMismatchError",
    "SecretLeakError",
    "StreamtestError",
    "UnplayedInteractionsError",
    "UsageError",
    "play",
    "use_cassette",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'streamtest' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
