"""Faults injected into a replay: each kind against what the SDK meets from a real server, and their bookkeeping.

A real network break, reset or stall comes from the edge server (tests/edge_server.py);
the recording faults are injected into is fixtures/resilient.yaml (local llama.cpp
server). The graph-level behaviour is in tests/test_resilient.py.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import openai
import pytest
from hypothesis import given, settings

from streamtest import UnplayedInteractionsError, UnplayedInteractionsWarning, UsageError, use_cassette
from streamtest._cassette.format import load_path
from streamtest._cassette.interaction import Interaction, interactions_of
from streamtest._replay.faults import CLOSED, RESET
from streamtest._wire.openai_responses import OPENAI_RESPONSES
from streamtest.faults import KINDS, Fault, cut, error_event, http_error, malformed, stall
from streamtest.strategies import faults
from tests.edge_server import Route, chat_chunks, edge_server

FIXTURE = Path(__file__).parent.parent / "fixtures" / "resilient.yaml"
PROMPT = [{"role": "user", "content": "Write a joke about cats"}]
TOKENS = ["Why", " was", " the", " cat", " on", " the", " mat"]
# The primary's request and answer: two interactions recorded, one replayed per test here.
pytestmark = pytest.mark.filterwarnings("ignore:1 of 2 recorded interaction:streamtest.UnplayedInteractionsWarning")


def primary() -> Interaction:
    return interactions_of(*load_path(FIXTURE))[0]


def client(base: str = "https://api.openai.com", **options: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=base + "/v1", api_key="sk-test-0123456789abcdef", **{"max_retries": 0, **options})


def outcome(call: Any) -> tuple[list[str], list[tuple[str, str]]]:
    """The tokens a streaming call delivered, and the exception it ended in: (type, message) of the SDK's
    error and of the httpx error it was raised from (what an application can see; below that is httpcore)."""
    tokens: list[str] = []
    try:
        for chunk in call():
            if chunk.choices and chunk.choices[0].delta.content:
                tokens.append(chunk.choices[0].delta.content)
    except Exception as error:
        chain, current = [], error
        while current is not None:
            chain.append((f"{type(current).__module__}.{type(current).__qualname__}", str(current)))
            current = current.__cause__  # type: ignore[assignment]
        return tokens, chain[:2]
    return tokens, []


def ask(sdk: openai.OpenAI) -> Any:
    return lambda: sdk.chat.completions.create(model="m", messages=PROMPT, stream=True)


# ---------------------------------------------------------------------- each kind, as the SDK meets it


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
def test_a_cut_raises_what_a_real_broken_connection_raises(tmp_path: Path, reset: bool) -> None:
    broken = Route(chunks=chat_chunks(TOKENS), break_after=3, reset=reset)
    whole = Route(chunks=chat_chunks(TOKENS))
    with edge_server({"/v1/chat/completions": broken}) as server:
        live = outcome(ask(client(server.url)))
    with edge_server({"/v1/chat/completions": whole}) as server, use_cassette(tmp_path / "whole.yaml", record="all"):
        outcome(ask(client(server.url)))
    with use_cassette(tmp_path / "whole.yaml", faults=cut(after=3, reset=reset)) as cassette:
        injected = outcome(ask(client()))
    assert injected == live
    assert live[0] == TOKENS[:2]  # the role chunk, two tokens, then the break
    assert live[1] == [
        ("openai.APIConnectionError", "Connection error."),
        ("httpx2.RemoteProtocolError", CLOSED) if not reset else ("httpx2.ReadError", RESET),
    ]
    assert [repr(f) for f in cassette.fired] == [repr(cut(after=3, reset=reset))]


@pytest.mark.parametrize("after", [0, 2])
def test_a_stall_raises_what_a_real_read_timeout_raises(tmp_path: Path, after: int) -> None:
    slow = Route(chunks=chat_chunks(TOKENS), header_delay=1.0 if after == 0 else 0.0, delay=1.0 if after else 0.0)
    with edge_server({"/v1/chat/completions": slow}) as server:
        live = outcome(ask(client(server.url, timeout=0.3)))
    with edge_server({"/v1/chat/completions": Route(chunks=chat_chunks(TOKENS))}) as server:
        with use_cassette(tmp_path / "whole.yaml", record="all"):
            outcome(ask(client(server.url)))
    with use_cassette(tmp_path / "whole.yaml", faults=stall(after=after)):
        injected = outcome(ask(client(timeout=0.3)))
    assert injected[1] == live[1] == [("openai.APITimeoutError", "Request timed out."), ("httpx2.ReadTimeout", "timed out")]
    assert injected[0] == TOKENS[: max(after - 1, 0)]


def test_a_stall_before_the_headers_is_retried_by_the_sdk_like_a_real_one() -> None:
    interaction = primary()
    with use_cassette(FIXTURE, faults=stall(after=0)) as cassette:
        tokens, chain = outcome(lambda: client(max_retries=1, timeout=1).chat.completions.create(**interaction.request_json))
    assert chain == [] and tokens == interaction.tokens
    assert cassette.calls == 2  # the timed-out request, and the SDK's retry of it


@pytest.mark.parametrize(
    ("status", "error"),
    [(429, openai.RateLimitError), (500, openai.InternalServerError), (503, openai.InternalServerError), (529, openai.InternalServerError)],
)
def test_an_http_error_is_the_sdk_error_for_its_status(status: int, error: type[Exception]) -> None:
    interaction = primary()
    with use_cassette(FIXTURE, faults=http_error(status, retry_after=2)):
        with pytest.raises(error) as info:
            client().chat.completions.create(**interaction.request_json)
    assert info.value.status_code == status  # type: ignore[attr-defined]
    assert info.value.response.headers["retry-after"] == "2"  # type: ignore[attr-defined]
    assert info.value.body["type"] == ("requests" if status == 429 else "server_error")  # type: ignore[attr-defined]
    assert "streamtest fault" in info.value.message  # type: ignore[attr-defined]


def test_the_sdk_waits_retry_after_then_replays_the_recording() -> None:
    interaction = primary()
    with use_cassette(FIXTURE, faults=http_error(429, retry_after=0.3)) as cassette:
        start = time.perf_counter()
        tokens, chain = outcome(lambda: client(max_retries=1).chat.completions.create(**interaction.request_json))
        waited = time.perf_counter() - start
    assert chain == [] and tokens == interaction.tokens  # the faulted call did not use up the recording
    assert cassette.calls == 2
    assert waited / 0.3 >= 0.95


def test_anthropic_529_is_its_overloaded_error(llm_server: str, tmp_path: Path) -> None:
    """Recorded from the local server's Anthropic Messages endpoint, answered 529 on replay."""
    path = tmp_path / "messages.yaml"

    def ask_claude(base: str) -> str:
        sdk = anthropic.Anthropic(base_url=base, api_key="sk-ant-test-0123456789", max_retries=0)
        with sdk.messages.stream(model="claude-haiku-4-5", max_tokens=8, messages=PROMPT) as stream:  # type: ignore[arg-type]
            return "".join(stream.text_stream)

    with use_cassette(path, record="all"):
        text = ask_claude(llm_server)
    with use_cassette(path, faults=http_error(529, retry_after=1)):
        with pytest.raises(anthropic.OverloadedError) as info:
            ask_claude("https://api.anthropic.com")
    assert info.value.status_code == 529
    with use_cassette(path):
        assert ask_claude("https://api.anthropic.com") == text


