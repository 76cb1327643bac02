"""No planted credential reaches any file a recording run writes, and a refused test writes nothing.

One pytest run records a small project through the real openai SDK, ChatOpenAI
and a compiled StateGraph against the edge server, with credentials planted
everywhere a user or a server can put them: headers, query parameters, JSON
body fields, a server echo, environment variables (by name and by URL
userinfo), key-shaped strings, and a graph's input (the golden transcript).
Then every file the run wrote is read back and searched for every planted value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.edge_server import EdgeServer, Route, chat_chunks, edge_server

OPENAI_KEY = "sk-planted0123456789abcdefghijklmnop"
GOOGLE_KEY = "AIzaSyD-planted-9tSrke72PouQMnMX-a7eZSW"

# Scrubbed by name, whatever they hold: not key-shaped, in no environment variable.
HEADERS = {name: f"hdr-{i}-planted-value" for i, name in enumerate(["X-Pass", "X-Api-Sig", "X-Client-Cert", "X-Private", "X-Hmac", "x-api-key", "x-goog-api-key", "anthropic-api-key", "x-amz-security-token"])}
QUERY = {name: f"qry-{i}-planted-value" for i, name in enumerate(["password", "secret", "x-api-key", "auth", "access_key", "session", "jwt", "X-Amz-Signature"])}
FIELDS = {name: f"fld-{i}-planted-value" for i, name in enumerate(["api_key", "password", "client_secret", "refresh_token", "access_token", "secret", "token"])}
ECHOES = {"api_key": "echo-1-planted-value", "access_token": "echo-2-planted-value"}
STATE_FIELD = "state-api-key-planted-value"

# Refused when they would be written: environment variables by name and URL userinfo, key shapes.
ENVIRONMENT = {
    "OPENAI_API_KEY": OPENAI_KEY,
    "GOOGLE_API_KEY": GOOGLE_KEY,
    "DB_PASS": "db-Pass-8812",
    "DATABASE_URL": "postgres://app:S3cretPw9@db.internal:5432/app",
    "SENTRY_DSN": "https://5f0c3a9b8d7e4f21a0b1c2d3e4f5a6b7@o12345.ingest.sentry.io/678",
    "SHORT_TOKEN": "tk9Q2xZ",
}
IN_PROMPT = {
    "db_pass": "db-Pass-8812",
    "database_url_password": "S3cretPw9",
    "sentry_dsn_key": "5f0c3a9b8d7e4f21a0b1c2d3e4f5a6b7",
    "short_token": "tk9Q2xZ",
    "stripe_sk_live": "sk_live_51HfQ2aKb3c4d5e6f7g8h9i0j",
    "stripe_rk_live": "rk_live_51HfQ2aKb3c4d5e6f7g8h9",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "aws_akia": "AKIAPLANTED0EXAMPLE7",
    "aws_asia": "ASIAPLANTED0EXAMPLE7",
    "github_ghp": "ghp_planted1234567890abcdefghijklmnopqr",
    "github_pat": "github_pat_11PLANTED0123456789_abcdefghijklmnopqrstuv",
    "slack": "xoxb-123456789012-plantedabcdef",
    "huggingface": "hf_plantedabcdefghijklmnopqrstuvwxyz",
    "anthropic": "sk-ant-api03-planted-abcdefghijklmnop",
    "openai_project": "sk-proj-planted-abcdefghijklmnop0123",
}
IN_USER_FIELD = "sk_live_51UserFieldPlanted00000000"  # a JSON field nobody would name a credential
ECHOED_BY_SERVER = "sk_live_51EchoedByTheServer0000000"

PROJECT = """
import os
import openai
import pytest
from typing import TypedDict
from langchain_openai import ChatOpenAI
from langgraph.graph import START, StateGraph
from streamtest import capture

HEADERS = {headers!r}
QUERY = {query!r}
FIELDS = {fields!r}
IN_PROMPT = {in_prompt!r}


def ask(prompt, base="/v1", **body):
    client = openai.OpenAI(base_url=os.environ["EDGE_URL"] + base, max_retries=0, default_headers=HEADERS, default_query=QUERY)
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=[{{"role": "user", "content": prompt}}], stream=True, **body)
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


class State(TypedDict, total=False):
    topic: str
    note: str
    api_key: str
    joke: str


def call_model(state):
    model = ChatOpenAI(model="gpt-4o-mini", base_url=os.environ["EDGE_URL"] + "/v1", max_retries=0, tags=["joke"])
    return {{"joke": model.invoke("Write a joke about " + state["topic"]).content}}


graph = StateGraph(State).add_node(call_model).add_edge(START, "call_model").compile()


@pytest.mark.streamtest
def test_scrubbed(golden_transcript):
    assert ask("Write a joke", base="/v1/echo", extra_body={{"metadata": dict(FIELDS), **FIELDS}}) == "Why was the cat"
    golden_transcript.check(capture(graph, {{"topic": "cats", "api_key": {state_field!r}}}))


@pytest.mark.streamtest
def test_golden_only(golden_transcript):
    # The key is in the graph's state, not in the prompt: the cassette alone would be clean.
    golden_transcript.check(capture(graph, {{"topic": "cats", "note": os.environ["GOOGLE_API_KEY"]}}))


