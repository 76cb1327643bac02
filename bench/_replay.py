"""Rows 1, 2, 9 and 10: replay throughput of a 2,000-token stream, streamtest vs vcrpy vs cassetter vs the floors.

Rows 1 and 2 are async (``graph.astream``; ``ChatOpenAI.ainvoke`` in row 1,
``AsyncOpenAI`` in row 2: httpx's async transport); rows 9 and 10 are their
sync twins (``graph.stream``; ``ChatOpenAI.invoke``, the sync ``OpenAI``
client: httpx's sync transport). Each contender runs the same graph (built
once), on one event loop for the async rows:

- streamtest: ``streamtest.use_cassette(<streamtest cassette>)`` around the run;
- plain vcrpy: ``vcr.VCR(record_mode="none").use_cassette(<default YAML cassette>)``;
- cassetter: ``cassetter.use_cassette(<cassetter cassette>, record_mode="none")``;
- HTTP floor: the same graph and client, the same SSE events served from
  memory one chunk per event by a patched transport (no cassette, no
  matching): what any HTTP-level replay costs at best, SDK parsing included;
- floor: the same graph with no HTTP (messages mode: a chat model yielding
  the AIMessageChunks ChatOpenAI produced; custom mode: the SDK's
  ChatCompletionChunk objects, parsed beforehand, fed to the same writer loop).

"total" is what a test pays: enter the cassette (load, patch), stream, exit
(unpatch, unplayed check). Each run loads a fresh copy of the cassette file,
as a suite where every test has its own cassette does; "streamtest, same
file" loads the same file every run, for what an in-process parse cache buys.
"stream" is the streaming loop alone. Events are the items the graph yields.
vcrpy and cassetter hand the body to httpx as one chunk; streamtest and the
HTTP floor as one chunk per SSE event, as the server sent it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from bench._apps import (
    DUMMY_KEY,
    EventLoop,
    MemoryChatModel,
    chat_openai,
    custom_graph,
    drain,
    drain_sync,
    floor_custom_graph,
    memory_chunks,
    messages_graph,
    parse_chunks,
    sync_custom_graph,
    sync_floor_custom_graph,
    sync_messages_graph,
)
from bench._context import Context
from bench._profile import by_package, compare_lines
from bench._streams import (
    FreshCopies,
    Stream,
    build_stream,
    capture_requests,
    serve_in_memory,
    serve_in_memory_sync,
    write_cassetter_cassette,
    write_streamtest_cassette,
    write_vcrpy_cassette,
)
from bench._table import Ratio, RowResult, fmt_bytes, fmt_rate, fmt_time
from bench._timing import interleave

__all__ = ["row1", "row2", "row9", "row10"]

TOKENS = 2000


def row1(ctx: Context) -> RowResult:
    stream = build_stream(ctx.source(), TOKENS)

    def floor(items: list[Any]) -> Any:
        return messages_graph(MemoryChatModel(chunks=memory_chunks(items)))

    title = "replay throughput, messages mode, async (ChatOpenAI.ainvoke in a one-node graph, astream)"
    return _replay_row(ctx, 1, title, stream, messages_graph(chat_openai()), floor, "messages", sync=False)


def row9(ctx: Context) -> RowResult:
    stream = build_stream(ctx.source(), TOKENS)

    def floor(items: list[Any]) -> Any:
        return sync_messages_graph(MemoryChatModel(chunks=memory_chunks(items)))

    title = "replay throughput, messages mode, sync (ChatOpenAI.invoke in a one-node graph, stream): row 1's twin"
    return _replay_row(ctx, 9, title, stream, sync_messages_graph(chat_openai()), floor, "messages", sync=True)


def row2(ctx: Context) -> RowResult:
    from openai import AsyncOpenAI

    stream = build_stream(ctx.source(), TOKENS)
    chunks = parse_chunks(stream.events)
    graph = custom_graph(AsyncOpenAI(api_key=DUMMY_KEY, max_retries=0))
    title = "replay throughput, custom mode, async (raw AsyncOpenAI + writer)"
    return _replay_row(ctx, 2, title, stream, graph, lambda _: floor_custom_graph(chunks), "custom", sync=False)


def row10(ctx: Context) -> RowResult:
    from openai import OpenAI

    stream = build_stream(ctx.source(), TOKENS)
    chunks = parse_chunks(stream.events)
    graph = sync_custom_graph(OpenAI(api_key=DUMMY_KEY, max_retries=0))
    title = "replay throughput, custom mode, sync (raw OpenAI + writer): row 2's twin"
    return _replay_row(ctx, 10, title, stream, graph, lambda _: sync_floor_custom_graph(chunks), "custom", sync=True)


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
    *,
    sync: bool,
) -> RowResult:
    import cassetter
    import vcr

    import streamtest

    folder = ctx.workdir / f"row{number}"
    with EventLoop() as runner:

        def stream_items(app: Any) -> list[Any]:
            return drain_sync(app, mode) if sync else runner.run(drain(app, mode))

        with capture_requests(stream.body) as captured:
            reference = stream_items(graph)
        if len(captured) != 1:
            raise RuntimeError(f"expected one request from the app, saw {len(captured)}")
        st_path = write_streamtest_cassette(folder / "streamtest.yaml", captured, [stream])
        vcr_path = write_vcrpy_cassette(folder / "vcrpy.yaml", captured, [stream])
        cs_path = write_cassetter_cassette(folder / "cassetter.yaml", captured, [stream])
        floor_graph = make_floor(reference)
        plain_vcr = vcr.VCR(record_mode="none")
        expected_text = _text(reference, mode)
        counts: dict[str, set[int]] = {}
        serve = serve_in_memory_sync if sync else serve_in_memory

        def timed(name: str, context: Callable[[], AbstractContextManager[Any]] | None, app: Any) -> dict[str, float]:
            t0 = time.perf_counter()
            if context is None:
                t1 = t0
                items = stream_items(app)
                t2 = t3 = time.perf_counter()
            else:
                with context():
                    t1 = time.perf_counter()
                    items = stream_items(app)
                    t2 = time.perf_counter()
                t3 = time.perf_counter()
            counts.setdefault(name, set()).add(len(items))
            if _text(items, mode) != expected_text:
                raise RuntimeError(f"{name} replayed different text than the stream holds")
            return {"total": t3 - t0, "stream": t2 - t1, "enter": t1 - t0, "exit": t3 - t2, "events": len(items)}

        fresh = FreshCopies()

        def with_file(name: str, path: Path, open_cassette: Callable[[Path], AbstractContextManager[Any]]) -> Callable[[], Any]:
            # A fresh copy per run (made before the clock starts): every load is a first load.
            return lambda: (lambda copy: timed(name, lambda: open_cassette(copy), graph))(fresh(path))

        contenders: dict[str, Callable[[], Any]] = {
            "streamtest": with_file("streamtest", st_path, streamtest.use_cassette),
            "plain vcrpy": with_file("plain vcrpy", vcr_path, lambda p: plain_vcr.use_cassette(str(p))),
            "cassetter": with_file("cassetter", cs_path, lambda p: cassetter.use_cassette(p, record_mode="none")),
            "HTTP floor": lambda: timed("HTTP floor", lambda: serve(stream.events), graph),
            "floor": lambda: timed("floor", None, floor_graph),
        }
        if not ctx.quick:
            contenders["streamtest, same file"] = lambda: timed(
                "streamtest, same file", lambda: streamtest.use_cassette(st_path), graph
            )
        rounds = ctx.pick(2, 12)
        samples = interleave(contenders, rounds=rounds, warmup=1, collect=ctx.pick(1, 2))
        profiles = (
            {name: by_package(run, 3) for name, run in contenders.items() if name != "streamtest, same file"}
            if ctx.profile and not ctx.quick
            else {}
        )

    st, vc, cs, fl = (samples.median(n) for n in ("streamtest", "plain vcrpy", "cassetter", "floor"))
    http = samples.median("HTTP floor")
    st_s, vc_s, cs_s = (samples.median(n, "stream") for n in ("streamtest", "plain vcrpy", "cassetter"))
    events = {name: int(samples.median(name, "events")) for name in contenders}
    result = RowResult(number, title)
    result.ratios = [
        Ratio("streamtest / plain vcrpy  (whole replay)", st / vc, target=1.0),
        Ratio("streamtest / cassetter    (whole replay)", st / cs, target=1.0),
        Ratio("streamtest / HTTP floor   (whole replay)", st / http, target=1.05),
        Ratio("streamtest / floor        (whole replay)", st / fl, target=1.25 if number in (1, 9) else None),
        Ratio("plain vcrpy / HTTP floor  (whole replay)", vc / http),
        Ratio("cassetter / HTTP floor    (whole replay)", cs / http),
        Ratio("streamtest / plain vcrpy  (streaming loop only)", st_s / vc_s),
        Ratio("streamtest / cassetter    (streaming loop only)", st_s / cs_s),
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
    sizes = ", ".join(f"{name} {fmt_bytes(Path(p).stat().st_size)}" for name, p in (("streamtest", st_path), ("vcrpy", vcr_path), ("cassetter", cs_path)))
    result.context.append(f"cassettes: {sizes}; {rounds} rounds + 1 warm-up, medians")
    if profiles:
        result.context += compare_lines(profiles)
    return result
