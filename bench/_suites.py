"""Rows 3 and 7: generated pytest suites, timed inside one pytest process.

Row 3 (per-test overhead) writes one test module with N tests per contender,
interleaved in file order (streamtest, pytest-recording, none; the order
rotates every triple), all making the same streamed chat-completions call with
the sync ``OpenAI`` client and reading it to the end:

- ``@pytest.mark.streamtest(cassette="one")``: streamtest's marker replays a
  streamtest cassette;
- ``@pytest.mark.vcr``: pytest-recording replays a default vcrpy cassette of
  the same interaction (``--record-mode=none``, its default);
- no cassette: the same client call answered in memory by an
  ``httpx2.MockTransport`` (so the SDK, parsing and the test body cost the
  same; what differs is the cassette machinery).

A ``pytest_runtest_protocol`` hook wrapper in the generated conftest times
each test from setup to teardown and reporting, so interpreter start-up,
imports and collection are not counted. Both plugins are loaded for every
test, as they would be in a project that has both installed.

Row 7 (suite scale) writes 500 tests, each with its own streamtest cassette,
each running the seed's messages-mode graph (sync ``ChatOpenAI.invoke`` in a
node, ``graph.stream(stream_mode="messages")``) over a ~100-token stream, and
times whole ``pytest`` runs with ``-n 0`` and ``-n 2``, interleaved, next to a
``--collect-only`` run of the same suite (start-up + collection).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench._apps import DUMMY_KEY, MODEL, PROMPT_MESSAGES, chat_openai, sync_messages_graph
from bench._context import Context
from bench._streams import FreshCopies, build_stream, capture_requests, streamtest_text, write_vcrpy_cassette
from bench._table import Ratio, RowResult, fmt_time
from bench._timing import interleave

__all__ = ["row3", "row7"]

SMALL_TOKENS = 100

_TIMING_PLUGIN = """
import json, os, time
from pathlib import Path

import pytest

_DURATIONS = {}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    started = time.perf_counter()
    try:
        return (yield)
    finally:
        _DURATIONS[item.nodeid] = time.perf_counter() - started


def pytest_sessionfinish(session):
    target = os.environ.get("BENCH_DURATIONS")
    if target:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        Path(f"{target}.{worker}.json").write_text(json.dumps(_DURATIONS))
"""

_INI = """\
[pytest]
streamtest_cassette_dir = cassettes
asyncio_default_fixture_loop_scope = function
"""


def _pytest(folder: Path, *args: str, durations: Path | None = None) -> tuple[float, dict[str, float]]:
    """Run pytest in ``folder``; return wall seconds and the per-test durations it reported."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "OPENAI_BASE_URL"))}
    env["OPENAI_API_KEY"] = DUMMY_KEY
    if durations is not None:
        env["BENCH_DURATIONS"] = str(durations)
        for old in folder.parent.glob(durations.name + ".*.json"):
            old.unlink()
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", *args]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f"pytest {' '.join(args)} in {folder} failed ({done.returncode}):\n{tail}")
    measured: dict[str, float] = {}
    if durations is not None:
        for part in folder.parent.glob(durations.name + ".*.json"):
            measured.update(json.loads(part.read_text()))
    return wall, measured


def _capture_sync_call(body: bytes) -> Any:
    from openai import OpenAI

    client = OpenAI(api_key=DUMMY_KEY, max_retries=0)
    with capture_requests(body) as captured:
        for _ in client.chat.completions.create(model=MODEL, messages=PROMPT_MESSAGES, stream=True):
            pass
    return captured


# ---------------------------------------------------------------------- row 3


