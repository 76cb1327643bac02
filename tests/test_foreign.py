"""Other tools' cassettes, read as they are: every shape vcrpy and cassetter write, split, scrubbed, matched."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import openai
import pytest

from streamtest import CassetteCorruptError, ReplayMismatchError, use_cassette
from streamtest._cassette.foreign import file_dialect, is_foreign, raw_dialect, read_foreign
from streamtest._cassette.format import dump, load, load_path, read_path, sse_response
from streamtest._cassette.interaction import interactions_of
from tests.edge_server import chat_chunks
from tests.foreign_cassettes import KEY, cassetter_yaml, chat_request, sse_response_of, vcrpy_text

TOKENS = ["Why", " \u2014 was", " the", " c\u00e4t", " \U0001f408"]  # non-ASCII: vcrpy escapes it, JSON as surrogates


# vcrpy's JSON serializer cannot store a compressed body: with serializer json, vcrpy decodes it first.
@pytest.mark.parametrize(("serializer", "gzipped"), [("yaml", False), ("yaml", True), ("json", False)])
def test_vcrpy_streams_come_back_as_the_events_the_server_sent(serializer: str, gzipped: bool) -> None:
    text = vcrpy_text([(chat_request(), sse_response_of(TOKENS, gzipped=gzipped))], serializer=serializer)
    if gzipped:
        assert "!!binary" in text
    requests, responses = load(text, f"cassettes/t/test_x.{serializer}")
    assert responses[0]["chunks"] == chat_chunks(TOKENS)
    assert responses[0]["offsets"] is None  # vcrpy keeps no timing
    interaction = interactions_of(requests, responses)[0]
    assert interaction.tokens == TOKENS and interaction.offsets is None
    assert interaction.request_json["messages"][0]["content"] == "Say hi"


def test_scrubbed_in_memory_by_the_same_scrubber() -> None:
    text = vcrpy_text([(chat_request(uri="https://api.openai.com/v1/chat/completions?api_key=k&x=1"), sse_response_of(TOKENS, gzipped=True))])
    assert KEY in text and "SECRETCOOKIE" in text
    requests, responses = load(text, "vcrpy.yaml")
    assert dict(requests[0].headers) == {"content-type": "application/json"}
    assert requests[0].uri == "https://api.openai.com/v1/chat/completions?x=1"
    # Allowlisted response headers only; the gzip body was decoded, so content-encoding went too.
    assert responses[0]["headers"] == {"content-type": ["text/event-stream; charset=utf-8"]}
    # Unscrubbed, for `streamtest import` to report what it dropped.
    raw = read_foreign(text, "vcrpy.yaml")
    assert raw.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert raw.notes == (
        f"interaction 1: gzip body decoded ({len(b''.join(chat_chunks(TOKENS)))} bytes)",
        "interaction 1: sse body cut into 8 events (no timing known)",
    )


def test_vcrpy_python_tags_and_bodies_of_every_kind() -> None:
    """What older vcrpy wrote: python/unicode strings, BytesIO and iterator request bodies, null bodies."""
    body = base64.b64encode(b'{"a": 1}').decode()
    text = f"""\
interactions:
- request:
    body: !!python/object/new:_io.BytesIO
      state: !!python/tuple [!!binary "{body}", 0, null]
    headers: {{Content-Type: [application/json]}}
    method: POST
    uri: !!python/unicode 'http://x/v1/embeddings'
  response:
    body: {{string: !!python/unicode '{{"data": []}}'}}
    headers: {{Content-Type: [application/json]}}
    status: {{code: 200, message: OK}}
- request:
    body: !!python/object/apply:builtins.iter
      args: [[!!binary "YWI=", !!binary "Yw=="]]
    headers: {{}}
    method: POST
    uri: http://x/upload
  response:
    body: {{string: ''}}
    headers: {{}}
    status: {{code: 204, message: No Content}}
- request: {{body: null, headers: {{}}, method: GET, uri: 'http://x/v1/models'}}
  response: {{body: {{string: ok}}, headers: {{}}, status: {{code: 200, message: OK}}}}
