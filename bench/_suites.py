"""Rows 3, 7 and 8: generated pytest suites, each tool in its own pytest process with only its own plugin.

cassetter's plugin and pytest-recording's both define ``--record-mode``, so no
pytest run can load the two; and a project has one of them, not three. Every
suite here runs as ``PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 python -m pytest -p
<the tool's plugin>``, and the contenders' runs interleave round by round.
Each test replays one streamed chat-completions call through the sync
``OpenAI`` client (reading it to the end) from its own cassette file, as a
real suite does:

- streamtest: ``@pytest.mark.streamtest``, a streamtest cassette;
- pytest-recording: ``@pytest.mark.vcr``, a default vcrpy cassette (``--record-mode=none``, its default);
- cassetter: ``@pytest.mark.vcr``, a cassetter cassette (``none`` is its default under pytest).

Row 3 (per-test overhead): each tool's process runs N of its tests and N
"no cassette" tests, interleaved in file order; a no-cassette test makes the
same client call answered in memory by an ``httpx2.MockTransport`` with the
whole body in one chunk (what pytest-recording and cassetter hand the client),
and a third kind answers with the recorded events one per chunk (what the
provider's socket gave, and what streamtest replays), to price that part alone. A
``pytest_runtest_protocol`` hook wrapper in the generated conftest times each
test from setup to teardown and reporting, so interpreter start-up, imports
and collection are not counted; "added per test" is the tool's median minus
the no-cassette median of the same process.

Row 8 (the suite): 200 tests, one 100-event stream each, whole ``pytest``
processes timed from the outside, start-up and collection included.

Row 7 (suite scale): 1,000 tests, each with its own streamtest cassette and
the seed's messages-mode graph (sync ``ChatOpenAI.invoke`` in a node,
``graph.stream(stream_mode="messages")``) over a ~100-token stream, whole runs
with ``-n 0`` and ``-n 2``, and ``--collect-only`` runs of the same suite cut
to 10, 250 and 1,000 tests: collection and session set-up must grow no
faster than the suite (at 4x the tests, at most 4x the time).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench._apps import DUMMY_KEY, MODEL, PROMPT_MESSAGES, chat_openai, sync_messages_graph
from bench._context import Context
from bench._streams import (
    CapturedRequest,
    Stream,
    build_stream,
    capture_requests,
    streamtest_text,
    write_cassetter_cassette,
    write_vcrpy_cassette,
)
from bench._table import Ratio, RowResult, fmt_time
from bench._timing import interleave

__all__ = ["row3", "row7", "row8"]

SMALL_TOKENS = 100

# The plugin each tool's runs load; nothing else is auto-loaded.
PLUGINS = {
    "streamtest": "streamtest.plugin",
    "pytest-recording": "pytest_recording.plugin",
    "cassetter": "cassetter.pytest_plugin",
}
TOOLS = tuple(PLUGINS)
_MARKERS = {"streamtest": "@pytest.mark.streamtest", "pytest-recording": "@pytest.mark.vcr", "cassetter": "@pytest.mark.vcr"}

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


@pytest.fixture(scope="module")
def vcr_cassette_dir():
    # pytest-recording's and cassetter's cassettes for this project (both read this fixture).
    return str(Path(__file__).parent / "vcr")
"""

_INI = """\
[pytest]
streamtest_cassette_dir = cassettes
asyncio_default_fixture_loop_scope = function
"""

