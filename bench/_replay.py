"""Rows 1 and 2: replay throughput of a 2,000-token stream, streamtest vs plain vcrpy vs the floor.

Each contender runs the same graph (built once) on one event loop:

- streamtest: ``streamtest.use_cassette(<streamtest cassette>)`` around the run;
- plain vcrpy: ``vcr.VCR(record_mode="none").use_cassette(<default YAML cassette>)``;
- HTTP floor: the same graph and client, the same SSE events served from
  memory one chunk per event by a patched transport (no cassette, no
  matching): what any HTTP-level replay costs at best, SDK parsing included;
- floor: the same graph with no HTTP (row 1: a chat model yielding the
  AIMessageChunks ChatOpenAI produced; row 2: the SDK's ChatCompletionChunk
  objects, parsed beforehand, fed to the same writer loop).

"total" is what a test pays: enter the cassette (load, patch), stream, exit
(unpatch, unplayed check). Each run loads a fresh copy of the cassette file,
as a suite where every test has its own cassette does; "streamtest, same
file" loads the same file every run, for what an in-process parse cache buys. "stream" is the ``astream`` loop alone. Events are
the items ``graph.astream`` yields.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench._apps import (
    DUMMY_KEY,
    EventLoop,
    MemoryChatModel,
    chat_openai,
    custom_graph,
    drain,
    floor_custom_graph,
    memory_chunks,
    messages_graph,
    parse_chunks,
)
from bench._context import Context
from bench._profile import by_package, compare_lines
from bench._streams import (
    FreshCopies,
    Stream,
    build_stream,
    capture_requests,
    serve_in_memory,
    write_streamtest_cassette,
    write_vcrpy_cassette,
)
from bench._table import Ratio, RowResult, fmt_bytes, fmt_rate, fmt_time
from bench._timing import interleave

__all__ = ["row1", "row2"]

TOKENS = 2000


def row1(ctx: Context) -> RowResult:
    stream = build_stream(ctx.source(), TOKENS)
    graph = messages_graph(chat_openai())

    def floor(items: list[Any]) -> Any:
        return messages_graph(MemoryChatModel(chunks=memory_chunks(items)))

    return _replay_row(
        ctx, 1, "replay throughput, messages mode (ChatOpenAI in a one-node graph)", stream, graph, floor, "messages"
    )


def row2(ctx: Context) -> RowResult:
    from openai import AsyncOpenAI

    stream = build_stream(ctx.source(), TOKENS)
    graph = custom_graph(AsyncOpenAI(api_key=DUMMY_KEY, max_retries=0))
    chunks = parse_chunks(stream.events)
    return _replay_row(
        ctx,
        2,
        "replay throughput, custom mode (raw AsyncOpenAI + writer)",
        stream,
        graph,
        lambda _: floor_custom_graph(chunks),
        "custom",
    )


def _text(items: list[Any], mode: str) -> str:
    if mode == "messages":
        return "".join(str(m.content) for m, _ in items)
    return "".join(d["content"] for d, _ in items)


def _replay_row(
    ctx: Context,
    number: int,
    title: str,
    stream: Stream,
    graph: Any,
    make_floor: Callable[[list[Any]], Any],
    mode: str,
) -> RowResult:
    import vcr

    import streamtest

    folder = ctx.workdir / f"row{number}"
    with EventLoop() as runner:
        with capture_requests(stream.body) as captured:
            reference = runner.run(drain(graph, mode))
        if len(captured) != 1:
            raise RuntimeError(f"expected one request from the app, saw {len(captured)}")
        st_path = write_streamtest_cassette(folder / "streamtest.yaml", captured, [stream])
        vcr_path = write_vcrpy_cassette(folder / "vcrpy.yaml", captured, [stream])
        floor_graph = make_floor(reference)
        plain_vcr = vcr.VCR(record_mode="none")
        expected_text = _text(reference, mode)
        counts: dict[str, set[int]] = {}

        def check(name: str, items: list[Any]) -> None:
            counts.setdefault(name, set()).add(len(items))
            if _text(items, mode) != expected_text:
                raise RuntimeError(f"{name} replayed different text than the stream holds")

        async def with_cassette(name: str, open_cassette: Callable[[], Any]) -> dict[str, float]:
            t0 = time.perf_counter()
            with open_cassette():
                t1 = time.perf_counter()
                items = await drain(graph, mode)
                t2 = time.perf_counter()
            t3 = time.perf_counter()
            check(name, items)
            return {"total": t3 - t0, "stream": t2 - t1, "enter": t1 - t0, "exit": t3 - t2, "events": len(items)}

        async def in_memory_http() -> dict[str, float]:
            t0 = time.perf_counter()
            with serve_in_memory(stream.events):
                t1 = time.perf_counter()
                items = await drain(graph, mode)
                t2 = time.perf_counter()
            t3 = time.perf_counter()
            check("HTTP floor", items)
            return {"total": t3 - t0, "stream": t2 - t1, "enter": t1 - t0, "exit": t3 - t2, "events": len(items)}

        async def on_floor() -> dict[str, float]:
            t0 = time.perf_counter()
            items = await drain(floor_graph, mode)
            t1 = time.perf_counter()
            check("floor", items)
            return {"total": t1 - t0, "stream": t1 - t0, "enter": 0.0, "exit": 0.0, "events": len(items)}

        fresh = FreshCopies()

        def streamtest_run(path: Path) -> dict[str, float]:
            return runner.run(with_cassette("streamtest", lambda: streamtest.use_cassette(path)))

        def vcrpy_run(path: Path) -> dict[str, float]:
            return runner.run(with_cassette("plain vcrpy", lambda: plain_vcr.use_cassette(str(path))))

        contenders: dict[str, Callable[[], Any]] = {
            "streamtest": lambda: streamtest_run(fresh(st_path)),
            "plain vcrpy": lambda: vcrpy_run(fresh(vcr_path)),
            "HTTP floor": lambda: runner.run(in_memory_http()),
            "floor": lambda: runner.run(on_floor()),
        }
        if not ctx.quick:
            contenders["streamtest, same file"] = lambda: streamtest_run(st_path)
        rounds = ctx.pick(2, 12)
        samples = interleave(contenders, rounds=rounds, warmup=1, collect=ctx.pick(1, 2))
        profiles = (
            {name: by_package(run, 3) for name, run in contenders.items() if name != "streamtest, same file"}
            if ctx.profile and not ctx.quick
            else {}
        )

    st, vc, fl = (samples.median(n) for n in ("streamtest", "plain vcrpy", "floor"))
    st_s, vc_s = (samples.median(n, "stream") for n in ("streamtest", "plain vcrpy"))
    http = samples.median("HTTP floor")
    events = {name: int(samples.median(name, "events")) for name in contenders}
    result = RowResult(number, title)
    result.ratios = [
        Ratio("streamtest / plain vcrpy  (whole replay)", st / vc, target=1.0),
        Ratio("streamtest / floor        (whole replay)", st / fl, target=1.25 if number == 1 else None),
        Ratio("streamtest / plain vcrpy  (astream loop only)", st_s / vc_s),
        Ratio("streamtest / HTTP floor   (whole replay)", st / http),
        Ratio(
            f"HTTP floor / floor       ({'SDK + ChatOpenAI' if mode == 'messages' else 'SDK'} per-chunk work)",
            http / fl,
        ),
    ]
    for name in contenders:
        total, loop = samples.median(name), samples.median(name, "stream")
        enter, leave = samples.median(name, "enter"), samples.median(name, "exit")
        result.context.append(
            f"{name:<21} whole {fmt_time(total):>9} ({fmt_rate(events[name] / total, 'ev')}), loop {fmt_time(loop):>9} "
            f"({fmt_rate(events[name] / loop, 'ev')}), enter {fmt_time(enter)}, exit {fmt_time(leave)}; "
            f"{events[name]} events/run; spread {samples.spread(name):.0%}"
        )
    if any(len(c) != 1 for c in counts.values()) or len({next(iter(c)) for c in counts.values()}) != 1:
        result.context.append(
            f"note: event counts differ between contenders: { {k: sorted(v) for k, v in counts.items()} }"
        )
    result.context.append(
        f"stream: {stream.how}; {len(stream.events)} SSE events, {fmt_bytes(len(stream.body))} of SSE"
    )
    result.context.append(
        f"cassettes: streamtest {fmt_bytes(Path(st_path).stat().st_size)}, vcrpy {fmt_bytes(Path(vcr_path).stat().st_size)}; "
        f"{rounds} rounds + 1 warm-up, medians"
    )
    if profiles:
        result.context += compare_lines(profiles)
    return result
