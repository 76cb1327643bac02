"""Replay at the recorded pace: the schedule on a fake clock, then real replays measured against their recording.

Timing assertions are ratios against the recorded offsets (or the client's
timeout), with generous bounds: the machine running them is shared. The
recording is fixtures/resilient.yaml (from the local llama.cpp server): the
backup's answer takes 1.6 s, its first event arrived after 0.16 s.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from streamtest import UsageError, use_cassette
from streamtest._cassette.format import load_path
from streamtest._cassette.interaction import Interaction, interactions_of
from streamtest._replay.pacing import Pace, Schedule
from streamtest.faults import stall

FIXTURE = Path(__file__).parent.parent / "fixtures" / "resilient.yaml"
# Each test here replays one of the fixture's two interactions.
pytestmark = pytest.mark.filterwarnings("ignore:1 of 2 recorded interaction:streamtest.UnplayedInteractionsWarning")


# ---------------------------------------------------------------------- the schedule, on a fake clock


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Timeout(Exception):
    pass


class Hang(Exception):
    pass


def schedule(pace: str | float, clock: FakeClock, read_timeout: float | None = None) -> Schedule:
    return Schedule(Pace.parse(pace), read_timeout=read_timeout, timeout_error=Timeout, hang_error=Hang, clock=clock)


def take(steps: Iterator[tuple[float, Any]], clock: FakeClock) -> list[tuple[float, Any]]:
    """Consume steps as a client would: each wait passes on the clock before the next step is asked for."""
    out = []
    for delay, value in steps:
        clock.now += delay
        out.append((round(delay, 6), value if not isinstance(value, BaseException) else type(value)))
    return out


@pytest.mark.parametrize(
    ("value", "factor", "shown"),
    [("fast", None, "fast"), (None, None, "fast"), ("recorded", 1.0, "recorded"), ("2", 2.0, "2"), (0.5, 0.5, "0.5")],
)
def test_pace_values(value: Any, factor: float | None, shown: str) -> None:
    pace = Pace.parse(value)
    assert pace.factor == factor and str(pace) == shown


@pytest.mark.parametrize("value", ["slow", "0", "-1", "inf", "nan", True, ""])
def test_bad_pace_values_say_what_is_expected(value: Any) -> None:
    with pytest.raises(UsageError, match=r"expected 'fast', 'recorded' or a positive speed factor"):
        Pace.parse(value)


def test_fast_serves_everything_at_once_then_the_break() -> None:
    clock = FakeClock()
    steps = schedule("fast", clock).steps([b"a", b"b"], [0.5, 1.0], error=OSError("cut"))
    assert take(steps, clock) == [(0.0, b"a"), (0.0, b"b"), (0.0, OSError)]


def test_a_factor_divides_the_recorded_offsets_and_deadlines_are_absolute() -> None:
    clock = FakeClock()
    steps = schedule(2, clock).steps([b"a", b"b", b"c"], [0.4, 1.0, 1.6])  # due at 0.2, 0.5, 0.8 s
    assert next(steps) == (pytest.approx(0.2), b"a")
    clock.now += 0.2 + 0.4  # waited, then spent 0.4 s on "a": 0.6 s after the request
    assert next(steps) == (0.0, b"b")  # late already: served at once
    assert next(steps)[0] == pytest.approx(0.2)  # "c" keeps its deadline, 0.8 s, not 0.3 s after "b"


def test_a_wait_longer_than_the_read_timeout_ends_in_the_timeout_after_the_timeout() -> None:
    clock = FakeClock()
    steps = schedule("recorded", clock, read_timeout=1.0).steps([b"a", b"b", b"c"], [0.1, 2.5, 2.6])
    assert take(steps, clock) == [(0.1, b"a"), (1.0, Timeout)]


def test_a_stall_past_the_timeout_raises_at_once_when_fast_and_after_the_timeout_when_paced() -> None:
    stalled = {"after": 1, "seconds": None}
    clock = FakeClock()
    assert take(schedule("fast", clock, 5.0).steps([b"a", b"b"], [0.1, 0.2], stall=stalled), clock) == [(0.0, b"a"), (0.0, Timeout)]
    clock = FakeClock()
    assert take(schedule("recorded", clock, 5.0).steps([b"a", b"b"], [0.1, 0.2], stall=stalled), clock) == [(0.1, b"a"), (5.0, Timeout)]


def test_a_shorter_stall_delays_the_rest_of_a_paced_stream() -> None:
    clock = FakeClock()
    steps = schedule(2, clock, 5.0).steps([b"a", b"b", b"c"], [0.2, 0.4, 0.6], stall={"after": 1, "seconds": 3.0})
    assert take(steps, clock) == [(0.1, b"a"), (1.6, b"b"), (0.1, b"c")]  # 1.5 s of stall (3 s at 2x), then on
    clock = FakeClock()
    steps = schedule("fast", clock, 5.0).steps([b"a", b"b"], [0.2, 0.4], stall={"after": 1, "seconds": 3.0})
    assert take(steps, clock) == [(0.0, b"a"), (0.0, b"b")]


def test_a_stall_with_no_end_on_a_client_without_timeout_is_an_error_not_a_hang() -> None:
    clock = FakeClock()
    steps = schedule("recorded", clock, None).steps([b"a", b"b"], [0.1, 0.2], stall={"after": 1, "seconds": None})
    assert take(steps, clock) == [(0.1, b"a"), (0.0, Hang)]


def test_a_stall_before_the_headers() -> None:
    clock = FakeClock()
    paced = schedule("recorded", clock, 0.5)
    assert paced.head({"after": 0, "seconds": None})[1].__class__ is Timeout  # type: ignore[index]
    assert paced.head({"after": 0, "seconds": None})[0] == 0.5  # type: ignore[index]
    assert paced.head({"after": 2, "seconds": None}) is None
    assert paced.head(None) is None
    late = schedule("recorded", clock, 5.0)
    assert late.head({"after": 0, "seconds": 1.0}) == (1.0, None)
    assert take(late.steps([b"a"], [0.3]), clock) == [(1.3, b"a")]  # the whole stream is that much later


def test_offsets_missing_or_partial_mean_no_pacing() -> None:
    clock = FakeClock()
    assert take(schedule("recorded", clock).steps([b"a", b"b"], None), clock) == [(0.0, b"a"), (0.0, b"b")]
    assert take(schedule("recorded", clock).steps([b"a", b"b"], [0.3]), clock) == [(0.0, b"a"), (0.0, b"b")]


# ---------------------------------------------------------------------- real replays through the openai SDK


def backup_interaction() -> Interaction:
    return interactions_of(*load_path(FIXTURE))[1]


def recorded_offsets(interaction: Interaction) -> list[float]:
    """The offsets of the events the SDK yields (all but the final [DONE])."""
    assert interaction.offsets is not None and interaction.chunks[-1] == b"data: [DONE]\n\n"
    return list(interaction.offsets[:-1])


def check_pace(arrivals: list[float], offsets: list[float], factor: float) -> None:
    """Arrivals follow ``offsets / factor``: first event, gaps, and end, as ratios."""
    due = [t / factor for t in offsets]
    assert len(arrivals) == len(due)
    # A deadline is never missed early; the first event's wait is reproduced.
    assert all(a >= d * 0.95 for a, d in zip(arrivals, due, strict=True))
    assert 0.95 <= arrivals[0] / due[0] <= 2.5
    # Gaps of 40 ms and more: their median close to 1, most of them within a generous band (one
    # late event, on a busy machine, makes its gap longer and the next one shorter).
    ratios = [
        (arrivals[i] - arrivals[i - 1]) / (due[i] - due[i - 1]) for i in range(1, len(due)) if due[i] - due[i - 1] >= 0.04
    ]
    assert len(ratios) >= 5
    assert 0.8 <= statistics.median(ratios) <= 1.25, ratios
    assert sum(0.5 <= r <= 2 for r in ratios) >= 0.8 * len(ratios), ratios
    assert 0.95 <= arrivals[-1] / due[-1] <= 1.3


def warm_up(sdk: openai.OpenAI) -> None:
    """One fast replay first: the SDK's first call imports and builds its models, time a recording
    never saw (it is spent before the request reaches the transport)."""
    interaction = backup_interaction()
    with use_cassette(FIXTURE, unplayed="warn"):
        list(sdk.chat.completions.create(**interaction.request_json))


def sync_arrivals(interaction: Interaction, pace: str | float) -> tuple[list[float], float]:
    """When each event reached the app, from the call (after a warm-up), and the CPU time this thread spent."""
    with openai.OpenAI(api_key="x", max_retries=0) as sdk:
        warm_up(sdk)
        with use_cassette(FIXTURE, replay_pace=pace, unplayed="warn"):
            cpu, start = time.thread_time(), time.perf_counter()
            arrivals = [time.perf_counter() - start for _ in sdk.chat.completions.create(**interaction.request_json)]
            return arrivals, time.thread_time() - cpu


@pytest.mark.parametrize("pace", ["recorded", 2])
def test_a_paced_sync_replay_follows_the_recorded_first_event_and_gaps(pace: str | float) -> None:
    interaction = backup_interaction()
    factor = Pace.parse(pace).factor
    assert factor is not None
    arrivals, cpu = sync_arrivals(interaction, pace)
    check_pace(arrivals, recorded_offsets(interaction), factor)
    # Waiting is sleeping (the GIL is released), not spinning: little CPU for the stream's duration.
    assert cpu / arrivals[-1] < 0.3


def test_the_default_fast_pace_does_not_wait() -> None:
    interaction = backup_interaction()
    arrivals, _ = sync_arrivals(interaction, "fast")
    assert arrivals[-1] / recorded_offsets(interaction)[-1] < 0.2


@pytest.mark.asyncio
async def test_a_paced_async_replay_follows_the_recording_and_leaves_the_event_loop_free() -> None:
    interaction = backup_interaction()
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            await asyncio.sleep(0.005)
            ticks += 1

    async with openai.AsyncOpenAI(api_key="x", max_retries=0) as sdk:
        with use_cassette(FIXTURE, unplayed="warn"):  # warm-up, as warm_up() does
            [_ async for _ in await sdk.chat.completions.create(**interaction.request_json)]
        with use_cassette(FIXTURE, replay_pace="recorded", unplayed="warn"):
            task = asyncio.create_task(ticker())
            start = time.perf_counter()
            stream = await sdk.chat.completions.create(**interaction.request_json)
            arrivals = [time.perf_counter() - start async for _ in stream]
            done.set()
            await task
    check_pace(arrivals, recorded_offsets(interaction), 1.0)
    # Another task kept running while the stream waited: far more ticks than events
    # (a blocking wait would leave it one tick per event at most).
    assert ticks >= 5 * len(arrivals), ticks


def test_a_paced_replay_honours_the_client_read_timeout_on_recorded_gaps() -> None:
    """The primary's first event came after 0.51 s: a client with a 0.2 s read timeout times out, after 0.2 s."""
    primary = interactions_of(*load_path(FIXTURE))[0]
    assert primary.offsets is not None and primary.offsets[0] > 0.4
    with openai.OpenAI(api_key="x", max_retries=0, timeout=0.2) as sdk:
        warm_up(sdk)
        with use_cassette(FIXTURE, replay_pace="recorded", unplayed="warn"):
            start = time.perf_counter()
            with pytest.raises(openai.APITimeoutError):
                list(sdk.chat.completions.create(**primary.request_json))
            elapsed = time.perf_counter() - start
    assert 0.95 <= elapsed / 0.2 <= 2.5