_CALL_MODULE = """
import httpx2
import openai
import pytest

BODY = {body!r}
EVENTS = {events}
CHUNKS = {chunks!r}
MESSAGES = {messages!r}


def _answer(request):
    return httpx2.Response(200, headers={{"content-type": "text/event-stream"}}, content=BODY)


class _Chunks(httpx2.SyncByteStream):
    def __iter__(self):
        yield from CHUNKS


def _answer_chunked(request):
    return httpx2.Response(200, headers={{"content-type": "text/event-stream"}}, stream=_Chunks())


CLIENT = openai.OpenAI(api_key={key!r}, max_retries=0)
MEMORY = openai.OpenAI(api_key={key!r}, max_retries=0, http_client=httpx2.Client(transport=httpx2.MockTransport(_answer)))
CHUNKED = openai.OpenAI(
    api_key={key!r}, max_retries=0, http_client=httpx2.Client(transport=httpx2.MockTransport(_answer_chunked))
)


def _call(client):
    return sum(1 for _ in client.chat.completions.create(model={model!r}, messages=MESSAGES, stream=True))

"""


def _pytest(
    folder: Path, *args: str, plugins: Sequence[str] = (), durations: Path | None = None
) -> tuple[float, dict[str, float]]:
    """Run pytest in ``folder`` with only ``plugins`` loaded; return wall seconds and the per-test durations."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "OPENAI_BASE_URL", "PYTHONDONTWRITEBYTECODE"))}
    env["OPENAI_API_KEY"] = DUMMY_KEY
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    # Every tool's modules import from bytecode, as they do on a user's machine after the first run. With
    # PYTHONDONTWRITEBYTECODE set (CI images often set it), an editable install recompiles its own source in
    # every process while the peers' wheels ship .pyc files; the warm-up rounds fill this cache for all alike.
    env["PYTHONPYCACHEPREFIX"] = str(folder.parent / "pycache")
    if durations is not None:
        env["BENCH_DURATIONS"] = str(durations)
        for old in durations.parent.glob(durations.name + ".*.json"):
            old.unlink()
    loaded = [arg for plugin in plugins for arg in ("-p", plugin)]
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", *loaded, *args]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f"pytest {' '.join(args)} in {folder} failed ({done.returncode}):\n{tail}")
    measured: dict[str, float] = {}
    if durations is not None:
        for part in durations.parent.glob(durations.name + ".*.json"):
            measured.update(json.loads(part.read_text()))
    return wall, measured


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _capture_sync_call(body: bytes) -> list[CapturedRequest]:
    from openai import OpenAI

    client = OpenAI(api_key=DUMMY_KEY, max_retries=0)
    with capture_requests(body) as captured:
        for _ in client.chat.completions.create(model=MODEL, messages=PROMPT_MESSAGES, stream=True):
            pass
    return captured


def _tool_project(folder: Path, tool: str, stream: Stream, captured: list[CapturedRequest], count: int, *, with_memory: bool) -> Path:
    """A project of ``count`` tests replaying ``stream`` with ``tool`` (plus as many no-cassette tests)."""
    module = "test_suite"
    _write(folder / "pytest.ini", _INI)
    _write(folder / "conftest.py", _TIMING_PLUGIN)
    if tool == "streamtest":
        text = streamtest_text(captured, [stream])
        for index in range(count):
            _write(folder / "cassettes" / module / f"test_tool_{index}.yaml", text)
    else:
        write = write_vcrpy_cassette if tool == "pytest-recording" else write_cassetter_cassette
        first = write(folder / "vcr" / "test_tool_0.yaml", captured, [stream])
        data = first.read_bytes()
        for index in range(1, count):
            (folder / "vcr" / f"test_tool_{index}.yaml").write_bytes(data)
    tests = []
    for index in range(count):
        kinds = ("tool", "none", "chunked") if with_memory else ("tool",)
        for kind in kinds[index % len(kinds) :] + kinds[: index % len(kinds)]:
            marker = f"{_MARKERS[tool]}\n" if kind == "tool" else ""
            client = {"tool": "CLIENT", "none": "MEMORY", "chunked": "CHUNKED"}[kind]
            tests.append(f"{marker}def test_{kind}_{index}():\n    assert _call({client}) == EVENTS\n")
    events = sum(1 for e in stream.events if e.strip() != b"data: [DONE]")
    head = _CALL_MODULE.format(
        body=stream.body, events=events, chunks=list(stream.events), messages=PROMPT_MESSAGES, key=DUMMY_KEY, model=MODEL
    )
    _write(folder / f"{module}.py", head + "\n\n".join(tests))
    return folder


# ---------------------------------------------------------------------- row 3


def row3(ctx: Context) -> RowResult:
    stream = build_stream(ctx.source(), SMALL_TOKENS)
    captured = _capture_sync_call(stream.body)
    per = ctx.pick(30, 300)
    root = ctx.workdir / "row3"
    projects = {tool: _tool_project(root / tool, tool, stream, captured, per, with_memory=True) for tool in TOOLS}
    per_kind: dict[str, dict[str, list[float]]] = {tool: {"tool": [], "none": [], "chunked": []} for tool in TOOLS}
    walls: dict[str, list[float]] = {tool: [] for tool in TOOLS}

    def run(tool: str) -> float:
        wall, measured = _pytest(projects[tool], plugins=[PLUGINS[tool]], durations=root / f"durations-{tool}")
        for nodeid, seconds in measured.items():
            kind, number = nodeid.rsplit("::test_", 1)[1].rsplit("_", 1)
            if int(number) >= 3:  # the first few of each kind pay one-off imports
                per_kind[tool][kind].append(seconds)
        walls[tool].append(wall)
        return wall

    rounds = ctx.pick(1, 3)
    interleave({tool: (lambda t=tool: run(t)) for tool in TOOLS}, rounds=rounds, warmup=0)
    med = {tool: {kind: statistics.median(v) for kind, v in kinds.items()} for tool, kinds in per_kind.items()}
    added = {tool: (med[tool]["tool"] - med[tool]["none"]) * 1e3 for tool in TOOLS}
    result = RowResult(3, "per-test overhead (one-interaction cassette per test; each tool alone in its pytest process)")
    result.ratios = [
        Ratio("streamtest marker: added per test", added["streamtest"], unit="ms"),
        Ratio("pytest-recording @pytest.mark.vcr: added per test", added["pytest-recording"], unit="ms"),
        Ratio("cassetter @pytest.mark.vcr: added per test", added["cassetter"], unit="ms"),
        Ratio("streamtest added / pytest-recording added", added["streamtest"] / added["pytest-recording"], target=1.0),
        Ratio("streamtest added / cassetter added", added["streamtest"] / added["cassetter"], target=1.0),
        Ratio("streamtest test / pytest-recording test", med["streamtest"]["tool"] / med["pytest-recording"]["tool"]),
        Ratio("streamtest test / cassetter test", med["streamtest"]["tool"] / med["cassetter"]["tool"]),
        Ratio(
            "no cassette: the same events one per chunk, added per test",
            (med["streamtest"]["chunked"] - med["streamtest"]["none"]) * 1e3,
            unit="ms",
        ),
        Ratio(
            "streamtest marker: added over the same chunks without a cassette",
            (med["streamtest"]["tool"] - med["streamtest"]["chunked"]) * 1e3,
            unit="ms",
        ),
    ]
    for tool in TOOLS:
        tool_times, none_times = sorted(per_kind[tool]["tool"]), sorted(per_kind[tool]["none"])
        q1, _, q3 = statistics.quantiles(tool_times, n=4)
        result.context.append(
            f"{tool:<17} median {fmt_time(med[tool]['tool']):>8} per test (IQR {fmt_time(q1)}-{fmt_time(q3)}); "
            f"no-cassette tests in the same process {fmt_time(med[tool]['none'])}; {len(tool_times)} + {len(none_times)} "
            f"tests timed; process wall {fmt_time(statistics.median(walls[tool]))}"
        )
    result.context.append(
        "no-cassette tests answer from memory (httpx2.MockTransport) with the whole body in one chunk, as "
        "pytest-recording and cassetter hand it to the client; streamtest replays one recorded event per chunk, as "
        "the provider's socket did, and the 'one per chunk' tests (same process) price that part on its own"
    )
    result.context += _decompose(ctx, projects)
    result.context.append(
        f"stream: {stream.how}; {len(stream.events)} SSE events. {per} tool tests + {per} no-cassette tests per process, "
        f"interleaved in file order; {rounds} round(s) of the three processes, interleaved"
    )
    return result


def _decompose(ctx: Context, projects: dict[str, Path]) -> list[str]:
    """The cassette machinery of one test, timed in this process: where the added milliseconds go."""
    import cassetter
    import vcr

    from bench._streams import FreshCopies
    from streamtest._replay.cassette import open_cassette

    plain = vcr.VCR(record_mode="none")
    fresh = FreshCopies()
    streamtest_file = projects["streamtest"] / "cassettes" / "test_suite" / "test_tool_0.yaml"
    vcr_file = projects["pytest-recording"] / "vcr" / "test_tool_0.yaml"
    cassetter_file = projects["cassetter"] / "vcr" / "test_tool_0.yaml"

    def streamtest_parts(path: Path) -> dict[str, float]:
        t0 = time.perf_counter()
        cassette = open_cassette(path)
        t1 = time.perf_counter()
        cassette.start()
        cassette.stop()
        cassette.unplayed  # noqa: B018 - the unplayed check finish() runs
        return {"total": time.perf_counter() - t0, "load": t1 - t0, "patch": time.perf_counter() - t1}

    def enter_exit(open_cassette: Callable[[], Any]) -> float:
        t0 = time.perf_counter()
        with open_cassette():
            pass
        return time.perf_counter() - t0

    samples = interleave(
        {
            "streamtest": lambda: streamtest_parts(fresh(streamtest_file)),
            "vcrpy": lambda: (lambda p: enter_exit(lambda: plain.use_cassette(str(p))))(fresh(vcr_file)),
            "cassetter": lambda: (lambda p: enter_exit(lambda: cassetter.use_cassette(p, record_mode="none")))(fresh(cassetter_file)),
        },
        rounds=ctx.pick(30, 150),
        warmup=5,
        collect=1,
    )
    return [
        f"in the bench process: streamtest open_cassette (read + parse + build) {fmt_time(samples.median('streamtest', 'load'))}, "
        f"start+stop+finish (patch, block sockets, unpatch, unplayed check) {fmt_time(samples.median('streamtest', 'patch'))}; "
        f"vcrpy use_cassette enter+exit {fmt_time(samples.median('vcrpy'))}; "
        f"cassetter use_cassette enter+exit {fmt_time(samples.median('cassetter'))} (each on a new file, no replay)"
    ]


# ---------------------------------------------------------------------- row 8


def row8(ctx: Context) -> RowResult:
    count = ctx.pick(40, 200)
    stream = build_stream(ctx.source(), SMALL_TOKENS)
    captured = _capture_sync_call(stream.body)
    root = ctx.workdir / "row8"
    projects = {tool: _tool_project(root / tool, tool, stream, captured, count, with_memory=False) for tool in TOOLS}
    rounds = ctx.pick(1, 5)
    samples = interleave(
        {tool: (lambda t=tool: _pytest(projects[t], plugins=[PLUGINS[t]])[0]) for tool in TOOLS}, rounds=rounds, warmup=1
    )
    wall = {tool: samples.median(tool) for tool in TOOLS}
    fastest = min(("pytest-recording", "cassetter"), key=wall.__getitem__)
    result = RowResult(8, f"a suite: {count} tests x one {len(stream.events)}-event stream each, whole pytest process per tool")
    result.ratios = [
        Ratio(f"streamtest / fastest peer ({fastest})", wall["streamtest"] / wall[fastest], target=0.95),
        Ratio("streamtest / pytest-recording", wall["streamtest"] / wall["pytest-recording"]),
        Ratio("streamtest / cassetter", wall["streamtest"] / wall["cassetter"]),
    ]
    for tool in TOOLS:
        result.context.append(
            f"{tool:<17} wall {fmt_time(wall[tool]):>8} ({fmt_time(wall[tool] / count)} per test, start-up included); "
            f"spread {samples.spread(tool):.0%}"
        )
    result.context.append(
        f"each run: PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 python -m pytest -p <the tool's plugin>; {rounds} interleaved round(s) "
        f"+ 1 warm-up, medians; stream: {stream.how}"
    )
    return result


# ---------------------------------------------------------------------- row 7


def row7(ctx: Context) -> RowResult:
    count = ctx.pick(40, 1000)
    stream = build_stream(ctx.source(), SMALL_TOKENS)
    graph = sync_messages_graph(chat_openai())
    with capture_requests(stream.body) as captured:
        expected = len(list(graph.stream({"topic": "cats"}, stream_mode="messages")))
    text = streamtest_text(captured, [stream])
    sizes = (10, max(20, count // 4), count)
    projects = {size: _graph_project(ctx.workdir / "row7" / f"n{size}", text, size, expected) for size in sizes}
    folder = projects[count]
    durations = ctx.workdir / "row7" / "durations"
    in_process: list[float] = []
    plugins = [PLUGINS["streamtest"]]

    def serial() -> float:
        wall, measured = _pytest(folder, "-n", "0", plugins=[*plugins, "xdist.plugin"], durations=durations)
        in_process.extend(measured.values())
        return wall

    contenders: dict[str, Callable[[], float]] = {
        "-n 0": serial,
        "-n 2": lambda: _pytest(folder, "-n", "2", plugins=[*plugins, "xdist.plugin"])[0],
    }
    for size in sizes:
        contenders[f"collect {size}"] = lambda s=size: _pytest(projects[s], "--collect-only", plugins=plugins)[0]
    rounds = ctx.pick(1, 2)
    samples = interleave(contenders, rounds=rounds, warmup=0)
    n0, n2 = samples.median("-n 0"), samples.median("-n 2")
    collect = {size: samples.median(f"collect {size}") for size in sizes}
    small, middle, large = sizes
    early = (collect[middle] - collect[small]) / (middle - small)
    late = (collect[large] - collect[middle]) / (large - middle)
    result = RowResult(7, f"suite scale ({count} cassette-backed tests, messages-mode graph, ~{SMALL_TOKENS}-token streams)")
    # Linear growth would take the set-up at 4x the tests to 4x the time; start-up makes it much less.
    result.ratios = [
        Ratio("wall -n 2 / wall -n 0", n2 / n0),
        Ratio(f"set-up (--collect-only) at {large:,} tests / at {middle:,}", collect[large] / collect[middle], target=large / middle),
    ]
    result.context += [
        f"-n 0: wall {fmt_time(n0)} = {fmt_time(n0 / count)} per test; inside pytest (setup + call + teardown, "
        f"median of {len(in_process)}): {fmt_time(statistics.median(in_process))}",
        f"-n 2: wall {fmt_time(n2)} = {fmt_time(n2 / count)} per test (2 workers on 2 cores, each imports the stack)",
        "pytest --collect-only (interpreter, plugins, imports, collection): "
        + ", ".join(f"{size} tests {fmt_time(collect[size])}" for size in sizes)
        + f"; {fmt_time(early)} per added test from {small} to {middle}, {fmt_time(late)} from {middle} to {large}",
        f"-n 0 minus collection: {fmt_time((n0 - collect[large]) / count)} per test",
        f"{count} cassette files of {len(text.encode()) / 1e3:.1f} kB; {rounds} interleaved round(s), medians",
    ]
    return result


def _graph_project(folder: Path, text: str, count: int, expected: int) -> Path:
    cassettes = folder / "cassettes" / "test_suite"
    cassettes.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        (cassettes / f"test_story[{index}].yaml").write_text(text, encoding="utf-8")
    _write(folder / "pytest.ini", _INI)
    _write(folder / "conftest.py", _TIMING_PLUGIN)
    _write(
        folder / "test_suite.py",
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
        ),
    )
    return folder
