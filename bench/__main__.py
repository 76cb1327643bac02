"""``python -m bench``: run the benchmark rows and print the table.

    python -m bench                 # every row: 15-25 minutes on 2 cores
    python -m bench --quick         # smaller run, a smoke check: about 1 minute
    python -m bench --rows 1,3      # some rows only
    python -m bench --no-profile    # skip the pyinstrument breakdown of rows 1, 2, 6, 9 and 10

The first run on a machine also records the 2,000-token source stream from
the local llama.cpp server (about a minute; cached in ~/.cache/streamtest/bench).

Progress goes to stderr, the table to stdout (``--output FILE`` also writes it).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench._context import Context
from bench._table import RowResult, render

ROWS: dict[int, tuple[str, str]] = {
    1: ("bench._replay", "row1"),
    2: ("bench._replay", "row2"),
    3: ("bench._suites", "row3"),
    4: ("bench._scale", "row4"),
    5: ("bench._ttft", "row5"),
    6: ("bench._properties", "row6"),
    7: ("bench._suites", "row7"),
    8: ("bench._suites", "row8"),
    9: ("bench._replay", "row9"),
    10: ("bench._replay", "row10"),
}


def _rows(text: str) -> list[int]:
    try:
        chosen = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"--rows {text!r}: expected row numbers like 1,3") from None
    if unknown := [n for n in chosen if n not in ROWS]:
        raise argparse.ArgumentTypeError(f"--rows {text!r}: no row {unknown}; rows are 1-{max(ROWS)}")
    return chosen


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smaller run (fewer rounds, smaller sizes): a smoke check"
    )
    parser.add_argument("--rows", type=_rows, default=sorted(ROWS), help="comma-separated row numbers (default: all)")
    parser.add_argument(
        "--no-profile", dest="profile", action="store_false", help="skip the per-package profile of rows 1, 2, 6, 9 and 10"
    )
    parser.add_argument("--refresh-stream", action="store_true", help="record the 2,000-token source stream again")
    parser.add_argument("--keep", type=Path, default=None, help="keep cassettes and generated suites in this folder")
    parser.add_argument("--output", type=Path, default=None, help="also write the table to this file")
    return parser


def _code_version() -> str:
    """The commit measured, and which files of the package differ from it (the tree moves under us)."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "streamtest"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return "streamtest from an unknown revision"
    dirty = sorted(line[3:] for line in changed if line.strip())
    return f"streamtest at {commit}" + (f" plus uncommitted changes to {', '.join(dirty)}" if dirty else "")


def _version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "(not installed)"


def _header(args: argparse.Namespace, elapsed: float, ctx: Context, code_at_start: str) -> list[str]:
    load = " ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    import langchain_core
    import langgraph.version
    import openai
    import vcr

    source = ctx._source
    recorded = f"; source stream recorded {source.recorded_at} in {source.seconds:.0f} s" if source else ""
    return [
        f"streamtest bench ({'quick' if args.quick else 'default'} run, rows {','.join(map(str, args.rows))}): "
        f"{time.strftime('%Y-%m-%d %H:%M')}, {elapsed:.0f} s; {code_at_start}"
        + ("" if (now := _code_version()) == code_at_start else f" (at the end: {now})"),
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average {load} (at the end); "
        f"langgraph {langgraph.version.__version__}, langchain-core {langchain_core.__version__}, openai {openai.__version__}, "
        f"vcrpy {vcr.__version__}, pytest-recording {_version('pytest-recording')}, cassetter {_version('cassetter')}"
        f"{recorded}",
        "Each ratio is A / B of medians from contenders run interleaved in the same rounds: below 1.00x, A is faster "
        "(or smaller). Absolute times (the | lines) are context only.",
    ]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    for name in ("OPENAI_BASE_URL", "OPENAI_API_BASE"):
        os.environ.pop(name, None)  # the apps must talk to api.openai.com, as in production
    started = time.perf_counter()
    code_at_start = _code_version()
    with tempfile.TemporaryDirectory(prefix="streamtest-bench-") as scratch:
        workdir = args.keep or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        ctx = Context(quick=args.quick, workdir=workdir, profile=args.profile, refresh_stream=args.refresh_stream)
        results: list[RowResult] = []
        for number in args.rows:
            module, function = ROWS[number]
            ctx.log(f"row {number}...")
            t0 = time.perf_counter()
            load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
            try:
                run: Callable[[Context], RowResult] = getattr(__import__(module, fromlist=[function]), function)
                result = run(ctx)
            except Exception as exc:  # a broken row must not hide the others
                traceback.print_exc()
                result = RowResult(number, f"row {number}", error=f"{type(exc).__name__}: {exc}".splitlines()[0])
            result.seconds = time.perf_counter() - t0
            result.context.append(f"row took {result.seconds:.0f} s; 1-minute load average {load:.1f} when it started")
            ctx.log(f"row {number} done in {result.seconds:.0f} s")
            results.append(result)
    table = render(results, _header(args, time.perf_counter() - started, ctx, code_at_start))
    print(table)
    if args.output:
        args.output.write_text(table + "\n", encoding="utf-8")
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
