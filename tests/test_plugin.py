"""The plugin as a user meets it: marker, paths, --record modes, errors, secrets, xdist.

Each test writes a small project with pytester and runs pytest on it. The inner
tests talk to the edge server through the real openai SDK; its URL reaches them
through the environment (pytester runs in-process and shares it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from streamtest._cassette.format import load_path
from tests.edge_server import EdgeServer, Route, chat_chunks, edge_server

APP = """
import os
import openai
import pytest

def ask(prompt, **headers):
    client = openai.OpenAI(base_url=os.environ["EDGE_URL"] + "/v1", max_retries=0, default_headers=headers or None)
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=[{{"role": "user", "content": prompt}}], stream=True)
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)

{tests}
"""

JOKE_TEST = """
@pytest.mark.streamtest
def test_joke(cassette):
    assert ask("{prompt}") == "Why was the cat"
    assert cassette.interactions[0].tokens == ["Why", " was", " the", " cat"]
"""

SECRET = "sk-planted0123456789abcdefghijklmnop"


@pytest.fixture
def edge(monkeypatch: pytest.MonkeyPatch) -> Iterator[EdgeServer]:
    with edge_server({"/v1/chat/completions": Route(chunks=chat_chunks(["Why", " was", " the", " cat"]))}) as server:
        monkeypatch.setenv("EDGE_URL", server.url)
        monkeypatch.setenv("OPENAI_API_KEY", SECRET)
        yield server


def _app(pytester: pytest.Pytester, tests: str = JOKE_TEST, prompt: str = "Write a joke about cats") -> None:
    pytester.makepyfile(test_app=APP.format(tests=tests.format(prompt=prompt)))


def test_record_then_replay_offline(pytester: pytest.Pytester, edge: EdgeServer) -> None:
    _app(pytester)
    pytester.runpytest("--record").assert_outcomes(passed=1)
    cassette = pytester.path / "cassettes" / "test_app" / "test_joke.yaml"
    assert cassette.is_file()
    assert len(edge.connections) == 1
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    assert len(edge.connections) == 1  # the replay did not reach the server
    result.stdout.fnmatch_lines(["streamtest: replaying cassettes offline*"])


def test_missing_cassette_says_how_to_record(pytester: pytest.Pytester, edge: EdgeServer) -> None:
    _app(pytester)
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*CassetteNotFoundError*cassettes/test_app/test_joke.yaml: no cassette recorded for this test. Record it with `pytest --record=missing test_app.py::test_joke`*"]
    )
    assert edge.connections == []


def test_changed_prompt_fails_with_a_diff_and_the_command(pytester: pytest.Pytester, edge: EdgeServer) -> None:
    _app(pytester)
    pytester.runpytest("--record").assert_outcomes(passed=1)
    _app(pytester, prompt="Write a joke about dogs")
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*ReplayMismatchError: no recorded response matches POST /v1/chat/completions",
            "*-      \"content\": \"Write a joke about cats\",",
            "*+      \"content\": \"Write a joke about dogs\",",
            "*Re-record with: pytest --record test_app.py::test_joke",
        ]
    )
    assert len(edge.connections) == 1


def test_record_missing_records_only_absent_cassettes(pytester: pytest.Pytester, edge: EdgeServer) -> None:
    tests = JOKE_TEST + JOKE_TEST.replace("test_joke", "test_other")
    _app(pytester, tests)
    pytester.runpytest("--record", "-k", "test_joke").assert_outcomes(passed=1)
    first = pytester.path / "cassettes" / "test_app" / "test_joke.yaml"
    before = first.stat().st_mtime_ns
    pytester.runpytest("--record=missing").assert_outcomes(passed=2)
    assert first.stat().st_mtime_ns == before
    assert (pytester.path / "cassettes" / "test_app" / "test_other.yaml").is_file()
    assert len(edge.connections) == 2


def test_record_takes_a_path_after_it(pytester: pytest.Pytester, edge: EdgeServer) -> None:
    _app(pytester)
    pytester.runpytest("--record", "test_app.py").assert_outcomes(passed=1)
    assert (pytester.path / "cassettes" / "test_app" / "test_joke.yaml").is_file()


def test_rerecording_starts_from_scratch(pytester: pytest.Pytester, edge: EdgeServer) -> None:
    _app(pytester, JOKE_TEST.replace('assert ask("{prompt}")', 'ask("other"); assert ask("{prompt}")').replace("interactions[0]", "interactions[1]"))
    pytester.runpytest("--record").assert_outcomes(passed=1)
    _app(pytester)
    pytester.runpytest("--record").assert_outcomes(passed=1)
    assert len(load_path(pytester.path / "cassettes" / "test_app" / "test_joke.yaml")[0]) == 1


def test_parametrized_ids_marker_names_and_cassette_dir(pytester: pytest.Pytester, edge: EdgeServer) -> None:
    pytester.makeini("[pytest]\nstreamtest_cassette_dir = recorded\n")
    tests = """