def test_a_malformed_event_fails_json_decoding_after_the_events_before_it() -> None:
    interaction = primary()
    with use_cassette(FIXTURE, faults=malformed(after=4)):
        tokens, chain = outcome(lambda: client().chat.completions.create(**interaction.request_json))
    assert tokens == interaction.tokens[:3]  # role chunk + 3 tokens, then the broken event
    assert chain[0][0] == "json.decoder.JSONDecodeError"


def test_an_error_event_is_the_sdk_api_error_and_ends_the_stream() -> None:
    interaction = primary()
    with use_cassette(FIXTURE, faults=error_event(after=4, message="overloaded, try later")):
        tokens, chain = outcome(lambda: client().chat.completions.create(**interaction.request_json))
    assert tokens == interaction.tokens[:3]
    assert chain == [("openai.APIError", "overloaded, try later")]


def test_the_responses_error_event_is_read_as_an_error() -> None:
    frame = OPENAI_RESPONSES.error_frame("boom")
    assert frame.event == "error" and json.loads(frame.data)["message"] == "boom"
    assert OPENAI_RESPONSES.read([frame]).errors == ("server_error: boom",)


@pytest.mark.asyncio
async def test_faults_reach_the_async_client_the_same_way() -> None:
    interaction = primary()
    for fault, expected in ((cut(after=3), httpx2.RemoteProtocolError), (stall(after=3), httpx2.ReadTimeout)):
        with use_cassette(FIXTURE, faults=fault):
            async with openai.AsyncOpenAI(api_key="x", max_retries=0, timeout=2) as sdk:
                stream = await sdk.chat.completions.create(**interaction.request_json)
                with pytest.raises(openai.APIConnectionError) as info:
                    async for _ in stream:
                        pass
        assert isinstance(info.value.__cause__, expected)


