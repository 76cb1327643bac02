"""What a run did with its cassettes, told once at the end, and what no test plays.

The terminal summary lists the cassettes replayed (and which came from another
tool), recorded and written (with paths), interactions never replayed, golden
transcripts written, and cassettes older than ``streamtest_max_age``.
``pytest --streamtest-unused`` adds the cassette files no collected test points
to and the interactions no test played, and makes the run fail when there are
any (run it on the whole suite: a ``-k`` selection leaves the rest unused).

Fixtures note what they did in the test's ``user_properties``; the notes come
back in every test report, which pytest-xdist carries from its workers to the
controller, so one path serves a plain run and a distributed one. (They also
show as ``streamtest`` properties in a JUnit XML report.)
``streamtest.plugin`` registers this module with ``pytest_plugins``.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from streamtest._cassette.files import is_cassette_name
from streamtest._plugin.notes import NOTE_PROPERTY, NOTE_SEP
from streamtest._plugin.paths import cassette_files

__all__: list[str] = []



@dataclass
class _RunLog:
    replayed: dict[str, str] = field(default_factory=dict)  # path -> dialect ("" for streamtest's own)
    written: dict[str, str] = field(default_factory=dict)  # path -> the foreign file it replaced, or ""
    unplayed: dict[str, str] = field(default_factory=dict)  # path -> "#2, #3"
    goldens: set[str] = field(default_factory=set)
    expired: dict[str, str] = field(default_factory=dict)  # path -> age
    undated: set[str] = field(default_factory=set)
    played: defaultdict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    sizes: dict[str, int] = field(default_factory=dict)
    expected: set[str] = field(default_factory=set)  # cassettes collected tests' markers point to
    unused: list[tuple[str, str]] = field(default_factory=list)  # (path, what is unused)

    def add(self, value: str) -> None:
        what, _, rest = value.partition(" ")
        path, _, detail = rest.partition(NOTE_SEP)
        if what == "replayed":
            self.replayed[path] = detail
        elif what == "written":
            self.written[path] = detail
        elif what == "unplayed":
            self.unplayed[path] = detail
        elif what == "golden":
            self.goldens.add(path)
        elif what == "expired":
            self.expired[path] = detail
        elif what == "undated":
            self.undated.add(path)
        elif what == "played":
            size, _, numbers = detail.partition(":")
            self.sizes[path] = int(size)
            self.played[path].update(int(n) for n in numbers.split(",") if n)

    @property
    def empty(self) -> bool:
        return not (self.replayed or self.written or self.goldens or self.unused)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("streamtest").addoption(
        "--streamtest-unused",
        action="store_true",
        default=False,
        help="after the run, list cassette files no collected test uses and recorded interactions no test "
        "played, and fail the run if there are any (run it on the whole suite, without -n).",
    )


def pytest_configure(config: pytest.Config) -> None:
    unused = config.getoption("streamtest_unused", False)
    if unused and getattr(config.option, "numprocesses", None):
        raise pytest.UsageError("--streamtest-unused needs every test in one process: run it without -n")
    config.pluginmanager.register(_Report(config, unused=unused), "streamtest-report")


class _Report:
    """The per-run plugin object: collects the notes from reports, prints the summary."""

    def __init__(self, config: pytest.Config, *, unused: bool) -> None:
        self._config = config
        self._unused = unused
        self.log = _RunLog()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name == NOTE_PROPERTY and isinstance(value, str):
                self.log.add(value)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if not self._unused:
            return
        for item in session.items:
            marker = item.get_closest_marker("streamtest")
            if marker is None:
                continue
            name = marker.kwargs.get("cassette")
            self.log.expected.add(os.fspath(cassette_files(item, name if isinstance(name, str) else None)[1]))

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        log = self.log
        # What the marker names is known at collection; what the cassette fixture opened (a name from
        # the streamtest_config fixture too) comes back in its notes.
        used = log.expected | set(log.replayed) | set(log.written)
        if not self._unused or not used:
            return
        on_disk = {
            os.fspath(path)
            for folder in {Path(path).parent for path in used}
            if folder.is_dir()
            for path in folder.iterdir()
            if is_cassette_name(path)
        }
        log.unused = [(path, "no collected test uses this cassette") for path in sorted(on_disk - used)]
        for path, size in sorted(log.sizes.items()):
            if never := sorted(set(range(1, size + 1)) - log.played[path]):
                log.unused.append((path, f"no test played interaction(s) #{', #'.join(map(str, never))}"))
        if log.unused and exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        log = self.log
        if log.empty:
            return
        root = self._config.rootpath

        def shown(path: str) -> str:
            try:
                return os.path.relpath(path, root)
            except ValueError:  # another drive (Windows)
                return path

        write = terminalreporter.write_line
        terminalreporter.write_sep("-", "streamtest")
        if log.replayed:
            write(f"replayed {_count(len(log.replayed), 'cassette')}")
            if foreign := sorted(path for path, dialect in log.replayed.items() if dialect):
                write(
                    f"  {_count(len(foreign), 'cassette')} written by another tool (no timing known); convert with "
                    "`streamtest import PATH` or re-record with `pytest --record`:"
                )
                for path in foreign:
                    write(f"    {shown(path)} ({log.replayed[path]})")
        if log.written:
            write(f"recorded and wrote {_count(len(log.written), 'cassette')}:")
            for path, replaced in sorted(log.written.items()):
                write(f"  {shown(path)}" + (f" (replaces {shown(replaced)})" if replaced else ""))
        if log.unplayed:
            write(f"interactions never replayed, in {_count(len(log.unplayed), 'cassette')}:")
            for path, numbers in sorted(log.unplayed.items()):
                write(f"  {shown(path)}: {numbers}")
        if log.goldens:
            write(f"wrote {_count(len(log.goldens), 'golden transcript')}:")
            for path in sorted(log.goldens):
                write(f"  {shown(path)}")
        if log.expired:
            write(f"{_count(len(log.expired), 'cassette')} older than streamtest_max_age; re-record with `pytest --record`:")
            for path, age in sorted(log.expired.items()):
                write(f"  {shown(path)} ({age})")
        if log.undated:
            write(f"{_count(len(log.undated), 'cassette')} with no recorded_at, so of unknown age (re-record to date them):")
            for path in sorted(log.undated):
                write(f"  {shown(path)}")
        if log.unused:
            write(f"--streamtest-unused: {_count(len(log.unused), 'finding')}:", red=True)
            for path, problem in log.unused:
                write(f"  {shown(path)}: {problem}", red=True)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