@pytest.mark.streamtest
def test_prompt_and_golden(golden_transcript):
    golden_transcript.check(capture(graph, {{"topic": os.environ["GOOGLE_API_KEY"]}}))


@pytest.mark.streamtest
@pytest.mark.parametrize("planted", sorted(IN_PROMPT))
def test_in_prompt(planted):
    ask("my credential: " + IN_PROMPT[planted])


@pytest.mark.streamtest
def test_in_user_field():
    ask("Write a joke", user={in_user!r})


@pytest.mark.streamtest
def test_echoed_by_the_server():
    ask("Write a joke", base="/v1/leaky")
"""


def _echo_chunks() -> list[bytes]:
    first, *rest = chat_chunks(["Why", " was", " the", " cat"])
    payload = json.loads(first.removeprefix(b"data: "))
    payload.update({"metadata": dict(ECHOES), **ECHOES})  # a server echoing credential fields back
    return [b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n", *rest]


@pytest.fixture
def edge(monkeypatch: pytest.MonkeyPatch) -> Iterator[EdgeServer]:
    routes = {
        "/v1/chat/completions": Route(chunks=chat_chunks(["Why", " was", " the", " cat"])),
        "/v1/echo/chat/completions": Route(chunks=_echo_chunks()),
        "/v1/leaky/chat/completions": Route(chunks=chat_chunks(["Your", " key", " is", f" {ECHOED_BY_SERVER}"])),
    }
    with edge_server(routes) as server:
        monkeypatch.setenv("EDGE_URL", server.url)
        for name, value in ENVIRONMENT.items():
            monkeypatch.setenv(name, value)
        yield server


def _snapshot(root: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def planted_values() -> dict[str, str]:
    values = {f"header {k}": v for k, v in HEADERS.items()}
    values |= {f"query {k}": v for k, v in QUERY.items()}
    values |= {f"field {k}": v for k, v in FIELDS.items()}
    values |= {f"echoed field {k}": v for k, v in ECHOES.items()}
    values |= {f"env {k}": v for k, v in ENVIRONMENT.items()}
    values |= {f"prompt {k}": v for k, v in IN_PROMPT.items()}
    values |= {"graph state api_key": STATE_FIELD, "user field": IN_USER_FIELD, "server echo": ECHOED_BY_SERVER}
    return values


def test_no_planted_credential_reaches_any_written_file(pytester: pytest.Pytester, edge: EdgeServer) -> None:
    source = PROJECT.format(headers=HEADERS, query=QUERY, fields=FIELDS, in_prompt=IN_PROMPT, state_field=STATE_FIELD, in_user=IN_USER_FIELD)
    pytester.makepyfile(test_app=source)
    before = _snapshot(pytester.path)
    result = pytester.runpytest("--record", "-p", "no:cacheprovider")
    refused = 2 + len(IN_PROMPT) + 2
    result.assert_outcomes(passed=1, failed=refused)
    refusals = [line for line in result.outlines if line.startswith("E ") and "SecretLeakError: refused to write" in line]
    assert len(refusals) == refused

    written = {p for p, mtime in _snapshot(pytester.path).items() if before.get(p) != mtime}
    cassettes = pytester.path / "cassettes" / "test_app"
    # Only the test that passed wrote anything: a refused test leaves no file, not even a temp file.
    assert written == {cassettes / "test_scrubbed.yaml", cassettes / "test_scrubbed.transcript.yaml"}
    text = {p: p.read_text() for p in written}
    found = {(label, p.name) for label, value in planted_values().items() for p in written if value in text[p]}
    assert found == set()
    assert text[cassettes / "test_scrubbed.yaml"].count("<scrubbed>") >= len(FIELDS) + len(ECHOES)

    # The server received what was scrubbed: it was removed from the files, not kept from the wire.
    assert any(HEADERS["X-Hmac"].encode() in b for b in edge.bodies) is False  # headers are not in bodies...
    assert any(FIELDS["client_secret"].encode() in b for b in edge.bodies)  # ...body fields are

    stdout = result.stdout.str()
    for value in planted_values().values():
        assert value not in stdout
    # The golden transcript was refused with the cassette, and says so.
    assert "test_golden_only.transcript.yaml: the value of $GOOGLE_API_KEY in the golden transcript" in stdout
    # A value only the server sent back is not blamed on the prompt.
    start = next(i for i, line in enumerate(result.outlines) if line in refusals and "test_echoed_by_the_server.yaml" in line)
    end = next(i for i in range(start, len(result.outlines)) if not result.outlines[i].startswith("E "))
    echo = "\n".join(result.outlines[start:end])  # the whole refusal message, one "E" line each
    assert "in response 1" in echo and "in request 1" not in echo and "prompt" not in echo
    assert "the server sent it back" in echo

    # The scrubbed recording replays: the live requests, secrets and all, are scrubbed before matching.
    replay = pytester.runpytest("-p", "no:cacheprovider", "-k", "test_scrubbed")
    replay.assert_outcomes(passed=1)
