"""Row 5: time to first token while recording, against the local llama.cpp server.

The application is the raw ``AsyncOpenAI`` client streaming a ~100-token
completion (temperature 0, so every run generates the same tokens) from the
embedded server. Three contenders, interleaved:

- not recorded: the request as the application makes it;
- streamtest recording: ``streamtest.use_cassette(path, record="all")``;
- plain vcrpy recording: ``vcr.VCR(record_mode="all").use_cassette(path)``,
  which reads the whole upstream body before the application sees a byte.

TTFT is from the ``create()`` call to the first content delta the
application reads; "last" is to the last one; "write" is leaving the
cassette block (serializing and saving).

The same three then run against a loopback server that sends the recorded
~100-token stream at a fixed pace (``_loopback``): llama.cpp's own jitter
hides differences below ~10 ms, the paced server shows what the recorder
adds in absolute milliseconds.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

from bench._apps import DUMMY_KEY, MODEL, EventLoop
from bench._context import Context
from bench._loopback import sse_server
from bench._streams import SERVER_THREADS, build_stream
from bench._table import Ratio, RowResult, fmt_time
from bench._timing import Samples, interleave

__all__ = ["row5"]

#: Seconds between events from the loopback server: a fast provider's pace.
PACE = 0.005

PROMPT: list[Any] = [{"role": "user", "content": "Tell me a long story about a cat who sails across the sea."}]


def row5(ctx: Context) -> RowResult:
    from streamtest._server.local import LocalLLMServer

    tokens = ctx.pick(10, 100)
    folder = ctx.workdir / "row5"
    folder.mkdir(parents=True, exist_ok=True)
    with LocalLLMServer(n_threads=SERVER_THREADS) as server:
        rounds = ctx.pick(2, 12)
        llama, llama_counts = _measure(server.base_url, folder / "llama", tokens=tokens, rounds=rounds)
    stream = build_stream(ctx.source(), tokens)
    with sse_server(stream.events, pace=PACE) as url:
        loop_rounds = ctx.pick(6, 40)
        loopback, _ = _measure(url, folder / "loopback", tokens=tokens, rounds=loop_rounds)

    base = llama.median("not recorded", "ttft")
    result = RowResult(
        5, f"recording pass-through: time to first token, ~{tokens}-token stream (local llama.cpp server)"
    )
    result.ratios = [
        Ratio(
            "TTFT streamtest recording / not recorded", llama.median("streamtest recording", "ttft") / base, target=1.10
        ),
        Ratio("TTFT plain vcrpy recording / not recorded", llama.median("plain vcrpy recording", "ttft") / base),
        Ratio(
            "last token streamtest recording / not recorded",
            llama.median("streamtest recording", "last") / llama.median("not recorded", "last"),
        ),
        Ratio(
            "paced loopback server: TTFT added by streamtest recording",
            (loopback.median("streamtest recording", "ttft") - loopback.median("not recorded", "ttft")) * 1e3,
            unit="ms",
        ),
        Ratio(
            "paced loopback server: last token added by streamtest recording",
            (loopback.median("streamtest recording", "last") - loopback.median("not recorded", "last")) * 1e3,
            unit="ms",
        ),
    ]
    for where, samples in (("llama.cpp", llama), ("loopback", loopback)):
        for name in samples.values:
            result.context.append(
                f"{where:<9} {name:<22} TTFT {fmt_time(samples.median(name, 'ttft')):>9}, "
                f"last token {fmt_time(samples.median(name, 'last')):>9}, "
                f"cassette write {fmt_time(samples.median(name, 'write'))}; spread {samples.spread(name, 'ttft'):.0%}"
            )
    result.context.append(
        f"llama.cpp (n_threads={SERVER_THREADS}): {sorted(llama_counts)} content tokens per run, {rounds} rounds after one "
        "warm-up request (connection, prompt cache); its TTFT varies by tens of ms between requests on a shared machine"
    )
    result.context.append(
        f"loopback: the same ~{tokens}-token recorded stream ({len(stream.events)} SSE events) sent one event per HTTP chunk "
        f"every {PACE * 1e3:.0f} ms by a local http.server, {loop_rounds} rounds: only the client side differs"
    )
    return result


def _measure(base_url: str, folder: Path, *, tokens: int, rounds: int) -> tuple[Samples, set[int]]:
    """TTFT and last-token time for the app not recorded, recorded by streamtest, recorded by plain vcrpy."""
    import vcr
    from openai import AsyncOpenAI

    import streamtest

    folder.mkdir(parents=True, exist_ok=True)
    numbers = itertools.count()
    counts: set[int] = set()
    with EventLoop() as runner:
        client = AsyncOpenAI(base_url=base_url + "/v1", api_key=DUMMY_KEY, max_retries=0)

        async def app() -> dict[str, float]:
            t0 = time.perf_counter()
            stream = await client.chat.completions.create(
                model=MODEL,
                messages=PROMPT,
                stream=True,
                max_tokens=tokens,
                temperature=0,
            )
            first = last = 0.0
            seen = 0
            async for chunk in stream:  # type: ignore[union-attr]
                if chunk.choices and chunk.choices[0].delta.content:
                    last = time.perf_counter() - t0
                    first = first or last
                    seen += 1
            counts.add(seen)
            return {"ttft": first, "last": last}

        def recorded(open_cassette: Any) -> dict[str, float]:
            t0 = time.perf_counter()
            with open_cassette(next(numbers)):
                measured = runner.run(app())
                t1 = time.perf_counter()
            return {**measured, "write": time.perf_counter() - t1, "total": time.perf_counter() - t0}

        plain_vcr = vcr.VCR(record_mode="all")
        contenders = {
            "not recorded": lambda: {**runner.run(app()), "write": 0.0},
            "streamtest recording": lambda: recorded(
                lambda n: streamtest.use_cassette(folder / f"st-{n}.yaml", record="all")
            ),
            "plain vcrpy recording": lambda: recorded(lambda n: plain_vcr.use_cassette(str(folder / f"vcr-{n}.yaml"))),
        }
        runner.run(app())  # warm-up: connection, llama.cpp's prompt cache, lazy imports
        samples = interleave(contenders, rounds=rounds, warmup=0)
    return samples, counts