version: 1
"""
    requests, responses = load(text, "old.yaml")
    assert [r.body for r in requests] == [b'{"a": 1}', b"abc", b""]
    assert [r["body"]["string"] for r in responses] == [b'{"data": []}', b"", b"ok"]
    assert "chunks" not in responses[0]  # a plain body, served whole


def test_other_python_tags_are_refused_not_executed() -> None:
    text = "interactions:\n- request: !!python/object/apply:os.system ['true']\nversion: 1\n"
    with pytest.raises(CassetteCorruptError, match=r"not valid YAML .*python/object/apply:os.system"):
        load(text, "evil.yaml")


def test_cassetter_yaml_reads_as_cassetter_serves_it() -> None:
    text = cassetter_yaml(TOKENS)
    requests, responses = load(text, "cassetter.yaml")
    assert responses[0]["chunks"] == chat_chunks(TOKENS)
    assert responses[0]["status"] == {"code": 200, "message": "OK"}
    assert json.loads(requests[0].body) == {"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": "Say hi"}]}
    assert responses[0]["headers"] == {"content-type": ["text/event-stream; charset=utf-8"]}  # x-request-id scrubbed


CASSETTER_DATA = Path(__file__).parent / "data" / "cassetter"


@pytest.mark.parametrize("name", ["converted.yaml", "converted.toml"])
def test_what_cassetter_itself_writes(name: str) -> None:
    """Files cassetter's own converter wrote, from a vcrpy cassette with a gzip body.

    Written once with ``cassetter convert`` (cassetter 0.16.1; see tests/data/cassetter/README.md)
    and committed, so this test needs no peer installed: a gzip body kept as a hex binary, TOML too.
    """
    target = CASSETTER_DATA / name
    assert file_dialect(target) == ("cassetter" if name.endswith(".yaml") else "cassetter-toml")
    requests, responses = load_path(target)
    assert responses[0]["chunks"] == chat_chunks(TOKENS)
    assert interactions_of(requests, responses)[0].tokens == TOKENS


def test_dialects_are_told_apart_from_the_head_of_the_file(tmp_path: Path) -> None:
    pair = [(chat_request(), sse_response_of(TOKENS))]
    files = {
        "a.yaml": vcrpy_text(pair),
        "b.json": vcrpy_text(pair, serializer="json"),
        "c.yaml": cassetter_yaml(TOKENS),
        "d.yaml": dump([chat_request()], [sse_response(chat_chunks(TOKENS))]),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert [file_dialect(tmp_path / name) for name in files] == ["vcrpy", "vcrpy-json", "cassetter", None]
    # The loader labels what it read from the same bytes (one open per test), CRLF files too.
    crlf = {f"crlf-{name}": text.replace("\n", "\r\n") for name, text in files.items()}
    for name, text in crlf.items():
        (tmp_path / name).write_bytes(text.encode())
    for name in [*files, *crlf]:
        raw = (tmp_path / name).read_bytes()
        assert raw_dialect(raw, tmp_path / name) == read_path(tmp_path / name).dialect == file_dialect(tmp_path / name)
    assert not is_foreign(files["d.yaml"], "d.yaml")
    # A streamtest cassette whose first line was moved by hand is still ours.
    moved = files["d.yaml"].replace("streamtest_format: 1\n", "") + "streamtest_format: 1\n"
    assert not is_foreign(moved, "d.yaml")
    assert load(moved, "d.yaml")[1][0]["chunks"] == chat_chunks(TOKENS)


def test_an_empty_vcrpy_cassette_is_empty() -> None:
    assert load("interactions: []\nversion: 1\n", "empty.yaml") == ([], [])


def test_encodings_we_cannot_decode_replay_as_one_chunk() -> None:
    response = sse_response_of(TOKENS)
    response["headers"]["content-encoding"] = ["br"]
    raw = read_foreign(vcrpy_text([(chat_request(), response)]), "br.yaml")
    assert "chunks" not in raw.responses[0]
    assert raw.notes == ("interaction 1: content-encoding br kept as is (replayed as one chunk)",)


def test_a_body_that_claims_gzip_but_is_not_names_the_interaction() -> None:
    response = sse_response_of(TOKENS)
    response["headers"]["content-encoding"] = ["gzip"]
    with pytest.raises(CassetteCorruptError, match=r"interaction 1.response says content-encoding gzip, but the body is not"):
        load(vcrpy_text([(chat_request(), response)]), "bad.yaml")


def test_replays_under_streamtest_rules(tmp_path: Path) -> None:
    """Recorded against a local server, replayed for api.openai.com: method, path and JSON body decide."""
    path = tmp_path / "vcrpy.yaml"
    path.write_text(vcrpy_text([(chat_request("Say hi"), sse_response_of(TOKENS, gzipped=True))]))
    client = openai.OpenAI(api_key="sk-x", max_retries=0)
    with use_cassette(path) as cassette:
        stream = client.chat.completions.create(model="gpt-4o-mini", stream=True, messages=[{"role": "user", "content": "Say hi"}])
        assert [c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta.content] == TOKENS
    assert cassette.interactions[0].tokens == TOKENS
    with pytest.raises(ReplayMismatchError, match=r'(?s)-\s+"content": "Say hi".*\+\s+"content": "Say bye"'):
        with use_cassette(path, unplayed="warn"):
            client.chat.completions.create(model="gpt-4o-mini", stream=True, messages=[{"role": "user", "content": "Say bye"}])



def test_a_recorded_method_in_lower_case_still_matches(tmp_path: Path) -> None:
    """httpx upper-cases the live method; a hand-edited or other tool's 'post' must not be a silent never-match."""
    path = tmp_path / "vcrpy.yaml"
    text = vcrpy_text([(chat_request("Say hi"), sse_response_of(TOKENS))])
    assert "method: POST" in text
    path.write_text(text.replace("method: POST", "method: post"))
    client = openai.OpenAI(api_key="sk-x", max_retries=0)
    with use_cassette(path) as cassette:
        stream = client.chat.completions.create(model="gpt-4o-mini", stream=True, messages=[{"role": "user", "content": "Say hi"}])
        assert [c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta.content] == TOKENS
    assert cassette.interactions[0].method == "POST"


# YAML 1.1 reads 1.0e+400 as a float (inf): str() of it used to load as method "inf".
@pytest.mark.parametrize("method", ["1.0e+400", "[POST]", "PO ST", "'GET\\n'"])
def test_a_recorded_method_that_is_no_method_is_refused_at_load(method: str) -> None:
    text = vcrpy_text([(chat_request(), sse_response_of(TOKENS))]).replace("method: POST", f"method: {method}")
    with pytest.raises(CassetteCorruptError, match=r"bad\.yaml.*interaction 1\.request\.method must be an HTTP method"):
        load(text, "bad.yaml")