pytestmark = pytest.mark.streamtest

@pytest.mark.parametrize("topic", ["cats/dogs", "émoji 🐈"])
def test_topics(topic):
    assert ask(topic)

@pytest.mark.streamtest(cassette="shared/joke")
def test_named():
    assert ask("x")
"""
    _app(pytester, tests)
    pytester.runpytest("--record").assert_outcomes(passed=3)
    names = sorted(str(p.relative_to(pytester.path)) for p in (pytester.path / "recorded").rglob("*.yaml"))
    # pytest itself escapes non-ASCII ids (\xe9...); streamtest makes the rest file-safe.
    assert names == ["recorded/shared/joke.yaml", "recorded/test_app/test_topics[_xe9moji_U0001f408].yaml", "recorded/test_app/test_topics[cats_dogs].yaml"]
    pytester.runpytest().assert_outcomes(passed=3)


def test_a_failing_test_writes_nothing(pytester: pytest.Pytester, edge: EdgeServer) -> None:
    _app(pytester, JOKE_TEST.replace("== \"Why was the cat\"", "== \"something else\""))
    pytester.runpytest("--record").assert_outcomes(failed=1)
    assert not (pytester.path / "cassettes").exists()


def test_unplayed_interactions_fail_or_warn(pytester: pytest.Pytester, edge: EdgeServer) -> None:
    tests = """
@pytest.mark.streamtest
def test_calls(request):
    ask("one")
    if request.config.getoption("streamtest_record"):
        ask("two")
"""
    _app(pytester, tests)
    pytester.runpytest("--record").assert_outcomes(passed=1)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*UnplayedInteractionsError: 1 of 2 recorded interaction(s)*#2*fewer LLM calls*"])
    pytester.makeini("[pytest]\nstreamtest_unplayed = warn\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*/test_app.py:11: UnplayedInteractionsWarning: 1 of 2 recorded interaction(s)*never replayed*"])


def test_unmarked_tests_are_untouched(pytester: pytest.Pytester, edge: EdgeServer) -> None:
    _app(pytester, "def test_live():\n    assert ask('hi') == 'Why was the cat'\n")
    pytester.runpytest().assert_outcomes(passed=1)
    assert len(edge.connections) == 1
    assert not (pytester.path / "cassettes").exists()


def test_pytester_projects_set_the_asyncio_loop_scope(pytester: pytest.Pytester) -> None:
    """tests/conftest.py's pytester sets it, so pytest-asyncio's deprecation warning does not bury real ones."""
    import warnings

    pytester.makepyfile("def test_x(): pass")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pytester.runpytest().assert_outcomes(passed=1)
    assert [str(w.message) for w in caught if "asyncio_default_fixture_loop_scope" in str(w.message)] == []


def test_plugin_can_be_disabled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("-p", "no:streamtest", "--record")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unrecognized arguments: --record*"])


def test_bad_marker_arguments_are_usage_errors(pytester: pytest.Pytester, edge: EdgeServer) -> None:
    _app(pytester, "@pytest.mark.streamtest(casette='x')\ndef test_x():\n    pass\n")
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*UsageError: streamtest marker: unknown key(s) [[]'casette'[]]*"])


def test_planted_secrets_never_reach_the_cassette(pytester: pytest.Pytester, edge: EdgeServer) -> None:
    tests = """
@pytest.mark.streamtest
def test_joke():
    assert ask("Write a joke", **dict([("x-api-key", "planted-header-secret-1"), ("OpenAI-Organization", "org-planted")]))
