"""``--record=verify``: a live stream is compared with its recording by shape, never by text.

Shapes are unit-tested on recorded and edited streams; the mode itself runs
against the edge server (a drift on demand) and, as a user runs it, against the
local llama.cpp server through pytest (a local-server cassette verifies clean;
an edited event shape fails with a diff).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import openai
import pytest

from streamtest import StreamDriftError, use_cassette
from streamtest._cassette.format import load_path
from streamtest._cassette.interaction import Interaction, interactions_of
from streamtest._replay.verify import describe_drift, shape_lines
from streamtest._wire.base import Frame
from streamtest._wire.openai_chat import OPENAI_CHAT
from streamtest._wire.shape import event_type, key_paths, stream_shape
from tests.edge_server import Route, chat_chunks, edge_server

FIXTURES = Path(__file__).parent.parent / "fixtures"
PROMPT = [{"role": "user", "content": "Write a joke about cats"}]


def seed() -> Interaction:
    return interactions_of(*load_path(FIXTURES / "seed_messages.yaml"))[0]


def edited(interaction: Interaction, edit: Any) -> Interaction:
    """``interaction`` with ``edit(payload)`` applied to every JSON event."""
    chunks = []
    for chunk in interaction.chunks:
        text = chunk.decode()
        if text.startswith("data: {"):
            payload = json.loads(text[6:].strip())
            edit(payload)
            text = "data: " + json.dumps(payload, separators=(",", ":")) + "\n\n"
        chunks.append(text.encode())
    return Interaction(**{**interaction.__dict__, "chunks": tuple(chunks)})


# ---------------------------------------------------------------------- shapes


def test_a_chat_stream_shape() -> None:
    shape = stream_shape(seed().frames, seed().reading)
    assert [kind for kind, _ in shape.events] == ["chat.completion.chunk", "[DONE]"]
    paths = dict(shape.events)["chat.completion.chunk"]
    assert {"choices[].delta.content", "choices[].delta.role", "choices[].finish_reason", "usage.total_tokens"} <= set(paths)
    assert shape.usage and shape.finish_reason == "stop" and shape.tool_calls == () and shape.errors == 0  # the joke stops


def test_other_text_is_the_same_shape() -> None:
    def reword(payload: dict[str, Any]) -> None:
        for choice in payload["choices"]:
            if choice["delta"].get("content"):
                choice["delta"]["content"] = choice["delta"]["content"].upper() + "!"
        payload["id"] = "chatcmpl-other"
        payload["created"] += 1000

    assert shape_lines(edited(seed(), reword)) == shape_lines(seed())


@pytest.mark.parametrize(
    ("edit", "removed", "added"),
    [
        (lambda p: p.update(system_fingerprint_v2=p.pop("system_fingerprint")), "  system_fingerprint", "  system_fingerprint_v2"),
        (lambda p: p.pop("usage", None), "usage: reported", "usage: none"),
        (
            lambda p: [c.update(finish_reason="length") for c in p["choices"] if c["finish_reason"]],
            "finish reason: stop",
            "finish reason: length",
        ),
        (lambda p: p.update(object="chat.completion.delta"), "event chat.completion.chunk", "event chat.completion.delta"),
    ],
    ids=["renamed key", "no usage", "finish reason", "event type"],
)
def test_a_shape_difference_shows_in_a_diff(edit: Any, removed: str, added: str) -> None:
    report = describe_drift([(1, seed(), edited(seed(), edit))], cassette="c.yaml", rerecord="pytest --record t.py::t")
    assert report is not None
    lines = report.splitlines()
    assert f"    -{removed}" in lines and f"    +{added}" in lines, report
    assert lines[0] == "the live stream's shape differs from the recording in c.yaml:"
    assert lines[1].startswith("  interaction 1 (POST /v1/chat/completions, model 'gpt-4o-mini', prompt 'Write a joke about cats'")
    assert lines[-1] == "  If the new shape is what your code should handle, re-record with: pytest --record t.py::t"


def test_event_types_keep_the_order_they_first_appeared_in() -> None:
    frames = [Frame(None, '{"object":"a"}'), Frame("b", "{}"), Frame(None, '{"object":"a","x":1}'), Frame(None, "[DONE]")]
    assert [kind for kind, _ in stream_shape(frames, OPENAI_CHAT.read(frames)).events] == ["a", "b", "[DONE]"]
    assert event_type(Frame(None, "x" * 100), None) == "text"
    assert list(key_paths({"a": [{"b": 1}, {"c": {"d": 2}}], "e": []})) == ["a", "a[].b", "a[].c", "a[].c.d", "e"]


def test_tool_call_structure_is_names_and_argument_keys() -> None:
    def call(index: int, **fields: Any) -> Frame:
        return Frame(None, json.dumps({"object": "chunk", "choices": [{"index": 0, "delta": {"tool_calls": [{"index": index, **fields}]}}]}))

    frames = [
        call(0, id="call_1", function={"name": "weather", "arguments": ""}),
        call(0, function={"arguments": '{"city": "Paris", '}),
        call(0, function={"arguments": '"unit": "C"}'}),
    ]
    assert stream_shape(frames, OPENAI_CHAT.read(frames)).tool_calls == ("weather(city, unit)",)


# ---------------------------------------------------------------------- the mode, against the edge server


def _ask(base: str) -> list[str]:
    sdk = openai.OpenAI(base_url=base + "/v1", api_key="sk-test-0123456789abcdef", max_retries=0)
    return [c.choices[0].delta.content for c in sdk.chat.completions.create(model="m", messages=PROMPT, stream=True) if c.choices and c.choices[0].delta.content]


def _with_reasoning(chunks: list[bytes]) -> list[bytes]:
    """The same stream from a server that now also sends ``delta.reasoning_content``."""
    return [c.replace(b'"delta":{"content"', b'"delta":{"reasoning_content":"hm","content"') for c in chunks]


def test_verify_answers_from_the_cassette_and_ignores_other_text(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    with edge_server({"/v1/chat/completions": Route(chunks=chat_chunks(["Why", " was"]))}) as server:
        with use_cassette(path, record="all"):
            _ask(server.url)
    with edge_server({"/v1/chat/completions": Route(chunks=chat_chunks(["Something", " else", " entirely"]))}) as server:
        with use_cassette(path, record="verify") as cassette:
            assert _ask(server.url) == ["Why", " was"]  # the app gets the recording
        assert len(server.connections) == 1  # and the request went live too
    assert cassette.verifying


@pytest.mark.asyncio
async def test_verify_fails_on_a_changed_shape_sync_and_async(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    with edge_server({"/v1/chat/completions": Route(chunks=chat_chunks(["Why", " was"]))}) as server:
        with use_cassette(path, record="all"):
            _ask(server.url)
    drifted = Route(chunks=_with_reasoning(chat_chunks(["Why", " was"])))
    with edge_server({"/v1/chat/completions": drifted}) as server:
        with pytest.raises(StreamDriftError) as sync_error, use_cassette(path, record="verify"):
            _ask(server.url)
        with pytest.raises(StreamDriftError) as async_error, use_cassette(path, record="verify"):
            sdk = openai.AsyncOpenAI(base_url=server.url + "/v1", api_key="sk-test-0123456789abcdef", max_retries=0)
            async for _ in await sdk.chat.completions.create(model="m", messages=PROMPT, stream=True):
                pass
    for error in (sync_error, async_error):
        assert "    +  choices[].delta.reasoning_content" in str(error.value).splitlines()


def test_verify_reports_a_live_error_status_and_a_broken_stream(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    with edge_server({"/v1/chat/completions": Route(chunks=chat_chunks(["Why", " was"]))}) as server:
        with use_cassette(path, record="all"):
            _ask(server.url)
    limited = Route(status=429, headers=[("content-type", "application/json")], chunks=[b'{"error":{"message":"slow down"}}'])
    with edge_server({"/v1/chat/completions": limited}) as server:
        with pytest.raises(StreamDriftError, match=r"(?s)\n    -status: 200\n.*\n    \+status: 429\n"), use_cassette(path, record="verify"):
            _ask(server.url)
    broken = Route(chunks=chat_chunks(["Why", " was"]), break_after=2)
    with edge_server({"/v1/chat/completions": broken}) as server:
        with pytest.raises(StreamDriftError, match=r"\+stream break: RemoteProtocolError"), use_cassette(path, record="verify"):
            assert _ask(server.url) == ["Why", " was"]  # the live break does not reach the app


# ---------------------------------------------------------------------- as a user runs it, against the local server

APP = '''
import openai
import pytest

# api.openai.com, as in production: --llm-server=local routes it to the embedded server.
client = openai.OpenAI(max_retries=0)


@pytest.mark.streamtest
def test_joke(cassette):
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Write a joke about cats"}],
        stream=True, max_tokens=8, temperature=0, stream_options={"include_usage": True},
    )
    tokens = [c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta.content]
    assert tokens == cassette.interactions[0].tokens
'''


def test_record_verify_against_the_local_server(pytester: pytest.Pytester, llm_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    # The session's server (pytester's HOME would be another model cache, hence another server):
    # the variable through which xdist workers share the controller's server.
    monkeypatch.setenv("STREAMTEST_LOCAL_SERVER_URL", llm_server)
    pytester.makepyfile(test_app=APP)
    pytester.runpytest("--record", "--llm-server=local").assert_outcomes(passed=1)
    path = pytester.path / "cassettes" / "test_app" / "test_joke.yaml"
    recorded = path.read_text()

    clean = pytester.runpytest("--record=verify", "--llm-server=local")
    clean.assert_outcomes(passed=1)
    clean.stdout.fnmatch_lines(["streamtest: replaying cassettes, and verifying their stream shapes against the local llama.cpp server at http://127.0.0.1:*"])
    assert path.read_text() == recorded  # verifying writes nothing

    # Other text (a hand edit, or a provider that answers differently): still the same shape.
    path.write_text(re.sub(r'"content":"[^"]+"', '"content":"meow"', recorded))
    pytester.runpytest("--record=verify", "--llm-server=local").assert_outcomes(passed=1)

    # An event shape edited: a key renamed in every chunk. Replay still passes; verify fails, with the diff.
    path.write_text(recorded.replace('"system_fingerprint":', '"fingerprint":'))
    pytester.runpytest().assert_outcomes(passed=1)
    drift = pytester.runpytest("--record=verify", "--llm-server=local")
    drift.assert_outcomes(failed=1)
    drift.stdout.fnmatch_lines(
        [
            "*StreamDriftError: the live stream's shape differs from the recording in *test_joke.yaml:",
            "*  interaction 1 (POST /v1/chat/completions, model 'gpt-4o-mini', prompt 'Write a joke about cats'):",
            "*    --- recorded",
            "*    +++ live",
            "*    -  fingerprint",
            "*    +  system_fingerprint",
            "*re-record with: pytest --record test_app.py::test_joke",
        ]
    )


GOLDEN_APP = '''
import os
from typing import TypedDict

import openai
import pytest
from langgraph.graph import START, StateGraph

from streamtest import capture


def ask(prompt):
    client = openai.OpenAI(base_url=os.environ["EDGE_URL"] + "/v1", max_retries=0)
    stream = client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}], stream=True)
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


class State(TypedDict):
    joke: str


graph = StateGraph(State).add_node("write", lambda state: {"joke": ask("Write a joke")}).add_edge(START, "write").compile()


@pytest.mark.streamtest
def test_joke(golden_transcript):
    golden_transcript.check(capture(graph, {"joke": ""}, stream_mode="updates"))
'''


def test_verify_compares_golden_transcripts_and_writes_none(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """README's agent test (marker + golden_transcript) under --record=verify: the golden is compared, never written."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-verify0123456789abcdefghijkl")
    pytester.makepyfile(test_app=GOLDEN_APP)
    golden = pytester.path / "cassettes" / "test_app" / "test_joke.transcript.yaml"
    with edge_server({"/v1/chat/completions": Route(chunks=chat_chunks(["Why", " was"]))}) as server:
        monkeypatch.setenv("EDGE_URL", server.url)
        pytester.runpytest("--record").assert_outcomes(passed=1)
        written = golden.read_text()
        pytester.runpytest("--record=verify").assert_outcomes(passed=1)
        assert len(server.connections) == 2  # verified live
        assert golden.read_text() == written

        golden.write_text(written.replace("Why was", "Why is"))
        failed = pytester.runpytest("--record=verify")
        failed.assert_outcomes(failed=1)
        failed.stdout.fnmatch_lines(["*the normalized transcript differs from*test_joke.transcript.yaml*"])
        assert "Why is" in golden.read_text()  # compared, not rewritten

        golden.unlink()
        missing = pytester.runpytest("--record=verify")
        missing.assert_outcomes(failed=1)
        missing.stdout.fnmatch_lines(["*no golden transcript recorded for this test*--record=missing test_app.py::test_joke*"])
        assert not golden.exists()
