"""Row 4: cassette load time and file size at 100, 10,000 and 100,000 events.

One interaction whose SSE response has that many events, built from the
recorded stream (repeated when longer than the recording), written in
streamtest's format and as vcrpy's default YAML from the same bytes. "Load"
is file to a cassette ready to replay: ``streamtest._recording.open_cassette``
(read, YAML parse, rebuild each event's bytes) vs ``vcr.cassette.Cassette.load``
(read, YAML parse, one body string). Each load reads a fresh copy of the
file, so an in-process parse cache never answers. Contenders interleave within each size.
A third contender, streamtest's load with the garbage collector disabled, is a
diagnostic: the difference is what the cyclic GC costs while PyYAML builds
tens of thousands of small objects (it makes the per-event cost grow with size).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from pathlib import Path

from bench._context import Context
from bench._streams import CapturedRequest, FreshCopies, build_stream, write_streamtest_cassette, write_vcrpy_cassette
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


def row4(ctx: Context) -> RowResult:
    import vcr.cassette

    from streamtest._replay.cassette import open_cassette

    sizes = (100, 2_000) if ctx.quick else (100, 10_000, 100_000)
    source = ctx.source()
    head_tail = len(build_stream(source, 1).events) - 1
    folder = ctx.workdir / "row4"
    paths: dict[int, tuple[Path, Path]] = {}
    write_times: dict[int, tuple[float, float]] = {}
    how = ""
    for size in sizes:
        stream = build_stream(source, size - head_tail)
        how = stream.how.split(":", 1)[1].strip() if size == sizes[-1] else how
        t0 = time.perf_counter()
        st = write_streamtest_cassette(folder / f"streamtest-{size}.yaml", [_REQUEST], [stream])
        t1 = time.perf_counter()
        vc = write_vcrpy_cassette(folder / f"vcrpy-{size}.yaml", [_REQUEST], [stream])
        t2 = time.perf_counter()
        paths[size] = (st, vc)
        write_times[size] = (t1 - t0, t2 - t1)

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

    def load_streamtest_gc_off(path: Path) -> float:
        gc.disable()
        try:
            return load_streamtest(path)
        finally:
            gc.enable()

    fresh = FreshCopies()  # every load is a first load (no in-process parse cache hit)

    def cold(load: Callable[[Path], float], path: Path) -> Callable[[], float]:
        return lambda: load(fresh(path))

    medians: dict[tuple[int, str], float] = {}
    for size in sizes:
        st, vc = paths[size]
        rounds, warmup = {100: (ctx.pick(10, 30), 1), 2_000: (1, 0), 10_000: (3, 1), 100_000: (1, 0)}[size]
        contenders = {
            "streamtest": cold(load_streamtest, st),
            "vcrpy": cold(load_vcrpy, vc),
            "streamtest, gc off": cold(load_streamtest_gc_off, st),
        }
        samples = interleave(contenders, rounds=rounds, warmup=warmup)
        for name in samples.values:
            medians[size, name] = samples.median(name)

    result = RowResult(4, "cassette scale: load time and size, one response of N SSE events")
    for size in sizes:
        result.ratios.append(
            Ratio(f"load {size:>7,} events: streamtest / vcrpy", medians[size, "streamtest"] / medians[size, "vcrpy"])
        )
    for size in sizes:
        st, vc = paths[size]
        result.ratios.append(
            Ratio(f"size {size:>7,} events: streamtest / vcrpy", st.stat().st_size / vc.stat().st_size)
        )
    first, last = sizes[0], sizes[-1]
    for name in ("streamtest", "vcrpy", "streamtest, gc off"):
        step = (medians[last, name] / last) / (medians[sizes[-2], name] / sizes[-2])
        result.ratios.append(Ratio(f"{name}: per-event load cost at {last:,} / at {sizes[-2]:,}", step))
    for size in sizes:
        st, vc = paths[size]
        s_load, v_load = medians[size, "streamtest"], medians[size, "vcrpy"]
        s_write, v_write = write_times[size]
        result.context.append(
            f"{size:>7,} events  streamtest load {fmt_time(s_load):>9} ({s_load / size * 1e6:5.1f} us/event), "
            f"{fmt_bytes(st.stat().st_size):>8} ({st.stat().st_size / size:.0f} B/event), write {fmt_time(s_write)} | "
            f"vcrpy load {fmt_time(v_load):>9} ({v_load / size * 1e6:5.1f} us/event), "
            f"{fmt_bytes(vc.stat().st_size):>8} ({vc.stat().st_size / size:.0f} B/event), write {fmt_time(v_write)} | "
            f"streamtest load with gc disabled {fmt_time(medians[size, 'streamtest, gc off'])} (diagnostic)"
        )
    growth = []
    for name in ("streamtest", "vcrpy", "streamtest, gc off"):
        per_event = [medians[size, name] / size for size in sizes]
        growth.append(f"{name} " + " : ".join(f"{cost / per_event[0]:.2f}" for cost in per_event))
    result.context.append(
        f"per-event load cost relative to {sizes[0]} events ({' : '.join(f'{n:,}' for n in sizes)}): {' | '.join(growth)}"
    )
    rounds_text = "30 rounds at 100, 3 at 10,000, 1 at 100,000" if not ctx.quick else "10 rounds at 100, 1 at 2,000"
    result.context.append(f"largest stream: {how}; {rounds_text} (interleaved, medians)")
    if ctx.quick:
        result.context.append("--quick: 2,000 events instead of 10,000 and 100,000")
    del first
    return result