@pytest.mark.parametrize("pace", ["fast", "recorded"])
def test_a_stall_waits_the_client_read_timeout_only_when_paced(pace: str) -> None:
    interaction = backup_interaction()
    timeout = 0.3
    with openai.OpenAI(api_key="x", max_retries=0, timeout=timeout) as sdk:
        warm_up(sdk)
        with use_cassette(FIXTURE, replay_pace=pace, faults=stall(after=3, call=1)):
            start = time.perf_counter()
            with pytest.raises(openai.APITimeoutError):
                list(sdk.chat.completions.create(**interaction.request_json))
            elapsed = time.perf_counter() - start
    if pace == "fast":
        assert elapsed / timeout < 0.5
    else:
        assert interaction.offsets is not None
        expected = interaction.offsets[2] + timeout  # three events, then the read timeout
        assert 0.95 <= elapsed / expected <= 2.0


# ---------------------------------------------------------------------- the options, as a user sets them

EMPTY_CASSETTE = "streamtest_format: 1\ninteractions: []\n"
PACE_TEST = """
import pytest

@pytest.mark.streamtest
def test_default(cassette):
    print("PACE", cassette.pace)

@pytest.mark.streamtest(replay_pace="recorded")
def test_marked(cassette):
    print("PACE", cassette.pace)
"""