"""
    _app(pytester, tests)
    pytester.runpytest("--record").assert_outcomes(passed=1)
    text = (pytester.path / "cassettes" / "test_app" / "test_joke.yaml").read_text()
    for planted in (SECRET, "planted-header-secret-1", "org-planted", "abcdef0123456789", "req_123", "authorization", "set-cookie"):
        assert planted not in text.lower()
    # The server did receive the credentials: they were scrubbed, not never sent.
    assert edge.connections


def test_leak_guard_refuses_to_write_a_secret_in_a_prompt(pytester: pytest.Pytester, edge: EdgeServer) -> None:
    _app(pytester, JOKE_TEST.replace('ask("{prompt}") == "Why was the cat"', f'ask("my key is {SECRET}")'))
    result = pytester.runpytest("--record")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*SecretLeakError: refused to write*test_joke.yaml: it would hold a credential. Nothing was written.",
            "*test_joke.yaml: the value of $OPENAI_API_KEY in request 1*",
            "*Found in a request (what your code sent):*keep the value out of the prompt.",
        ]
    )
    assert SECRET not in result.stdout.str()
    assert not (pytester.path / "cassettes").exists()


def test_recording_under_xdist_writes_intact_cassettes(pytester: pytest.Pytester, edge: EdgeServer) -> None:
    tests = "\n".join(JOKE_TEST.replace("test_joke", f"test_joke_{i}") for i in range(8))
    _app(pytester, tests)
    result = pytester.runpytest_subprocess("--record", "-n", "4", "-p", "xdist")
    result.assert_outcomes(passed=8)
    cassettes = sorted((pytester.path / "cassettes" / "test_app").glob("*.yaml"))
    assert len(cassettes) == 8
    for path in cassettes:
        requests, responses = load_path(path)
        assert len(requests) == 1 and responses[0]["chunks"][-1] == b"data: [DONE]\n\n"
    assert not list(pytester.path.rglob("*.tmp"))
    pytester.runpytest_subprocess("-n", "4", "-p", "xdist").assert_outcomes(passed=8)


def test_dummy_key_lets_import_time_clients_exist(pytester: pytest.Pytester, edge: EdgeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    _app(pytester)
    os.environ["OPENAI_API_KEY"] = SECRET
    pytester.runpytest("--record").assert_outcomes(passed=1)
    del os.environ["OPENAI_API_KEY"]
    pytester.makeconftest("import openai\nclient = openai.OpenAI()\n")
    pytester.runpytest().assert_outcomes(passed=1)
    assert "OPENAI_API_KEY" not in os.environ


def test_recording_without_a_key_says_what_to_do(pytester: pytest.Pytester, edge: EdgeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    _app(pytester)
    result = pytester.runpytest("--record")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*UsageError: recording POST http://127.0.0.1:*/v1/chat/completions needs a real API key*--llm-server=local*"])
    assert edge.connections == []
    assert not (pytester.path / "cassettes").exists()


def test_help_lists_options_and_ini_keys(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--record=[[]MODE[]]*", "*'verify'*", "*--llm-server={local}*", "*--replay-pace=PACE*", "*streamtest_cassette_dir*", "*streamtest_replay_pace*"])
    pytester.runpytest("--markers").stdout.fnmatch_lines(["@pytest.mark.streamtest(cassette=None, unplayed=None, replay_pace=None, faults=None)*"])


def test_cassette_path_is_beside_the_test_file(pytester: pytest.Pytester, edge: EdgeServer) -> None:
    sub = pytester.mkpydir("pkg")
    (sub / "test_deep.py").write_text(APP.format(tests=JOKE_TEST.format(prompt="Write a joke about cats")))
    pytester.runpytest("--record").assert_outcomes(passed=1)
    assert (Path(sub) / "cassettes" / "test_deep" / "test_joke.yaml").is_file()


def test_ini_keys_extend_the_scrub_and_the_guard(pytester: pytest.Pytester, edge: EdgeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_PASS", "not-secret-9")
    pytester.makeini(
        "[pytest]\n"
        "streamtest_scrub_fields = tenant_pin\n"
        "streamtest_drop_query_params = tenant\n"
        "streamtest_public_env = DB_PASS\n"
    )
    tests = """
import openai

@pytest.mark.streamtest
def test_ini():
    client = openai.OpenAI(base_url=os.environ["EDGE_URL"] + "/v1", max_retries=0, default_query={{"tenant": "acme-tenant-1", "v": "2"}})
    stream = client.chat.completions.create(model="m", messages=[{{"role": "user", "content": "value not-secret-9"}}], stream=True, extra_body={{"tenant_pin": "pin-planted-4321"}})
    assert list(stream)

@pytest.mark.streamtest(scrub_fields=["note"], public_env=[])
def test_marker():
    ask("value not-secret-9")
"""
    _app(pytester, tests)
    result = pytester.runpytest("--record")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_marker.yaml: the value of $DB_PASS in request 1*"])
    text = (pytester.path / "cassettes" / "test_app" / "test_ini.yaml").read_text()
    assert "tenant_pin: <scrubbed>" in text and "pin-planted-4321" not in text
    assert "acme-tenant-1" not in text and "?v=2" in text
    assert "not-secret-9" in text  # listed as public
    pytester.runpytest("-k", "test_ini").assert_outcomes(passed=1)
