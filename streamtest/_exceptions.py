"""Exceptions streamtest raises, each saying what happened and what to run next.

::

    StreamtestError
    ├── UsageError                  bad option, marker argument or ini value
    ├── CassetteError               a cassette file cannot be used (has .path)
    │   ├── CassetteNotFoundError   replay asked for a cassette that was never recorded (or a folder)
    │   ├── CassetteCorruptError    not YAML, or not the shape streamtest writes
    │   ├── CassetteVersionError    written by a newer (or unknown) format version
    │   ├── CassetteExpiredError    older than streamtest_max_age (with streamtest_on_expiry = fail)
    │   └── GoldenTranscriptError   a golden transcript is missing, unreadable or of an unknown version
    ├── ReplayMismatchError         a request has no recorded match
    ├── UnplayedInteractionsError   the test made fewer calls than were recorded (or met fewer faults)
    ├── StreamDriftError            --record=verify: the live stream's shape differs from the cassette's
    ├── SecretLeakError             a credential would have been written to disk
    ├── NetworkBlockedError         a socket connect was attempted during replay
    ├── StreamShapeError            graph.stream yielded an item of a shape we do not know
    └── LocalServerError            the embedded llama.cpp server cannot start

    UserWarning
    ├── CassetteExpiredWarning      older than streamtest_max_age (the default, streamtest_on_expiry = warn)
    └── UnplayedInteractionsWarning fewer calls than recorded (or faults never met), with unplayed = warn

None of them derives from an ``httpx``/``openai`` exception on purpose: the
openai SDK retries (with back-off sleeps) on ``httpx2.RequestError`` and wraps
it in ``APIConnectionError``; a plain ``Exception`` subclass propagates at once
and keeps our message on top of the traceback.
"""

from __future__ import annotations

import shlex
from pathlib import Path

__all__ = [
    "CassetteCorruptError",
    "CassetteError",
    "CassetteExpiredError",
    "CassetteExpiredWarning",
    "CassetteNotFoundError",
    "CassetteVersionError",
    "GoldenTranscriptError",
    "LocalServerError",
    "NetworkBlockedError",
    "ReplayMismatchError",
    "SecretLeakError",
    "StreamDriftError",
    "StreamShapeError",
    "StreamtestError",
    "UnplayedInteractionsError",
    "UnplayedInteractionsWarning",
    "UsageError",
]

RECORD_HINT = "pytest --record"


class StreamtestError(Exception):
    """Base class of every error streamtest raises."""


class UsageError(StreamtestError):
    """An option, marker argument or ini value is wrong; the message shows the value."""


class CassetteError(StreamtestError):
    """A cassette file cannot be used."""

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = Path(path)
        super().__init__(f"{self.path}: {message}")


class CassetteNotFoundError(CassetteError):
    """Replay needed a cassette that does not exist, or the path is a folder.

    ``test_id``: the pytest node id of the test whose cassette it is, so the
    message names the one test to record; without it (``use_cassette`` outside
    the plugin) it says how to record with ``use_cassette``.
    """

    def __init__(self, path: str | Path, *, test_id: str | None = None, folder: bool = False) -> None:
        self.test_id = test_id
        if folder:
            message = "a folder, not a cassette file: give the path of the cassette's file (name.yaml)."
        elif test_id is not None:
            message = (
                f"no cassette recorded for this test. Record it with `{RECORD_HINT}=missing {shlex.quote(test_id)}` "
                "(add `--llm-server=local` to record against the embedded llama.cpp server without an API key)."
            )
        else:
            message = (
                'no cassette recorded at this path. Record it by running the code once under `use_cassette(path, '
                'record="missing")` (or "all" to record again).'
            )
        super().__init__(path, message)


class CassetteCorruptError(CassetteError):
    """The file is not a cassette streamtest can read."""

    def __init__(self, path: str | Path, problem: str) -> None:
        super().__init__(path, f"corrupt cassette: {problem}. Delete it and re-record with `{RECORD_HINT}`.")


class CassetteVersionError(CassetteError):
    """The file declares a format version this streamtest does not know."""

    def __init__(self, path: str | Path, found: object, supported: int) -> None:
        super().__init__(
            path,
            f"cassette format version {found!r} is not supported (this streamtest reads "
            f"version {supported}). Upgrade streamtest, or re-record with `{RECORD_HINT}`.",
        )


class CassetteExpiredError(CassetteError):
    """The cassette is older than ``streamtest_max_age`` and ``streamtest_on_expiry = fail``."""


class CassetteExpiredWarning(UserWarning):
    """The cassette is older than ``streamtest_max_age`` (``streamtest_on_expiry = warn``, the default)."""


class GoldenTranscriptError(CassetteError):
    """A golden transcript file is missing, unreadable or of an unknown format version (has ``.path``).

    A transcript that differs from its golden file fails with
    ``StreamAssertionError``, like any other stream assertion, with the diff.
    """


class StreamShapeError(StreamtestError):
    """An item from ``graph.stream`` has a shape streamtest does not know; the message shows it."""


class ReplayMismatchError(StreamtestError):
    """A request made during replay has no recorded interaction that matches it."""


class UnplayedInteractionsError(StreamtestError):
    """The test ended with recorded interactions that were never replayed, or injected faults never met."""


class UnplayedInteractionsWarning(UserWarning):
    """``UnplayedInteractionsError``'s message as a warning, with ``unplayed="warn"``; it points at the test."""


class StreamDriftError(StreamtestError):
    """Under ``--record=verify``, a live stream's shape (not its text) differs from the recorded one."""


class SecretLeakError(StreamtestError):
    """The serialized cassette holds something that looks like a credential.

    The message names the variable or pattern, never the value; so does
    ``found`` (``"an OpenAI-style key (sk-...)"``, ``"the value of $TOKEN"``...).
    """

    def __init__(self, message: str, *, found: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.found = found


class NetworkBlockedError(StreamtestError):
    """A test under replay tried to open a network connection."""


class LocalServerError(StreamtestError):
    """The embedded llama.cpp server is missing or failed to start."""
