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
    CassetteExpiredError,
    CassetteExpiredWarning,
    CassetteNotFoundError,
    CassetteVersionError,
    GoldenTranscriptError,
    LocalServerError,
    NetworkBlockedError,
    ReplayMismatchError,
    SecretLeakError,
    StreamDriftError,
    StreamShapeError,
    StreamtestError,
    UnplayedInteractionsError,
    UnplayedInteractionsWarning,
    UsageError,
)

if TYPE_CHECKING:
    from streamtest._cassette.interaction import Interaction
    from streamtest._replay.cassette import Cassette, RecordMode, play, use_cassette
    from streamtest._transcript.capture import StreamEvent, Tokens, Transcript, acapture, capture
    from streamtest._transcript.trajectory import InterruptStep, ModelStep, ToolStep, Trajectory, trajectory_of
    from streamtest._wire.base import ToolCall, Usage
    from streamtest.assertions import StreamAssertionError, checkpoint_ns_of

_LAZY = {
    "capture": "streamtest._transcript.capture",
    "acapture": "streamtest._transcript.capture",
    "Transcript": "streamtest._transcript.capture",
    "StreamEvent": "streamtest._transcript.capture",
    "Tokens": "streamtest._transcript.capture",
    "Trajectory": "streamtest._transcript.trajectory",
    "ModelStep": "streamtest._transcript.trajectory",
    "ToolStep": "streamtest._transcript.trajectory",
    "InterruptStep": "streamtest._transcript.trajectory",
    "trajectory_of": "streamtest._transcript.trajectory",
    "StreamAssertionError": "streamtest.assertions",
    "checkpoint_ns_of": "streamtest.assertions",
    "Interaction": "streamtest._cassette.interaction",
    "ToolCall": "streamtest._wire.base",
    "Usage": "streamtest._wire.base",
    "Cassette": "streamtest._replay.cassette",
    "RecordMode": "streamtest._replay.cassette",
    "play": "streamtest._replay.cassette",
    "use_cassette": "streamtest._replay.cassette",
}

__all__ = [
    "Cassette",
    "CassetteCorruptError",
    "CassetteError",
    "CassetteExpiredError",
    "CassetteExpiredWarning",
    "CassetteNotFoundError",
    "CassetteVersionError",
    "GoldenTranscriptError",
    "Interaction",
    "InterruptStep",
    "LocalServerError",
    "ModelStep",
    "NetworkBlockedError",
    "RecordMode",
    "ReplayMismatchError",
    "SecretLeakError",
    "StreamAssertionError",
    "StreamDriftError",
    "StreamEvent",
    "StreamShapeError",
    "StreamtestError",
    "Tokens",
    "ToolCall",
    "ToolStep",
    "Trajectory",
    "Transcript",
    "UnplayedInteractionsError",
    "UnplayedInteractionsWarning",
    "Usage",
    "UsageError",
    "acapture",
    "capture",
    "checkpoint_ns_of",
    "play",
    "trajectory_of",
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