# ---------------------------------------------------------------------- bookkeeping and mistakes


def test_a_fault_that_never_fires_fails_the_test_or_warns() -> None:
    interaction = primary()
    with pytest.raises(UnplayedInteractionsError, match=r"1 injected fault\(s\) never fired \(cut\(after=3, call=2\)\).*made 1 LLM call"):
        with use_cassette(FIXTURE, faults=cut(after=3, call=2)):
            outcome(lambda: client().chat.completions.create(**interaction.request_json))
    with pytest.warns(UnplayedInteractionsWarning, match="never fired") as warned, use_cassette(FIXTURE, faults=cut(after=3, call=2), unplayed="warn"):
        outcome(lambda: client().chat.completions.create(**interaction.request_json))
    assert [w.filename for w in warned.list] == [__file__]


def test_a_fault_that_cannot_apply_fails_the_test_even_when_the_app_swallows_it() -> None:
    interaction = primary()
    with pytest.raises(UsageError, match=r"cut\(after=999\) on call 1: the recorded stream answering POST /v1/chat/completions has 28 events; after= must be below that"):
        with use_cassette(FIXTURE, faults=cut(after=999)):
            try:  # noqa: SIM105 - spelled out: the app under test catches everything (as with_fallbacks does)
                outcome(lambda: client().chat.completions.create(**interaction.request_json))
            except Exception:
                pass


def test_a_stall_with_no_end_on_a_client_without_timeout_fails_instead_of_hanging() -> None:
    interaction = primary()
    with pytest.raises(UsageError, match=r"would hang: the client has no read timeout"):
        with use_cassette(FIXTURE, faults=stall(after=2)):
            outcome(lambda: client(timeout=None).chat.completions.create(**interaction.request_json))


