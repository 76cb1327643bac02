"""``streamtest import PATH... [--out DIR]``: other tools' cassettes rewritten in streamtest's format.

Each vcrpy (YAML or JSON, pytest-recording's too) or cassetter (YAML or TOML)
cassette is read, scrubbed by the same scrubber a recording goes through,
checked by the leak guard, and written atomically as ``<name>.yaml``: in place
(the other tool's ``.json``/``.toml`` file is removed once the YAML is
written), or under ``--out DIR`` with the same relative layout, leaving the
originals alone. A cassetter ``recorded_at`` is kept; vcrpy keeps none, so
none is made up. One line per file says what was done.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from streamtest._cassette.scrub import ScrubPolicy
from streamtest._cli.output import Output

__all__ = ["Outcome", "import_paths", "print_outcomes"]



@dataclass(frozen=True)
class Outcome:
    source: Path
    status: str
    """``converted``, ``would convert`` (dry run), ``skipped`` or ``failed``."""
    detail: str
    target: Path | None = None

    @property
    def failed(self) -> bool:
        return self.status == "failed"


def _sources(paths: Iterable[Path]) -> Iterator[tuple[Path, Path]]:
    """``(file, the folder its --out layout is relative to)``: each file named, and each cassette in a folder."""
    from streamtest._cassette.files import is_cassette_name
    from streamtest._cli.recording import looks_like_a_cassette

    for path in paths:
        if not path.is_dir():
            yield path, path.parent
            continue
        for child in sorted(path.rglob("*")):
            if (
                child.is_file()
                and is_cassette_name(child)
                and not any(part.startswith(".") for part in child.relative_to(path).parts)
                and looks_like_a_cassette(child.read_text(encoding="utf-8", errors="replace"))
            ):
                yield child, path


def import_paths(
    paths: Iterable[Path], policy: ScrubPolicy, *, out: Path | None = None, dry_run: bool = False, force: bool = False
) -> list[Outcome]:
    outcomes = []
    for source, root in _sources(paths):
        target = (out / source.relative_to(root) if out is not None else source).with_suffix(
            source.suffix if source.suffix in (".yaml", ".yml") else ".yaml"
        )
        outcomes.append(_one(source, target, policy, dry_run=dry_run, force=force, in_place=out is None))
    return outcomes


def _one(source: Path, target: Path, policy: ScrubPolicy, *, dry_run: bool, force: bool, in_place: bool) -> Outcome:
    from streamtest._cassette import files
    from streamtest._cassette.foreign import DIALECTS, file_dialect, read_foreign
    from streamtest._cassette.format import dump
    from streamtest._cassette.scrub import scrub_request, scrub_response
    from streamtest._cassette.stamp import format_stamp, recorded_at_of
    from streamtest._exceptions import CassetteError, SecretLeakError

    if not source.is_file():
        return Outcome(source, "failed", "no such file")
    try:
        text = source.read_text(encoding="utf-8")
        dialect = file_dialect(source)
        if dialect is None:
            from streamtest._cli.recording import looks_like_a_cassette

            why = "already a streamtest cassette" if looks_like_a_cassette(text) else "not a cassette"
            return Outcome(source, "skipped", why)
        foreign = read_foreign(text, source)
    except (CassetteError, OSError, UnicodeDecodeError) as exc:
        return Outcome(source, "failed", str(exc).removeprefix(f"{source}: "))
    if target != source and target.exists() and not force:
        return Outcome(source, "skipped", f"{target} exists (--force replaces it)", target)
    requests = [scrub_request(request, policy) for request in foreign.requests]
    responses = [scrub_response(response, policy) for response in foreign.responses]
    stamp = recorded_at_of(text)
    pending = files.PendingFile(target, dump(requests, responses, recorded_at=format_stamp(stamp) if stamp else None))
    try:  # the one write path: the leak guard, then an atomic write (a dry run only asks the guard)
        (files.check_guarded if dry_run else files.write_guarded)([pending], policy)
    except SecretLeakError as refused:
        return Outcome(
            source, "failed", f"refused: the converted cassette would hold {', '.join(refused.found)} (in a body or URL "
            "the scrubber keeps); nothing was written", target
        )
    events = sum(len(response.get("chunks") or ()) for response in responses)
    dropped = _dropped(foreign.requests, requests, foreign.responses, responses)
    notes = [f"{len(requests)} interaction{'' if len(requests) == 1 else 's'}", f"{events} events, no timing known"]
    if any("decoded" in note for note in foreign.notes):
        notes.append("compressed bodies decoded")
    if dropped:
        notes.append("dropped " + ", ".join(dropped))
    detail = f"{DIALECTS[foreign.dialect]}: " + "; ".join(notes)
    if dry_run:
        return Outcome(source, "would convert", detail, target)
    if in_place and target != source:
        source.unlink()
    return Outcome(source, "converted", detail, target)


def _dropped(raw_requests: list, requests: list, raw_responses: list, responses: list) -> list[str]:
    """What the scrubber removed: header names (request and response) and query parameters, once each."""
    names: dict[str, None] = {}
    for raw, clean in zip(raw_requests, requests, strict=True):
        kept = {name.lower() for name in clean.headers}
        names.update({name.lower(): None for name in raw.headers if name.lower() not in kept})
        if raw.uri != clean.uri:
            names["query parameters"] = None
    for raw, clean in zip(raw_responses, responses, strict=True):
        kept = {name.lower() for name in clean["headers"]}
        names.update({name.lower(): None for name in raw["headers"] if name.lower() not in kept})
    # The SDK's x-stainless-* telemetry headers read as one.
    return list(dict.fromkeys("x-stainless-*" if name.startswith("x-stainless-") else name for name in names))


def print_outcomes(outcomes: list[Outcome], out: Output) -> None:
    styles = {"converted": "green", "would convert": "cyan", "skipped": "dim", "failed": "bold red"}
    for outcome in outcomes:
        arrow = f" -> {outcome.target}" if outcome.target is not None and outcome.status in ("converted", "would convert") else ""
        out.parts([(f"{outcome.status}: ", styles[outcome.status]), (f"{outcome.source}{arrow} ({outcome.detail})", None)])
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    out.line(", ".join(f"{count} {status}" for status, count in counts.items()) or "no cassettes found", "bold")
