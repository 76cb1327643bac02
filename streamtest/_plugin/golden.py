"""pytest hooks for transcripts: readable ``==`` failures and golden transcript files.

``streamtest.plugin`` registers this module with ``pytest_plugins``. It adds:

- ``pytest_assertrepr_compare``: ``assert transcript.tokens == [...]`` and
  ``assert transcript_a == transcript_b`` print the two token streams one above
  the other with a caret under the first difference (None for anything else, so
  pytest's own explanation stays for other types);
- the ``golden_transcript`` fixture: ``golden_transcript.check(transcript)``
  compares the normalized transcript with a YAML file beside the test's cassette
  (``<cassette stem>.transcript.yaml``). The update flag flows in one line, as in
  syrupy: ``--record`` (``streamtest_record`` option) -> fixture -> the file
  is queued on the test item -> the plugin's end-of-test step writes it with
  the cassette, through the same leak guard (all of the test's files or none,
  atomically); plain ``pytest`` and ``--record=verify`` compare and fail with a
  diff; a missing file fails with the command that records it. The document is scrubbed like a
  cassette body (credential fields become ``<scrubbed>``) before it is
  compared or written.

Where the cassette is comes from ``streamtest._plugin.paths``, the one place that
decides it for the cassette fixture too.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from streamtest._cassette.files import CASSETTE_SUFFIXES, GOLDEN_SUFFIX, PendingFile, write_guarded
from streamtest._cassette.scrub import ScrubPolicy, scrub_json
from streamtest._exceptions import RECORD_HINT, GoldenTranscriptError, UsageError
from streamtest._plugin.paths import pending_files, resolved_cassette_path

if TYPE_CHECKING:
    from streamtest._transcript.capture import Transcript

__all__ = [
    "GOLDEN_FORMAT_VERSION",
    "GoldenTranscript",
    "GoldenTranscriptError",
    "golden_transcript",
    "pytest_assertrepr_compare",
]

GOLDEN_FORMAT_VERSION = 1
_FORMAT_KEY = "streamtest_transcript"
_UNSAFE_RE = re.compile(r'[\s<>:"/\\|?*]+')
_HEADER = "# streamtest golden transcript: written by `pytest --record`, compared by plain `pytest`.\n"


# --------------------------------------------------------------------------- assertrepr


def pytest_assertrepr_compare(config: pytest.Config, op: str, left: object, right: object) -> list[str] | None:
    """Side-by-side token diffs when one side of ``==`` is a streamtest type.

    https://docs.pytest.org/en/stable/reference/reference.html#pytest.hookspec.pytest_assertrepr_compare
    """
    if op != "==":
        return None
    from streamtest.assertions import assertrepr_lines

    return assertrepr_lines(left, right)


# --------------------------------------------------------------------------- golden files


def _golden_beside(cassette: Path, name: str | None) -> Path:
    """``cassettes/mod/test.yaml`` -> ``cassettes/mod/test.transcript.yaml`` (or ``test.<name>...``)."""
    stem = cassette.name
    while stem.endswith(CASSETTE_SUFFIXES):
        stem = stem.rsplit(".", 1)[0]
    return cassette.with_name(stem + (f".{name}" if name else "") + GOLDEN_SUFFIX)


@functools.cache
def _dumper() -> type:
    """A SafeDumper that keeps token lists on one line and escapes newlines in place.

    Lists of scalars (tokens, tags, ``langgraph_path``) print in flow style, so a
    call's tokens read like its stream; strings holding control characters are
    double-quoted, so ``"\\n\\n"`` stays one visible token instead of a multi-line scalar.
    """
    import yaml

    class _Dumper(yaml.SafeDumper):  # type: ignore[misc]  # PyYAML ships no type hints
        pass

    def represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
        flow = all(not isinstance(item, (dict, list)) for item in data)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)

    def represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
        quoted = any(ch in data for ch in "\n\r\t") or not data.isprintable()
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"' if quoted else None)

    _Dumper.add_representer(list, represent_list)
    _Dumper.add_representer(str, represent_str)
    return _Dumper


def _dump(document: dict[str, Any]) -> str:
    import yaml

    body = yaml.dump(document, Dumper=_dumper(), sort_keys=False, allow_unicode=True, width=100)
    return _HEADER + str(body)


class GoldenTranscript:
    """Compares normalized transcripts with golden files, or writes them under ``--record``."""

    def __init__(
        self,
        path_for: Callable[[str | None], Path],
        *,
        record: str | None,
        test_id: str,
        policy: ScrubPolicy | None = None,
        stage: Callable[[PendingFile], None] | None = None,
    ) -> None:
        """``stage`` queues a file for the end of the test; without it a file is written at once (guarded)."""
        if record not in (None, "none", "all", "missing", "verify"):
            raise UsageError(f"streamtest_record={record!r}: expected None, 'none', 'all', 'missing' or 'verify'.")
        self._path_for = path_for
        # verify replays the cassette (and checks the live stream's shape): goldens are compared, never written.
        self.record = None if record in ("none", "verify") else record
        self.test_id = test_id
        self.policy = policy or ScrubPolicy()
        self._stage = stage or (lambda pending: write_guarded([pending], self.policy))
        self._checked: set[Path] = set()

    @classmethod
    def for_item(cls, item: pytest.Item, *, record: str | None, policy: ScrubPolicy | None = None) -> GoldenTranscript:
        """The golden transcripts of a test; what they write waits for the test to pass (see ``pending_files``)."""
        return cls(
            lambda name: _golden_beside(resolved_cassette_path(item), name),
            record=record,
            test_id=item.nodeid,
            policy=policy,
            stage=pending_files(item).append,
        )

    def path(self, name: str | None = None) -> Path:
        """Where the golden file of this test (or of its check called ``name``) lives."""
        return self._path_for(name)

    def document(self, transcript: Transcript) -> dict[str, Any]:
        """What the golden file holds: format version, stream options, the trajectory of an
        agent run (model calls, tool calls, tool results), records, final state."""
        from streamtest._transcript.normalize import to_plain

        normalized = transcript.normalized()
        document: dict[str, Any] = {
            _FORMAT_KEY: GOLDEN_FORMAT_VERSION,
            "options": to_plain(dict(transcript.options)),
        }
        trajectory = transcript.trajectory
        if trajectory.tool_steps or trajectory.tool_calls:  # an agent: its steps at a glance, first
            document["trajectory"] = trajectory.records()
        document["events"] = normalized.records()
        if normalized.final_state is not None:
            document["final_state"] = normalized.final_state
        scrubbed: dict[str, Any] = scrub_json(document, self.policy)[0]
        return scrubbed

    def check(self, transcript: Transcript, *, name: str | None = None) -> None:
        """Compare ``transcript`` (normalized) with the golden file; write it when recording.

        ``name`` tells several checks in one test apart (``<test>.<name>.transcript.yaml``).
        """
        from streamtest._transcript.capture import Transcript

        if not isinstance(transcript, Transcript):
            raise UsageError(f"{transcript!r} is not a Transcript; pass what streamtest.capture() returned.")
        if name is not None and (not isinstance(name, str) or not name or _UNSAFE_RE.search(name)):
            raise UsageError(f"{name=} must be a non-empty name without spaces or path characters.")
        path = self.path(name)
        if path in self._checked:
            raise UsageError(f"{path.name} was already checked in this test; pass name= to tell checks apart.")
        self._checked.add(path)
        document = self.document(transcript)
        if self.record == "all" or (self.record == "missing" and not path.exists()):
            self._stage(PendingFile(path, _dump(document), (("the golden transcript", _strings(document)),)))
            return
        if not path.exists():
            raise GoldenTranscriptError(
                path,
                f"no golden transcript recorded for this test. Record it with "
                f"`{RECORD_HINT}=missing {self.test_id}`.",
            )
        golden = self._load(path)
        self._compare(path, golden, document)

    def _load(self, path: Path) -> dict[str, Any]:
        import yaml

        try:
            golden = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise GoldenTranscriptError(path, f"not YAML ({error}). Delete it and re-record with `{RECORD_HINT}`.") from None
        if not isinstance(golden, dict) or not isinstance(golden.get("events"), list):
            raise GoldenTranscriptError(path, f"not a golden transcript. Delete it and re-record with `{RECORD_HINT}`.")
        if golden.get(_FORMAT_KEY) != GOLDEN_FORMAT_VERSION:
            raise GoldenTranscriptError(
                path,
                f"golden transcript format {golden.get(_FORMAT_KEY)!r} is not supported (this streamtest "
                f"reads {GOLDEN_FORMAT_VERSION}). {self._refresh_hint(path)}",
            )
        return golden

    def _refresh_hint(self, path: Path) -> str:
        return (
            f"delete {path.name} and run `{RECORD_HINT}=missing {self.test_id}` (replays the cassette, "
            f"writes the golden), or `{RECORD_HINT} {self.test_id}` to re-record the cassette too."
        )

    def _compare(self, path: Path, golden: dict[str, Any], document: dict[str, Any]) -> None:
        from streamtest.assertions import StreamAssertionError, transcript_diff_lines

        lines: list[str] = []
        if golden.get("trajectory") != document.get("trajectory"):
            lines.append("trajectory (golden, then actual):")
            lines += [f"  golden: {step}" for step in golden.get("trajectory") or ["(none)"]]
            lines += [f"  actual: {step}" for step in document.get("trajectory") or ["(none)"]]
        if golden.get("options") != document["options"]:
            lines.append(f"stream options: golden {golden.get('options')!r}, actual {document['options']!r}")
        lines += transcript_diff_lines(golden["events"], document["events"], labels=("golden", "actual"))
        if golden.get("final_state") != document.get("final_state"):
            lines.append(
                f"final state: golden {golden.get('final_state')!r}, actual {document.get('final_state')!r}"
            )
        if lines:
            raise StreamAssertionError(
                f"the normalized transcript differs from {path}; if the change is intended: "
                f"{self._refresh_hint(path)}",
                lines,
            )


def _strings(value: Any) -> str:
    """Every string (keys too) in a document, one per line: what the leak guard reads before YAML folds them."""
    if isinstance(value, dict):
        return "\n".join(f"{_strings(k)}\n{_strings(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "\n".join(_strings(item) for item in value)
    return value if isinstance(value, str) else str(value)


@pytest.fixture
def golden_transcript(request: pytest.FixtureRequest, _streamtest_scrub_policy: ScrubPolicy) -> GoldenTranscript:
    """Check a transcript against the golden file beside this test's cassette.

    ``golden_transcript.check(streamtest.capture(graph, inputs))``; record with
    ``pytest --record``. What it records is written when the test has passed,
    with the cassette and through the same leak guard.
    """
    record = request.config.getoption("streamtest_record", default=None)
    return GoldenTranscript.for_item(request.node, record=record, policy=_streamtest_scrub_policy)
