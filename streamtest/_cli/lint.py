"""``streamtest lint PATH...``: what is wrong with a folder of cassettes, before CI or a reviewer finds it.

Per cassette: it reads (format and version); it holds no credential (the leak
guard a recording goes through, run again over files committed before a
pattern or a variable was added); it is in the canonical form streamtest
writes (an event edited by hand into other JSON or YAML would replay as
edited); event times do not run backwards. Per folder: stray temporary files
(``.<name>.<pid>.<random>.tmp``) left by an interrupted write (a running
writer's are in flight, not stray: ``files.temp_target``). Another tool's
cassettes are read and flagged for ``streamtest import``. Golden transcripts go
through the leak guard too. Which recorded interactions no test plays is a
question for a test run: ``pytest --streamtest-unused``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from streamtest._cassette.files import CASSETTE_SUFFIXES, GOLDEN_SUFFIX, temp_target
from streamtest._cassette.scrub import ScrubPolicy, find_leaks
from streamtest._cli.output import Output
from streamtest._cli.recording import looks_like_a_cassette

__all__ = ["Finding", "canonical_form", "lint", "print_findings"]



@dataclass(frozen=True)
class Finding:
    path: Path
    severity: str
    """``error`` (the exit status says so) or ``warning``."""
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.severity}: {self.message}"


@dataclass
class Report:
    findings: list[Finding]
    cassettes: int = 0
    others: int = 0

    @property
    def errors(self) -> int:
        return sum(finding.severity == "error" for finding in self.findings)


def _walk(paths: Iterable[Path]) -> Iterator[tuple[Path, bool]]:
    """Each file to look at, and whether it was named on the command line."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path).parts
                if child.is_file() and not any(part.startswith(".") for part in relative[:-1]):
                    yield child, False
        else:
            yield path, True


def lint(paths: Iterable[Path], policy: ScrubPolicy, *, fix: bool = False) -> Report:
    report = Report([])
    for path, named in _walk(paths):
        if not path.exists():
            report.findings.append(Finding(path, "error", "no such file or folder"))
            continue
        if (target := temp_target(path)) is not None:  # a live writer's temp file is not stray
            beside = f" (beside {target.name})" if target.exists() else ""
            report.findings.append(
                Finding(path, "error", f"stray temporary file{beside}: a write was interrupted; delete it")
            )
            continue
        if path.name.endswith(GOLDEN_SUFFIX):
            report.others += 1
            report.findings.extend(_leaks(path, _text(path, report), policy))
            continue
        if path.suffix not in CASSETTE_SUFFIXES:
            continue
        text = _text(path, report)
        if text is None:
            continue
        if not named and not looks_like_a_cassette(text):
            continue  # some other YAML or JSON file in the folder
        report.cassettes += 1
        report.findings.extend(_cassette(path, text, policy, fix=fix))
    return report


def _text(path: Path, report: Report) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        report.findings.append(Finding(path, "error", f"cannot be read as UTF-8 text ({exc})"))
        return None


def _leaks(path: Path, text: str | None, policy: ScrubPolicy) -> list[Finding]:
    if text is None or not (problems := find_leaks(text, policy)):
        return []
    findings = []
    lines = text.split("\n")
    for problem in problems:
        number = next((n for n, line in enumerate(lines, 1) if problem in find_leaks(line, policy)), None)
        findings.append(
            Finding(path, "error", f"holds {problem} (never shown here); remove it, re-record, or re-import", number)
        )
    return findings


def _cassette(path: Path, text: str, policy: ScrubPolicy, *, fix: bool) -> list[Finding]:
    from streamtest._cassette.foreign import DIALECTS, file_dialect
    from streamtest._cassette.format import load
    from streamtest._cassette.interaction import interactions_of
    from streamtest._exceptions import CassetteError

    findings = _leaks(path, text, policy)
    try:
        requests, responses = load(text, path)
    except CassetteError as exc:
        message = str(exc).removeprefix(f"{path}: ")
        return [*findings, Finding(path, "error", message)]
    dialect = file_dialect(path)
    if dialect is not None:
        findings.append(
            Finding(path, "warning", f"{DIALECTS[dialect]}: it replays, with no timing known; "
                    f"`streamtest import {path}` converts it")
        )
        return findings
    if not requests:
        findings.append(Finding(path, "warning", "holds no interactions"))
    for number, interaction in enumerate(interactions_of(requests, responses), 1):
        offsets = interaction.offsets or ()
        back = next((i for i in range(1, len(offsets)) if offsets[i] < offsets[i - 1]), None)
        if back is not None:
            findings.append(
                Finding(path, "warning", f"interaction {number}: event {back + 1} arrives before event {back} (edited by hand?)")
            )
    canonical = canonical_form(text, path)
    if canonical != text:
        findings.append(_not_canonical(path, text, canonical, policy, fix=fix))
    return findings


def canonical_form(text: str, path: str | Path) -> str:
    """What streamtest writes for the cassette ``text`` holds: the file, loaded and dumped again, its date kept."""
    from streamtest._cassette.format import dump, load
    from streamtest._cassette.stamp import format_stamp, recorded_at_of

    stamp = recorded_at_of(text)
    return dump(*load(text, path), recorded_at=format_stamp(stamp) if stamp else None)


def _not_canonical(path: Path, text: str, canonical: str, policy: ScrubPolicy, *, fix: bool) -> Finding:
    ours, theirs = text.split("\n"), canonical.split("\n")
    matcher = difflib.SequenceMatcher(None, ours, theirs, autojunk=False)
    changed = [(tag, i1, i2, j1, j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
    tag, i1, _, j1, _ = changed[0]
    lines = sum(max(b - a, d - c) for _, a, b, c, d in changed)
    found = ours[i1] if i1 < len(ours) and tag != "insert" else "<nothing>"
    wanted = theirs[j1] if j1 < len(theirs) and tag != "delete" else "<nothing>"
    if fix:
        from streamtest._cassette.files import PendingFile, write_guarded
        from streamtest._exceptions import SecretLeakError

        try:  # a cassette holding a credential is reported by _leaks, and left as it is
            write_guarded([PendingFile(path, canonical)], policy)
        except SecretLeakError:
            pass
        else:
            return Finding(path, "warning", f"rewritten in canonical form ({lines} line(s) changed)", i1 + 1)
    return Finding(
        path,
        "error",
        f"not in the canonical form streamtest writes ({lines} line(s); an event edited by hand?): "
        f"the line reads {_cut(found)}, streamtest writes {_cut(wanted)}; `streamtest lint --fix` rewrites it",
        i1 + 1,
    )


def _cut(line: str, width: int = 100) -> str:
    line = line.strip()
    return repr(line if len(line) <= width else line[: width - 1] + "…")


def print_findings(report: Report, out: Output) -> None:
    for finding in report.findings:
        out.parts([(str(finding.path) + (f":{finding.line}" if finding.line else "") + ": ", None),
                   (finding.severity, "bold red" if finding.severity == "error" else "yellow"),
                   (": " + finding.message, None)])
    warnings = len(report.findings) - report.errors
    others = f" and {report.others} golden transcript{'' if report.others == 1 else 's'}" if report.others else ""
    out.line(
        f"checked {report.cassettes} cassette{'' if report.cassettes == 1 else 's'}{others}: "
        f"{report.errors} error{'' if report.errors == 1 else 's'}, {warnings} warning{'' if warnings == 1 else 's'}",
        "bold",
    )
    if report.cassettes:
        out.line("recorded interactions no test plays: run `pytest --streamtest-unused` on the whole suite", "dim")
