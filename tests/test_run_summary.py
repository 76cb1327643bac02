"""The end of a run: what was replayed, recorded and written; stale cassettes; what no test plays."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.edge_server import EdgeServer, Route, chat_chunks, edge_server

PROJECT = '''
import os
from typing import TypedDict

import openai
import pytest
from langgraph.graph import START, StateGraph

from streamtest import capture


def ask(prompt):
    client = openai.OpenAI(base_url=os.environ["EDGE_URL"] + "/v1", max_retries=0)
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}], stream=True)
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


class State(TypedDict):
    joke: str


graph = StateGraph(State).add_node("write", lambda state: {"joke": ask("Write a joke")}).add_edge(START, "write").compile()


@pytest.mark.streamtest
def test_joke(golden_transcript):
    golden_transcript.check(capture(graph, {"joke": ""}, stream_mode="updates"))


@pytest.mark.streamtest(unplayed="warn")
def test_twice():
    ask("one")
    if os.environ.get("TWICE"):
        ask("two")
'''


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.Pytester]:
    """The project above, recorded (two calls in test_twice), with the server gone afterwards."""
    with edge_server({"/v1/chat/completions": Route(chunks=chat_chunks(["Why", " was"]))}) as server:
        monkeypatch.setenv("EDGE_URL", server.url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-summary0123456789abcdefghijkl")
        monkeypatch.setenv("TWICE", "1")
        pytester.makepyfile(test_app=PROJECT)
        result = pytester.runpytest("--record")
        _check_record_summary(result, server)
    monkeypatch.delenv("TWICE")
    yield pytester


def _check_record_summary(result: pytest.RunResult, server: EdgeServer) -> None:
    result.assert_outcomes(passed=2)
    assert len(server.connections) == 3
    result.stdout.fnmatch_lines(
        [
            "*- streamtest -*",
            "recorded and wrote 2 cassettes:",
            "  cassettes/test_app/test_joke.yaml",
            "  cassettes/test_app/test_twice.yaml",
            "wrote 1 golden transcript:",
            "  cassettes/test_app/test_joke.transcript.yaml",
        ]
    )
    assert "replayed" not in result.stdout.str()


def test_replay_summary_lists_unplayed_interactions(project: pytest.Pytester) -> None:
    result = project.runpytest()
    result.assert_outcomes(passed=2, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "*- streamtest -*",
            "replayed 2 cassettes",
            "interactions never replayed, in 1 cassette:",
            "  cassettes/test_app/test_twice.yaml: #2",
        ]
    )
    assert "recorded and wrote" not in result.stdout.str() and "golden" not in result.stdout.str()

    # Under xdist the workers' notes reach the controller in the test reports.
    distributed = project.runpytest_subprocess("-p", "xdist", "-n", "2")
    distributed.assert_outcomes(passed=2, warnings=1)
    distributed.stdout.fnmatch_lines(["replayed 2 cassettes", "interactions never replayed, in 1 cassette:", "  cassettes/test_app/test_twice.yaml: #2"])


def test_a_run_without_streamtest_tests_prints_no_section(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    assert "- streamtest -" not in result.stdout.str()


def _age(project: pytest.Pytester, name: str, stamp: str | None) -> None:
    path = project.path / "cassettes" / "test_app" / name
    text = path.read_text()
    assert re.search(r"^recorded_at: '.+'$", text, re.M)
    replacement = f"recorded_at: '{stamp}'" if stamp else ""
    path.write_text(re.sub(r"^recorded_at: '.+'\n", replacement + ("\n" if stamp else ""), text, flags=re.M))


def test_expired_cassettes_warn_or_fail_and_undated_ones_are_listed(project: pytest.Pytester) -> None:
    _age(project, "test_joke.yaml", "2025-01-01T00:00:00Z")
    _age(project, "test_twice.yaml", None)  # as vcrpy, or streamtest before recorded_at, leaves it
    assert project.runpytest().ret == 0  # no max age set: nothing is checked

    warned = project.runpytest("-o", "streamtest_max_age=30d")
    warned.assert_outcomes(passed=2, warnings=2)
    warned.stdout.fnmatch_lines(
        [
            "*CassetteExpiredWarning: *test_joke.yaml: recorded * days ago (2025-01-01T00:00:00Z), more than "
            "streamtest_max_age = 30d. Re-record it with `pytest --record test_app.py::test_joke`.",
            "1 cassette older than streamtest_max_age; re-record with `pytest --record`:",
            "  cassettes/test_app/test_joke.yaml (* days)",
            "1 cassette with no recorded_at, so of unknown age (re-record to date them):",
            "  cassettes/test_app/test_twice.yaml",
        ]
    )
    failed = project.runpytest("-o", "streamtest_max_age=30d", "-o", "streamtest_on_expiry=fail")
    failed.assert_outcomes(passed=1, errors=1)
    failed.stdout.fnmatch_lines(["*CassetteExpiredError: *test_joke.yaml: recorded * days ago*"])
    assert project.runpytest("-o", "streamtest_max_age=9999d", "-o", "streamtest_on_expiry=fail").ret == 0


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("streamtest_max_age=30", "*streamtest_max_age = '30': expected a positive number and a unit: s, m, h, d or w (e.g. 30d)*"),
        ("streamtest_on_expiry=never", "*streamtest_on_expiry = 'never': expected 'warn' or 'fail'*"),
    ],
)
def test_bad_expiry_settings_stop_the_run_at_once(pytester: pytest.Pytester, option: str, message: str) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")
    result = pytester.runpytest("-o", option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_unused_cassettes_and_interactions_fail_the_run(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = project.path / "cassettes" / "test_app"
    (folder / "test_removed_long_ago.yaml").write_text((folder / "test_joke.yaml").read_text())
    plain = project.runpytest()
    assert plain.ret == 0  # unused cassettes are only looked for when asked
    result = project.runpytest("--streamtest-unused")
    result.assert_outcomes(passed=2, warnings=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "--streamtest-unused: 2 findings:",
            "  cassettes/test_app/test_removed_long_ago.yaml: no collected test uses this cassette",
            "  cassettes/test_app/test_twice.yaml: no test played interaction(s) #2",
        ]
    )
    (folder / "test_removed_long_ago.yaml").unlink()
    monkeypatch.setenv("TWICE", "1")
    clean = project.runpytest("--streamtest-unused")
    assert clean.ret == 0 and "--streamtest-unused" not in clean.stdout.str()


CONFIGURED = '''
import os

import openai
import pytest


def ask(prompt):
    client = openai.OpenAI(base_url=os.environ["EDGE_URL"] + "/v1", max_retries=0)
    stream = client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}], stream=True)
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


@pytest.fixture
def streamtest_config():
    return {"cassette": "answers"}


@pytest.mark.streamtest
def test_from_the_fixture():
    assert ask("one") == "Why was"


@pytest.mark.streamtest(cassette="other")
def test_from_the_marker():
    assert ask("two") == "Why was"
'''


def test_unused_counts_the_cassette_the_streamtest_config_fixture_names(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """README's way to choose a cassette per module: the fixture, not the marker; the cassette is used all the same."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-summary0123456789abcdefghijkl")
    pytester.makepyfile(test_app=CONFIGURED)
    with edge_server({"/v1/chat/completions": Route(chunks=chat_chunks(["Why", " was"]))}) as server:
        monkeypatch.setenv("EDGE_URL", server.url)
        pytester.runpytest("--record").assert_outcomes(passed=2)
    assert sorted(p.name for p in (pytester.path / "cassettes").iterdir()) == ["answers.yaml", "other.yaml"]
    result = pytester.runpytest("--streamtest-unused")
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert "no collected test uses" not in result.stdout.str()
    (pytester.path / "cassettes" / "stale.yaml").write_text((pytester.path / "cassettes" / "answers.yaml").read_text())
    stale = pytester.runpytest("--streamtest-unused", "-k", "test_from_the_fixture")  # its folder comes from the fixture alone
    assert stale.ret == pytest.ExitCode.TESTS_FAILED
    stale.stdout.fnmatch_lines(["  cassettes/stale.yaml: no collected test uses this cassette"])
    assert "answers.yaml: no collected" not in stale.stdout.str()


def test_unused_needs_one_process(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")
    result = pytester.runpytest("--streamtest-unused", "-p", "xdist", "-n", "2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--streamtest-unused needs every test in one process: run it without -n*"])
