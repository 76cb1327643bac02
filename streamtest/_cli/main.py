"""The ``streamtest`` command line: argparse, one subparser per subcommand, each with its own ``--help``.

argparse, not click or typer: four subcommands need nothing more, it costs
~6 ms to import (typer ~45 ms and 25 MiB of dependencies), and ``--help``
comes with every subparser. Each subcommand's module, and the cassette loader
behind it, is imported only when it runs. Exit status: 0 fine, 1 findings
(lint errors, differing streams, failed imports), 2 bad usage or unreadable input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from streamtest._cassette.scrub import ScrubPolicy
    from streamtest._cli.config import PytestConfig

__all__ = ["main"]

_DESCRIPTION = "Show, draw, lint, diff and import the cassettes streamtest (and vcrpy, pytest-recording, cassetter) record."

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="streamtest",
        description=_DESCRIPTION,
        epilog="`streamtest COMMAND --help` explains each command. Run tests with `pytest`; record with `pytest --record`.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    show = commands.add_parser(
        "show",
        help="print a cassette's interactions: prompt, tokens, tool calls, usage, finish, timing",
        description="Print each interaction of CASSETTE: method and path, the prompt in short, the tokens with | "
        "between them, tool calls, reasoning, usage, finish reason, time to first token and total time. "
        "With --timeline, draw it instead.",
    )
    show.add_argument("cassette", type=Path, metavar="CASSETTE", help="a streamtest, vcrpy or cassetter cassette")
    show.add_argument("-i", "--interaction", type=int, metavar="N", help="only interaction N (1-based)")
    show.add_argument(
        "--timeline",
        type=Path,
        metavar="FILE",
        help="write a picture to FILE.svg or FILE.html: one lane per interaction at its start time, a tick per "
        "event at its arrival, time to first token and gaps visible",
    )
    show.add_argument("--gap", type=float, default=0.5, metavar="SECONDS", help="with --timeline: mark pauses longer than this (default 0.5)")

    lint = commands.add_parser(
        "lint",
        help="check cassettes: format, secrets, stray temp files, hand edits",
        description="Check every cassette under PATH: it reads (format and version), holds no credential (the "
        "leak guard, run again), is in the canonical form streamtest writes, and no stray temporary file is left "
        "beside it. Exit status 1 when anything is wrong. Interactions no test plays: `pytest --streamtest-unused`.",
    )
    lint.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="cassette files or folders")
    lint.add_argument("--fix", action="store_true", help="rewrite cassettes that are not in canonical form")
    _policy_arguments(lint)

    diff = commands.add_parser(
        "diff",
        help="compare two recordings token by token",
        description="Compare two recordings of the same test, interaction by interaction: request changes, tokens "
        "with removed [-x-] and added {+y+} marked, tool calls, finish reason, usage, timing. Exit status 1 when "
        "they differ.",
    )
    diff.add_argument("a", type=Path, metavar="A")
    diff.add_argument("b", type=Path, metavar="B")

    importer = commands.add_parser(
        "import",
        help="convert vcrpy / pytest-recording / cassetter cassettes to streamtest's format",
        description="Rewrite other tools' cassettes as streamtest cassettes, through the scrubber and the leak "
        "guard, in place (NAME.json and NAME.toml become NAME.yaml) or under --out DIR. One line per file.",
    )
    importer.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="cassette files or folders")
    importer.add_argument("--out", type=Path, metavar="DIR", help="write here, same relative layout; leave the originals")
    importer.add_argument("--dry-run", action="store_true", help="say what would be done; write nothing")
    importer.add_argument("--force", action="store_true", help="replace an existing NAME.yaml")
    _policy_arguments(importer, scrub=True)
    return parser


def _policy_arguments(parser: argparse.ArgumentParser, *, scrub: bool = False) -> None:
    group = parser.add_argument_group(
        "secrets",
        "added to the defaults and to the streamtest_* scrub and leak keys of the pytest configuration file pytest "
        "would read for PATH (pytest.ini, pyproject.toml, tox.ini or setup.cfg, nearest first); the output names it",
    )
    group.add_argument("--secret-env", action="append", default=[], metavar="NAME", help="an environment variable whose value must never appear")
    group.add_argument("--secret-pattern", action="append", default=[], metavar="REGEX", help="a pattern that must never appear")
    if scrub:
        group.add_argument("--drop-header", action="append", default=[], metavar="NAME", help="a request header to remove")
        group.add_argument("--keep-header", action="append", default=[], metavar="NAME", help="a response header to keep")


def _policy(args: argparse.Namespace, config: PytestConfig) -> ScrubPolicy:
    """The policy ``pytest --record`` would scrub with (the config file's keys), plus the command line's."""
    from streamtest._cassette.scrub import ScrubPolicy

    settings = config.policy_settings()
    given = {
        "drop_request_headers": getattr(args, "drop_header", []),
        "keep_response_headers": getattr(args, "keep_header", []),
        "secret_env": args.secret_env,
        "secret_patterns": args.secret_pattern,
    }
    return ScrubPolicy.from_settings({key: [*settings.get(key, []), *given.get(key, [])] for key in {*settings, *given}})


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (the console script exits with it)."""
    args = _parser().parse_args(argv)
    from streamtest._cli.output import Output
    from streamtest._exceptions import StreamtestError

    out = Output()
    try:
        return _run(args, out)
    except StreamtestError as exc:
        Output(sys.stderr).line(f"streamtest {args.command}: {exc}", "bold red")
        return 2
    except BrokenPipeError:  # `streamtest show x.yaml | head`
        return 0
    except OSError as exc:  # a missing file, a folder, no permission: one line, no traceback
        Output(sys.stderr).line(f"streamtest {args.command}: {_os_problem(exc)}", "bold red")
        return 2


def _os_problem(exc: OSError) -> str:
    import errno

    reason = {errno.ENOENT: "no such file", errno.EISDIR: "a folder, not a cassette file"}.get(exc.errno or 0, exc.strerror)
    return f"{exc.filename}: {reason}" if exc.filename is not None else str(exc)


def _run(args: argparse.Namespace, out: Any) -> int:
    if args.command == "show":
        from streamtest._cli.recording import read_recording

        recording = read_recording(args.cassette)
        if args.interaction is not None and not 1 <= args.interaction <= len(recording.interactions):
            from streamtest._exceptions import UsageError

            raise UsageError(f"-i {args.interaction}: {args.cassette} has interactions 1 to {len(recording.interactions)}")
        if args.timeline is not None:
            from streamtest._cli.timeline import write_timeline

            write_timeline(recording, args.timeline, gap=args.gap)
            out.line(f"wrote {args.timeline} ({len(recording.interactions)} lanes)")
            return 0
        from streamtest._cli.show import show

        show(recording, out, only=args.interaction)
        return 0
    if args.command == "lint":
        from streamtest._cli.config import find_pytest_config
        from streamtest._cli.lint import lint, print_findings

        config = find_pytest_config(args.paths)
        out.line(config.describe(), "dim")
        report = lint(args.paths, _policy(args, config), fix=args.fix)
        print_findings(report, out)
        return 1 if report.errors else 0
    if args.command == "diff":
        from streamtest._cli.diff import diff
        from streamtest._cli.recording import read_recording

        return 1 if diff(read_recording(args.a), read_recording(args.b), out) else 0
    from streamtest._cli.config import find_pytest_config
    from streamtest._cli.importer import import_paths, print_outcomes

    config = find_pytest_config(args.paths)
    out.line(config.describe(), "dim")
    outcomes = import_paths(args.paths, _policy(args, config), out=args.out, dry_run=args.dry_run, force=args.force)
    print_outcomes(outcomes, out)
    return 1 if any(outcome.failed for outcome in outcomes) else 0
