"""A pytest-recording project moves to streamtest: swap the marker, keep the cassettes, pass.

The project's cassettes are recorded by vcrpy itself (pytest-recording 0.14,
``--record-mode=once``) through the real openai SDK against the edge server:
YAML (plain, and a gzip body kept as ``!!binary``) and JSON
(``serializer: json``, which pytest-recording names ``<test>.json``). Then the
marker becomes ``@pytest.mark.streamtest`` and nothing else changes: the same
tests pass offline, the SDK receives the stream one SSE event per chunk (vcrpy
hands it one chunk for the whole body), and ``pytest --record`` rewrites the
cassettes in streamtest's format.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from streamtest._cassette.format import load_path
from tests.edge_server import Route, chat_chunks, edge_server

TOKENS = ["Why", " was", " the", " cat"]
KEY = "sk-migrate0123456789abcdefghijklmn"

APP = '''
import os

import openai


def joke_tokens(prompt, prefix=""):
    client = openai.OpenAI(base_url=os.environ["EDGE_URL"] + prefix + "/v1", max_retries=0)
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}], stream=True
    )
    return [c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta.content]
'''

TEST_YAML = '''
import pytest
from app import joke_tokens


@pytest.mark.vcr
def test_joke():
    assert joke_tokens("Write a joke about cats") == ["Why", " was", " the", " cat"]


@pytest.mark.vcr
def test_gzip_joke():
    assert joke_tokens("Write a gzip joke", "/gzip") == ["Why", " was", " the", " cat"]


class TestTopics:
    @pytest.mark.vcr
    @pytest.mark.parametrize("topic", ["cats", "big dogs"])
    def test_topic(self, topic):
        assert joke_tokens("Write a joke about " + topic) == ["Why", " was", " the", " cat"]
'''

TEST_JSON = '''
import pytest
from app import joke_tokens


@pytest.fixture(scope="module")
def vcr_config():
    return {"serializer": "json", "decode_compressed_response": True}


@pytest.mark.vcr
def test_joke():
    assert joke_tokens("Write a JSON joke") == ["Why", " was", " the", " cat"]


@pytest.mark.vcr
def test_gzip_joke():
    assert joke_tokens("Write a gzip JSON joke", "/gzip") == ["Why", " was", " the", " cat"]
'''


@pytest.fixture
def chunks_read(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[bytes]]]:
    """Every response body as the SDK read it, chunk by chunk (pytester runs in this process)."""
    reads: list[list[bytes]] = []
    original = httpx2.Response.iter_bytes

    def iter_bytes(self: httpx2.Response, chunk_size: int | None = None) -> Iterator[bytes]:
        seen: list[bytes] = []
        reads.append(seen)
        for chunk in original(self, chunk_size):
            seen.append(chunk)
            yield chunk

    monkeypatch.setattr(httpx2.Response, "iter_bytes", iter_bytes)
    yield reads


def _routes() -> dict[str, Route]:
    chunks = chat_chunks(TOKENS)
    return {
        "/v1/chat/completions": Route(chunks=chunks),
        "/gzip/v1/chat/completions": Route(chunks=chunks, gzip_body=True),
    }


def test_a_pytest_recording_project_switches_its_marker_and_passes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, chunks_read: list[list[bytes]]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    pytester.makepyfile(app=APP, test_pr_yaml=TEST_YAML, test_pr_json=TEST_JSON)
    pytester.syspathinsert()
    cassettes = pytester.path / "cassettes"

    # 1. The project as it is: pytest-recording records with vcrpy, then replays offline.
    with edge_server(_routes()) as server:
        monkeypatch.setenv("EDGE_URL", server.url)
        pytester.runpytest("-p", "no:streamtest", "--record-mode=once").assert_outcomes(passed=6)
    vcrpy_files = sorted(str(p.relative_to(cassettes)) for p in cassettes.rglob("*.*"))
    assert vcrpy_files == [
        "test_pr_json/test_gzip_joke.json",
        "test_pr_json/test_joke.json",
        "test_pr_yaml/TestTopics.test_topic[big dogs].yaml",
        "test_pr_yaml/TestTopics.test_topic[cats].yaml",
        "test_pr_yaml/test_gzip_joke.yaml",
        "test_pr_yaml/test_joke.yaml",
    ]
    gzip_yaml = (cassettes / "test_pr_yaml" / "test_gzip_joke.yaml").read_text()
    assert "!!binary" in gzip_yaml and "content-encoding" in gzip_yaml  # the wire bytes, still compressed
    assert f"Bearer {KEY}" in (cassettes / "test_pr_json" / "test_joke.json").read_text()  # vcrpy filters nothing
    chunks_read.clear()
    pytester.runpytest("-p", "no:streamtest", "--block-network").assert_outcomes(passed=6)
    assert [len(chunks) for chunks in chunks_read] == [1] * 6  # vcrpy: the whole body as one chunk

    # 2. Swap the marker; nothing else changes. The server is gone.
    for name in ("test_pr_yaml.py", "test_pr_json.py"):
        path = pytester.path / name
        path.write_text(path.read_text().replace("@pytest.mark.vcr", "@pytest.mark.streamtest"))
    chunks_read.clear()
    result = pytester.runpytest()  # pytest-recording stays installed; it leaves unmarked tests alone
    result.assert_outcomes(passed=6)
    expected = chat_chunks(TOKENS)
    assert chunks_read == [expected] * 6  # one SSE event per chunk, exactly the bytes the server sent
    result.stdout.fnmatch_lines(
        [
            "*- streamtest -*",
            "replayed 6 cassettes",
            "  6 cassettes written by another tool (no timing known); convert with `streamtest import PATH`*",
            "    cassettes/test_pr_json/test_gzip_joke.json (vcrpy-json)",
            "    cassettes/test_pr_yaml/TestTopics.test_topic[big dogs].yaml (vcrpy)",
        ]
    )

    # 3. Re-record: streamtest's format under streamtest's names; pytest-recording's files go.
    with edge_server(_routes()) as server:
        monkeypatch.setenv("EDGE_URL", server.url)
        recorded = pytester.runpytest("--record")
    recorded.assert_outcomes(passed=6)
    recorded.stdout.fnmatch_lines(
        [
            "recorded and wrote 6 cassettes:",
            "  cassettes/test_pr_json/test_gzip_joke.yaml (replaces cassettes/test_pr_json/test_gzip_joke.json)",
            "  cassettes/test_pr_json/test_joke.yaml (replaces cassettes/test_pr_json/test_joke.json)",
            "  cassettes/test_pr_yaml/TestTopics.test_topic[big_dogs].yaml (replaces cassettes/test_pr_yaml/TestTopics.test_topic[big dogs].yaml)",
        ]
    )
    streamtest_files = sorted(str(p.relative_to(cassettes)) for p in cassettes.rglob("*.*"))
    assert streamtest_files == [
        "test_pr_json/test_gzip_joke.yaml",
        "test_pr_json/test_joke.yaml",
        "test_pr_yaml/TestTopics.test_topic[big_dogs].yaml",
        "test_pr_yaml/TestTopics.test_topic[cats].yaml",
        "test_pr_yaml/test_gzip_joke.yaml",
        "test_pr_yaml/test_joke.yaml",
    ]
    for path in cassettes.rglob("*.yaml"):
        text = path.read_text()
        assert text.startswith("streamtest_format: 1\nrecorded_at: ") and KEY not in text
        response = load_path(path)[1][0]
        assert response["chunks"] == chat_chunks(TOKENS)
        # Timed now, the gzip-encoded streams too (decoded as they arrive).
        assert response["offsets"] is not None and len(response["offsets"]) == len(response["chunks"])
    chunks_read.clear()
    pytester.runpytest().assert_outcomes(passed=6)
    assert chunks_read == [expected] * 6


def test_a_foreign_cassette_is_scrubbed_in_memory(tmp_path: Path) -> None:
    """What a vcrpy cassette kept (a key, a cookie) is not carried into the replay."""
    from streamtest import use_cassette

    path = tmp_path / "vcrpy.json"
    body = b"".join(chat_chunks(["Hi"])).decode()
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "interactions": [
                    {
                        "request": {
                            "method": "POST",
                            "uri": "https://api.openai.com/v1/chat/completions?api_key=k",
                            "body": '{"model": "m", "stream": true}',
                            "headers": {"Authorization": [f"Bearer {KEY}"], "Content-Type": ["application/json"]},
                        },
                        "response": {
                            "status": {"code": 200, "message": "OK"},
                            "headers": {"Content-Type": ["text/event-stream"], "Set-Cookie": ["s=1"], "openai-organization": ["org-x"]},
                            "body": {"string": body},
                        },
                    }
                ],
            },
            indent=4,
        )
    )
    requests, responses = load_path(path)
    assert dict(requests[0].headers) == {"Content-Type": "application/json"}
    assert requests[0].uri == "https://api.openai.com/v1/chat/completions"
    assert responses[0]["headers"] == {"content-type": ["text/event-stream"]}
    with use_cassette(path, unplayed="warn") as cassette:
        assert cassette.interactions[0].tokens == ["Hi"] and cassette.interactions[0].offsets is None
