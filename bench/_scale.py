"""Row 4: cassette load time, size and memory at 100 to 100,000 events, streamtest vs vcrpy vs cassetter.

One interaction whose SSE response has that many events, built from the
recorded stream (repeated when longer than the recording), written by each
tool's own recording code from the same bytes. "Load" is file to a cassette
ready to replay, what each tool does when a test enters its cassette:

- streamtest: ``streamtest._replay.cassette.open_cassette`` (read, YAML, the
  events cut out of their lines, checked);
- vcrpy: ``vcr.cassette.Cassette.load`` (read, YAML parse, one body string);
- cassetter: ``cassetter.Cassette(path, record_mode=NONE).load()``, what its
  pytest plugin and ``use_cassette`` run (Rust parses the file; the body stays
  in Rust until a request is replayed, when ``body_to_bytes`` copies it out:
  "cassetter + body" times that too, as context).

Each load reads a fresh copy of the file, so an in-process parse cache never
answers. Contenders interleave within each size. "streamtest, edited" loads
the same file with the block's checksum gone, as after a hand edit or from an
older streamtest: every line parsed and re-encoded.

Memory: one process per tool (``bench._memory``) loads the 100,000-event
cassette and replays it through the sync ``OpenAI`` client, every chunk read;
the row reports the resident-size high-water mark above the process's size
before the cassette was entered.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench._context import Context
from bench._streams import (
    CapturedRequest,
    FreshCopies,
    build_stream,
    write_cassetter_cassette,
    write_streamtest_cassette,
    write_vcrpy_cassette,
)
from bench._table import Ratio, RowResult, fmt_bytes, fmt_time
from bench._timing import interleave

__all__ = ["row4"]

_REQUEST = CapturedRequest(
    "POST",
    "https://api.openai.com/v1/chat/completions",
    b'{"messages":[{"content":"Write a very long story about a cat who travels around the world.","role":"user"}],'
    b'"model":"gpt-4o-mini","stream":true}',
    {"content-type": "application/json", "accept": "application/json"},
)
TOOLS = ("streamtest", "vcrpy", "cassetter")
_WRITERS = {"streamtest": write_streamtest_cassette, "vcrpy": write_vcrpy_cassette, "cassetter": write_cassetter_cassette}
# Rounds (and warm-up rounds) per size: the big ones take seconds per round.
_ROUNDS = {100: (30, 2), 1_000: (15, 1), 2_000: (3, 1), 10_000: (7, 1), 100_000: (3, 0)}


def row4(ctx: Context) -> RowResult:
    import vcr.cassette
    from cassetter import Cassette as CassetterCassette
    from cassetter import RecordMode
    from cassetter.compare import body_to_bytes

    from streamtest._replay.cassette import open_cassette

    sizes = (100, 2_000) if ctx.quick else (100, 1_000, 10_000, 100_000)
    source = ctx.source()
    head_tail = len(build_stream(source, 1).events) - 1
    folder = ctx.workdir / "row4"
    paths: dict[int, dict[str, Path]] = {}
    how = ""
    for size in sizes:
        stream = build_stream(source, size - head_tail)
        how = stream.how.split(":", 1)[1].strip() if size == sizes[-1] else how
        paths[size] = {tool: _WRITERS[tool](folder / f"{tool}-{size}.yaml", [_REQUEST], [stream]) for tool in TOOLS}
        edited = folder / f"streamtest-edited-{size}.yaml"
        text = paths[size]["streamtest"].read_text(encoding="utf-8")
        edited.write_text(re.sub(r" \(\d+ lines, \d+ bytes, crc32 [0-9a-f]{8}\)", "", text), encoding="utf-8")
        paths[size]["streamtest, edited"] = edited

    def load_streamtest(path: Path) -> float:
        t0 = time.perf_counter()
        cassette = open_cassette(path)
        elapsed = time.perf_counter() - t0
        assert len(cassette) == 1
        return elapsed

    def load_vcrpy(path: Path) -> float:
        t0 = time.perf_counter()
        cassette = vcr.cassette.Cassette.load(path=str(path), record_mode="none")
        elapsed = time.perf_counter() - t0
        assert len(cassette) == 1
        return elapsed

    def load_cassetter(path: Path) -> float:
        t0 = time.perf_counter()
        cassette = CassetterCassette(path, record_mode=RecordMode.NONE)
        cassette.load()
        elapsed = time.perf_counter() - t0
        assert len(cassette.interactions) == 1
        return elapsed

    def load_cassetter_body(path: Path) -> float:
        t0 = time.perf_counter()
        cassette = CassetterCassette(path, record_mode=RecordMode.NONE)
        cassette.load()
        body = body_to_bytes(cassette.interactions[0].response.body)
        elapsed = time.perf_counter() - t0
        assert body
        return elapsed

    fresh = FreshCopies()  # every load is a first load (no in-process parse cache hit)

    def cold(load: Callable[[Path], float], path: Path) -> Callable[[], float]:
        return lambda: (lambda copy: load(copy))(fresh(path))

    medians: dict[tuple[int, str], float] = {}
    spreads: dict[tuple[int, str], float] = {}
    for size in sizes:
        rounds, warmup = _ROUNDS[size]
        contenders = {
            "streamtest": cold(load_streamtest, paths[size]["streamtest"]),
            "vcrpy": cold(load_vcrpy, paths[size]["vcrpy"]),
            "cassetter": cold(load_cassetter, paths[size]["cassetter"]),
            "cassetter + body": cold(load_cassetter_body, paths[size]["cassetter"]),
            "streamtest, edited": cold(load_streamtest, paths[size]["streamtest, edited"]),
        }
        samples = interleave(contenders, rounds=rounds, warmup=warmup)
        for name in samples.values:
            medians[size, name] = samples.median(name)
            spreads[size, name] = samples.spread(name)

    result = RowResult(4, "cassette scale: load time, size and memory, one response of N SSE events")
    for size in sizes:
        result.ratios.append(
            Ratio(
                f"load {size:>7,} events: streamtest / cassetter",
                medians[size, "streamtest"] / medians[size, "cassetter"],
                target=1.0 if size >= 1_000 else None,
            )
        )
    for size in sizes:
        result.ratios.append(
            Ratio(f"load {size:>7,} events: streamtest / vcrpy", medians[size, "streamtest"] / medians[size, "vcrpy"])
        )
    for size in sizes:
        result.ratios.append(
            Ratio(
                f"load {size:>7,} events: streamtest / cassetter + body",
                medians[size, "streamtest"] / medians[size, "cassetter + body"],
            )
        )
    last, before = sizes[-1], sizes[-2]
    for name in ("streamtest", "vcrpy", "cassetter"):
        step = (medians[last, name] / last) / (medians[before, name] / before)
        result.ratios.append(Ratio(f"{name}: per-event load cost at {last:,} / at {before:,}", step))
    for size in sizes:
        size_ratio = paths[size]["streamtest"].stat().st_size / paths[size]["cassetter"].stat().st_size
        result.ratios.append(Ratio(f"size {size:>7,} events: streamtest / cassetter", size_ratio))
    memory = _memory(ctx, paths[last], sizes[-1])
    if memory:
        for peer in ("cassetter", "vcrpy"):
            result.ratios.append(
                Ratio(f"peak memory, load + replay {last:,} events: streamtest / {peer}", memory["streamtest"] / memory[peer], target=1.0)
            )
    for size in sizes:
        cells = []
        for name in ("streamtest", "vcrpy", "cassetter", "cassetter + body", "streamtest, edited"):
            load = medians[size, name]
            cells.append(f"{name} {fmt_time(load)} ({load / size * 1e6:.1f} us/ev, spread {spreads[size, name]:.0%})")
        result.context.append(f"{size:>7,} events load: " + " | ".join(cells))
    for size in sizes:
        result.context.append(
            f"{size:>7,} events size: "
            + ", ".join(f"{tool} {fmt_bytes(paths[size][tool].stat().st_size)}" for tool in TOOLS)
        )
    if memory:
        peaks = ", ".join(f"{tool} {memory[tool]:.0f} MiB" for tool in TOOLS)
        held = ", ".join(f"{tool} {memory[tool + ' after']:.0f} MiB" for tool in TOOLS)
        result.context.append(
            f"memory, loading and replaying {last:,} events through the OpenAI client (one process each, resident size "
            f"above the process before the cassette): peak {peaks}; still resident after the cassette closed {held}"
        )
    rounds_text = ", ".join(f"{_ROUNDS[size][0]} at {size:,}" for size in sizes)
    result.context.append(f"largest stream: {how}; rounds: {rounds_text} (interleaved, medians)")
    if ctx.quick:
        result.context.append("--quick: 100 and 2,000 events only; memory at 2,000 events")
    return result


def _memory(ctx: Context, paths: dict[str, Path], size: int) -> dict[str, float]:
    """Peak resident MiB above baseline per tool (and what stays resident after), one fresh process each."""
    root = Path(__file__).resolve().parent.parent
    measured: dict[str, float] = {}
    for tool in TOOLS:
        ctx.log(f"  memory: {tool} loading and replaying {size:,} events")
        done = subprocess.run(
            [sys.executable, "-m", "bench._memory", tool, str(paths[tool])],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"bench._memory {tool} failed: {done.stderr.strip().splitlines()[-1:]}")
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        if figures["chunks"] < size - 10:
            raise RuntimeError(f"{tool} replayed {figures['chunks']} chunks of {size}")
        measured[tool] = figures["peak"] - figures["baseline"]
        measured[f"{tool} after"] = figures["after"] - figures["baseline"]
    return measured