def test_a_stall_shorter_than_the_timeout_only_slows_the_stream() -> None:
    interaction = primary()
    with use_cassette(FIXTURE, faults=stall(after=2, seconds=1)):
        tokens, chain = outcome(lambda: client(timeout=5).chat.completions.create(**interaction.request_json))
    assert chain == [] and tokens == interaction.tokens


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: cut(after=-1), "after=-1 must be a number of events"),
        (lambda: cut(after=1, call=0), "call=0 is not a call number"),
        (lambda: http_error(200), "status=200 is not an HTTP error status"),
        (lambda: http_error(429, retry_after=-1), "retry_after=-1 must be seconds"),
        (lambda: stall(after=1, seconds=0), "seconds=0 must be a positive number"),
        (lambda: use_cassette(FIXTURE, faults=[cut(after=1), malformed(after=2)]).__enter__(), "both on call 1"),
        (lambda: use_cassette(FIXTURE, faults=["cut"]).__enter__(), "'cut' is not a fault"),
    ],
)
def test_bad_faults_say_what_is_wrong(build: Any, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build()


def test_faults_print_as_the_call_that_builds_them() -> None:
    shown = [cut(after=3), cut(after=0, call=2, reset=True), http_error(429, retry_after=1), stall(after=0, seconds=2.5), malformed(after=1), error_event(after=4)]
    assert [repr(f) for f in shown] == [
        "cut(after=3)",
        "cut(after=0, reset=True, call=2)",
        "http_error(status=429, retry_after=1)",
        "stall(after=0, seconds=2.5)",
        "malformed(after=1)",
        "error_event(after=4)",
    ]
    assert sorted({f.kind for f in shown}) == sorted(KINDS)


@settings(max_examples=30, deadline=None)
@given(fault=faults(FIXTURE, calls=[1]))
def test_every_drawn_fault_applies_and_ends_the_call_in_an_sdk_error(fault: Fault) -> None:
    interaction = primary()
    with use_cassette(FIXTURE, faults=fault) as cassette:
        tokens, chain = outcome(lambda: client(timeout=5).chat.completions.create(**interaction.request_json))
    assert cassette.fired == [fault]
    assert chain and chain[0][0] in {
        "openai.APIConnectionError",
        "openai.APITimeoutError",
        "openai.APIError",
        "openai.RateLimitError",
        "openai.InternalServerError",
        "json.decoder.JSONDecodeError",
    }
    assert interaction.tokens[: len(tokens)] == tokens  # what arrived is the recording's start


# ---------------------------------------------------------------------- the marker and the config fixture, as a user writes them

MARKED = """
import httpx2
import openai
import pytest
from streamtest.faults import cut, http_error, stall

REQUEST = {request!r}
client = openai.OpenAI(max_retries=0, timeout=5)


def ask():
    return [c for c in client.chat.completions.create(**REQUEST)]


@pytest.mark.streamtest(cassette="resilient", faults=[cut(after=3)], unplayed="warn")
def test_marker(cassette):
    with pytest.raises(openai.APIConnectionError):
        ask()
    assert cassette.calls == 1


@pytest.fixture(params=[http_error(503), stall(after=2)], ids=repr)
def streamtest_config(request):
    return {{"faults": request.param}}


@pytest.mark.streamtest(cassette="resilient")
def test_parametrized(cassette):
    with pytest.raises((openai.InternalServerError, openai.APITimeoutError)):
        ask()
    assert [f.call for f in cassette.fired] == [1]
"""


def test_faults_in_the_marker_or_the_config_fixture_replay_even_under_record(pytester: pytest.Pytester) -> None:
    target = pytester.path / "cassettes" / "resilient.yaml"
    target.parent.mkdir()
    target.write_text(FIXTURE.read_text())
    pytester.makepyfile(test_app=MARKED.format(request=primary().request_json))
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=4)  # the module's config fixture parametrizes test_marker too; its marker wins
    result.stdout.fnmatch_lines(["*test_parametrized[[]http_error(status=503)[]] PASSED*", "*test_parametrized[[]stall(after=2)[]] PASSED*"])
    # A test with faults never records: under --record it replays (the network is not touched)
    # and its cassette, shared with the test that recorded it, is left as it was.
    before = target.stat().st_mtime_ns
    pytester.runpytest("--record").assert_outcomes(passed=4)
    assert target.stat().st_mtime_ns == before


def test_faults_that_are_not_faults_are_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app="import pytest\n\n@pytest.mark.streamtest(faults=[429])\ndef test_x():\n    pass\n")
    pytester.runpytest().stdout.fnmatch_lines(["*UsageError: faults: 429 is not a fault; build one with streamtest.faults*"])