def _pace_project(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app=PACE_TEST)
    for name in ("test_default", "test_marked"):
        path = pytester.path / "cassettes" / "test_app" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(EMPTY_CASSETTE)


@pytest.mark.parametrize(
    ("ini", "args", "default"),
    [(None, [], "fast"), ("recorded", [], "recorded"), ("recorded", ["--replay-pace=2"], "2"), (None, ["--replay-pace", "0.5"], "0.5")],
)
def test_pace_precedence_marker_then_command_line_then_ini(pytester: pytest.Pytester, ini: str | None, args: list[str], default: str) -> None:
    _pace_project(pytester)
    if ini:
        pytester.makeini(f"[pytest]\nstreamtest_replay_pace = {ini}\n")
    result = pytester.runpytest("-s", *args)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([f"*PACE {default}*", "*PACE recorded*"])  # the marker wins over both
    if default != "fast":
        result.stdout.fnmatch_lines([f"streamtest: replaying cassettes offline, at pace {default} *"])


def test_a_bad_pace_is_a_usage_error(pytester: pytest.Pytester) -> None:
    _pace_project(pytester)
    result = pytester.runpytest("--replay-pace=slow")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--replay-pace: replay pace 'slow': expected 'fast', 'recorded' or a positive speed factor*"])
    pytester.makepyfile(test_app=PACE_TEST.replace('replay_pace="recorded"', "replay_pace=-2"))
    pytester.runpytest().stdout.fnmatch_lines(["*UsageError: replay pace -2: expected*"])