def row3(ctx: Context) -> RowResult:
    stream = build_stream(ctx.source(), SMALL_TOKENS)
    folder = ctx.workdir / "row3" / "project"
    folder.mkdir(parents=True, exist_ok=True)
    captured = _capture_sync_call(stream.body)
    per = ctx.pick(30, 300)
    # Every streamtest and vcr test gets its own cassette file, as in a real
    # suite; "shared" tests all replay one file (what a parse cache can reuse).
    text = streamtest_text(captured, [stream])
    for index in range(per):
        _write(folder / "cassettes" / "own" / f"{index}.yaml", text)
    _write(folder / "cassettes" / "one.yaml", text)
    write_vcrpy_cassette(folder / "vcr" / "test_vcr_0.yaml", captured, [stream])
    vcr_text = (folder / "vcr" / "test_vcr_0.yaml").read_text(encoding="utf-8")
    for index in range(1, per):
        _write(folder / "vcr" / f"test_vcr_{index}.yaml", vcr_text)
    _write(folder / "pytest.ini", _INI)
    _write(
        folder / "conftest.py",
        _TIMING_PLUGIN
        + textwrap.dedent(
            f"""

            @pytest.fixture(scope="module")
            def vcr_cassette_dir():
                return {str(folder / "vcr")!r}
            """
        ),
    )
    kinds = ("streamtest", "vcr", "none", "shared")
    decorators = {
        "streamtest": '@pytest.mark.streamtest(cassette="own/{index}")\n',
        "vcr": "@pytest.mark.vcr\n",
        "none": "",
        "shared": '@pytest.mark.streamtest(cassette="one")\n',
    }
    tests = []
    for index in range(per):
        shift = index % len(kinds)
        for kind in kinds[shift:] + kinds[:shift]:
            client = "MEMORY" if kind == "none" else "CLIENT"
            tests.append(
                f"{decorators[kind].format(index=index)}def test_{kind}_{index}():\n    assert _call({client}) == EVENTS\n"
            )
    events = sum(1 for e in stream.events if e.strip() != b"data: [DONE]")
    module = textwrap.dedent(
        f"""
        import httpx2
        import openai
        import pytest

        BODY = {stream.body!r}
        EVENTS = {events}
        MESSAGES = {PROMPT_MESSAGES!r}


        def _answer(request):
            return httpx2.Response(200, headers={{"content-type": "text/event-stream"}}, content=BODY)


        CLIENT = openai.OpenAI(api_key={DUMMY_KEY!r}, max_retries=0)
        MEMORY = openai.OpenAI(
            api_key={DUMMY_KEY!r}, max_retries=0, http_client=httpx2.Client(transport=httpx2.MockTransport(_answer))
        )


        def _call(client):
            return sum(1 for _ in client.chat.completions.create(model={MODEL!r}, messages=MESSAGES, stream=True))

        """
    )
    _write(folder / "test_overhead.py", module + "\n\n".join(tests))

    durations = ctx.workdir / "row3" / "durations"
    per_kind: dict[str, list[float]] = {k: [] for k in kinds}
    wall, measured = _pytest(folder, durations=durations)
    for nodeid, seconds in measured.items():
        kind, number = nodeid.rsplit("::test_", 1)[1].rsplit("_", 1)
        if int(number) >= 3:  # the first few of each kind pay one-off imports
            per_kind[kind].append(seconds)
    med = {k: statistics.median(v) for k, v in per_kind.items()}
    result = RowResult(3, "per-test overhead (one-interaction cassette, inside one pytest process)")
    result.ratios = [
        Ratio("streamtest marker: added per test", (med["streamtest"] - med["none"]) * 1e3, unit="ms", target=2.0),
        Ratio("pytest-recording @pytest.mark.vcr: added per test", (med["vcr"] - med["none"]) * 1e3, unit="ms"),
        Ratio("streamtest marker, one shared file: added per test", (med["shared"] - med["none"]) * 1e3, unit="ms"),
        Ratio("streamtest test / pytest-recording test", med["streamtest"] / med["vcr"]),
    ]
    labels = {
        "streamtest": "streamtest (own file per test)",
        "vcr": "pytest-recording (own file per test)",
        "none": "no cassette (MockTransport)",
        "shared": "streamtest (one file for all)",
    }
    for kind in kinds:
        data = sorted(per_kind[kind])
        q1, _, q3 = statistics.quantiles(data, n=4)
        result.context.append(
            f"{labels[kind]:<37} median {fmt_time(med[kind]):>8} per test "
            f"(IQR {fmt_time(q1)}-{fmt_time(q3)}), {len(data)} tests timed"
        )
    result.context += _decompose(ctx, folder)
    result.context.append(
        f"stream: {stream.how}; {len(stream.events)} SSE events. {per} tests per contender, interleaved in file "
        f"order; one pytest run, {fmt_time(wall)} wall incl. start-up"
    )
    return result


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _decompose(ctx: Context, folder: Path) -> list[str]:
    """The cassette machinery of one test, timed in this process: where the added milliseconds go."""
    import vcr

    from streamtest._replay.cassette import open_cassette

    plain = vcr.VCR(record_mode="none")
    fresh = FreshCopies()
    streamtest_file = folder / "cassettes" / "one.yaml"
    vcr_file = folder / "vcr" / "test_vcr_0.yaml"

    def streamtest_parts(path: Path) -> dict[str, float]:
        t0 = time.perf_counter()
        cassette = open_cassette(path)
        t1 = time.perf_counter()
        cassette.start()
        cassette.stop()
        return {"total": time.perf_counter() - t0, "load": t1 - t0, "patch": time.perf_counter() - t1}

    def vcrpy_parts(path: Path) -> float:
        t0 = time.perf_counter()
        with plain.use_cassette(str(path)):
            pass
        return time.perf_counter() - t0

    samples = interleave(
        {
            "streamtest": lambda: streamtest_parts(fresh(streamtest_file)),
            "streamtest, same file": lambda: streamtest_parts(streamtest_file),
            "vcrpy": lambda: vcrpy_parts(fresh(vcr_file)),
        },
        rounds=ctx.pick(30, 150),
        warmup=5,
        collect=1,
    )
    return [
        f"in the bench process: streamtest open_cassette (read + parse + build) "
        f"{fmt_time(samples.median('streamtest', 'load'))} on a new file, "
        f"{fmt_time(samples.median('streamtest, same file', 'load'))} on the same file again; "
        f"start+stop (patch, block sockets, unpatch) {fmt_time(samples.median('streamtest', 'patch'))}; "
        f"vcrpy use_cassette enter+exit (load + patch + unpatch) {fmt_time(samples.median('vcrpy'))}"
    ]


