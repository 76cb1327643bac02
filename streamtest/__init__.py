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
    GoldenTranscriptError,
    LocalServerError,
    NetworkBlockedError,
    ReplayMismatchError,
    SecretLeakError,
    StreamShapeError,
    StreamtestError,
    UnplayedInteractionsError,
    UsageError,
)

if TYPE_CHECKING:
    from streamtest._capture import StreamEvent, Tokens, Transcript, acapture, capture
    from streamtest._cassette import Interaction
    from streamtest._recording import Cassette, RecordMode, play, use_cassette
    from streamtest.assertions import StreamAssertionError, checkpoint_ns_of

_LAZY = {
    "capture": "streamtest._capture",
    "acapture": "streamtest._capture",
    "Transcript": "streamtest._capture",
    "StreamEvent": "streamtest._capture",
    "Tokens": "streamtest._capture",
    "StreamAssertionError": "streamtest.assertions",
    "checkpoint_ns_of": "streamtest.assertions",
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
    "GoldenTranscriptError",
    "Interaction",
    "LocalServerError",
    "NetworkBlockedError",
    "RecordMode",
    "ReplayMismatchError",
    "SecretLeakError",
    "StreamAssertionError",
    "StreamEvent",
    "StreamShapeError",
    "StreamtestError",
    "Tokens",
    "Transcript",
    "UnplayedInteractionsError",
    "UsageError",
    "acapture",
    "capture",
    "checkpoint_ns_of",
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
