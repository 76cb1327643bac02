"""Row 6: hypothesis examples per second, a 20-chunk stream through SDK + ChatOpenAI + graph.

Every example draws 20 content tokens (1-8 code points each, any Unicode
except surrogates), builds a chat-completions SSE body from them (role chunk,
20 content chunks, finish chunk, ``[DONE]``, compact JSON as OpenAI sends
it), serves it with ``streamtest.play`` to the messages-mode graph of row 1
and checks the property: the streamed tokens join to the drawn text.

The floor draws the same examples (``derandomize=True``) and streams the
same tokens from an in-memory chat model through the same graph; the HTTP
floor serves the same SSE body from a patched transport (SDK and ChatOpenAI
run, no cassette object, no vcrpy). "draw only" is hypothesis drawing and
building the SSE body with no graph, for context.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessageChunk

from bench._apps import MODEL, EventLoop, MemoryChatModel, chat_openai, drain, messages_graph
from bench._context import Context
from bench._profile import by_package, compare_lines
from bench._streams import serve_in_memory
from bench._table import Ratio, RowResult, fmt_rate, fmt_time
from bench._timing import interleave

__all__ = ["row6"]

CHUNKS = 20


def _sse(tokens: list[str]) -> list[bytes]:
    def event(delta: dict[str, Any], finish: str | None = None) -> bytes:
        payload = {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": 1700000000,
            "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return b"data: " + json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode() + b"\n\n"

    return [
        event({"role": "assistant", "content": ""}),
        *(event({"content": token}) for token in tokens),
        event({}, "stop"),
        b"data: [DONE]\n\n",
    ]


def row6(ctx: Context) -> RowResult:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    import streamtest

    examples = ctx.pick(25, 120)
    tokens_strategy = st.lists(
        st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=8),
        min_size=CHUNKS,
        max_size=CHUNKS,
    )
    config = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    graph = messages_graph(chat_openai())
    memory = MemoryChatModel(chunks=[])
    floor_graph = messages_graph(memory)
    ran = {"streamtest": 0, "HTTP floor": 0, "floor": 0, "draw only": 0}

    with EventLoop() as runner:

        @config
        @given(tokens_strategy)
        def through_streamtest(tokens: list[str]) -> None:
            with streamtest.play(_sse(tokens)):
                items = runner.run(drain(graph, "messages"))
            assert "".join(str(m.content) for m, _ in items) == "".join(tokens)
            ran["streamtest"] += 1

        @config
        @given(tokens_strategy)
        def through_http_floor(tokens: list[str]) -> None:
            with serve_in_memory(_sse(tokens)):
                items = runner.run(drain(graph, "messages"))
            assert "".join(str(m.content) for m, _ in items) == "".join(tokens)
            ran["HTTP floor"] += 1

        @config
        @given(tokens_strategy)
        def through_floor(tokens: list[str]) -> None:
            _sse(tokens)
            memory.chunks = [AIMessageChunk(content="")] + [AIMessageChunk(content=t) for t in tokens]
            items = runner.run(drain(floor_graph, "messages"))
            assert "".join(str(m.content) for m, _ in items) == "".join(tokens)
            ran["floor"] += 1

        @config
        @given(tokens_strategy)
        def draw_only(tokens: list[str]) -> None:
            _sse(tokens)
            ran["draw only"] += 1

        def timed(test: Callable[[], None], name: str) -> dict[str, float]:
            before = ran[name]
            t0 = time.perf_counter()
            test()
            elapsed = time.perf_counter() - t0
            return {
                "total": elapsed,
                "per_example": elapsed / max(1, ran[name] - before),
                "examples": ran[name] - before,
            }

        rounds = ctx.pick(2, 4)
        samples = interleave(
            {
                "streamtest": lambda: timed(through_streamtest, "streamtest"),
                "HTTP floor": lambda: timed(through_http_floor, "HTTP floor"),
                "floor": lambda: timed(through_floor, "floor"),
                "draw only": lambda: timed(draw_only, "draw only"),
            },
            rounds=rounds,
            warmup=1,
        )
        profiles = (
            {
                "streamtest": by_package(through_streamtest, 1),
                "HTTP floor": by_package(through_http_floor, 1),
                "floor": by_package(through_floor, 1),
            }
            if ctx.profile and not ctx.quick
            else {}
        )
    st_ex, http_ex, fl_ex, dr_ex = (
        samples.median(n, "per_example") for n in ("streamtest", "HTTP floor", "floor", "draw only")
    )
    result = RowResult(
        6, f"property tests: hypothesis examples/s, {CHUNKS}-chunk stream through SDK + ChatOpenAI + graph"
    )
    result.ratios = [
        Ratio("time per example: streamtest.play / floor", st_ex / fl_ex),
        Ratio("time per example: streamtest.play / HTTP floor", st_ex / http_ex),
        Ratio("time per example: HTTP floor / floor (SDK + ChatOpenAI)", http_ex / fl_ex),
    ]
    for name, per in (("streamtest", st_ex), ("HTTP floor", http_ex), ("floor", fl_ex), ("draw only", dr_ex)):
        result.context.append(
            f"{name:<11} {fmt_rate(1 / per, 'examples')} ({fmt_time(per)} per example), "
            f"{int(samples.median(name, 'examples'))} examples/round; spread {samples.spread(name, 'per_example'):.0%}"
        )
    result.context.append(
        f"{rounds} rounds + 1 warm-up of {examples} examples each (derandomized: every contender draws the same examples), medians"
    )
    if profiles:
        result.context += compare_lines(profiles)
    return result