# ---------------------------------------------------------------------- row 7


def row7(ctx: Context) -> RowResult:
    count = ctx.pick(20, 500)
    stream = build_stream(ctx.source(), SMALL_TOKENS)
    graph = sync_messages_graph(chat_openai())
    with capture_requests(stream.body) as captured:
        expected = len(list(graph.stream({"topic": "cats"}, stream_mode="messages")))
    folder = ctx.workdir / "row7" / "project"
    cassettes = folder / "cassettes" / "test_suite"
    cassettes.mkdir(parents=True, exist_ok=True)
    text = streamtest_text(captured, [stream])
    for index in range(count):
        (cassettes / f"test_story[{index}].yaml").write_text(text, encoding="utf-8")
    (folder / "pytest.ini").write_text(_INI)
    (folder / "conftest.py").write_text(_TIMING_PLUGIN)
    (folder / "test_suite.py").write_text(
        textwrap.dedent(
            f"""
            import pytest
            from langchain_openai import ChatOpenAI
            from langgraph.graph import START, StateGraph
            from typing_extensions import TypedDict

            model = ChatOpenAI(model={MODEL!r}, max_retries=0)


            class State(TypedDict, total=False):
                topic: str
                answer: str


            def call_model(state):
                return {{"answer": model.invoke({PROMPT_MESSAGES!r}).content}}


            graph = StateGraph(State).add_node(call_model).add_edge(START, "call_model").compile()


            @pytest.mark.streamtest
            @pytest.mark.parametrize("index", range({count}))
            def test_story(index):
                items = list(graph.stream({{"topic": "cats"}}, stream_mode="messages"))
                assert len(items) == {expected}
            """
        )
    )
    durations = ctx.workdir / "row7" / "durations"
    in_process: list[float] = []

    def serial() -> float:
        wall, measured = _pytest(folder, "-n", "0", durations=durations)
        in_process.extend(measured.values())
        return wall

    contenders: dict[str, Callable[[], float]] = {"-n 0": serial, "-n 2": lambda: _pytest(folder, "-n", "2")[0]}
    if not ctx.quick:
        contenders["collect only"] = lambda: _pytest(folder, "--collect-only")[0]
    rounds = ctx.pick(1, 2)
    samples = interleave(contenders, rounds=rounds, warmup=0)
    n0, n2 = samples.median("-n 0"), samples.median("-n 2")
    result = RowResult(
        7, f"suite scale ({count} cassette-backed tests, messages-mode graph, ~{SMALL_TOKENS}-token streams)"
    )
    result.ratios = [Ratio("wall -n 2 / wall -n 0", n2 / n0)]
    result.context += [
        f"per test inside pytest (setup + call + teardown, median of {len(in_process)}): {fmt_time(statistics.median(in_process))}",
        f"-n 0: wall {fmt_time(n0)} = {fmt_time(n0 / count)} per test",
        f"-n 2: wall {fmt_time(n2)} = {fmt_time(n2 / count)} per test (2 workers on 2 cores, each imports the stack)",
    ]
    if "collect only" in contenders:
        collect = samples.median("collect only")
        result.context += [
            f"pytest --collect-only of the same suite: {fmt_time(collect)} (interpreter, plugins, imports, collection); "
            f"-n 0 minus that: {fmt_time((n0 - collect) / count)} per test"
        ]
    result.context.append(
        f"{count} cassette files of {len(text.encode()) / 1e3:.1f} kB; {rounds} interleaved round(s), medians"
    )
    return result
