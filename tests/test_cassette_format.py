"""The cassette file: readable, exact, and loud about files it cannot read."""

from __future__ import annotations

import contextlib
import json
import re
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from vcr.request import Request

from streamtest import CassetteCorruptError, CassetteVersionError
from streamtest._cassette.events import Offsets, _sse_checked_lines, encode_events
from streamtest._cassette.format import _cut_event_lines, dump, load, sse_response
from streamtest._cassette.interaction import Interaction
from tests.edge_server import chat_chunks

_REQ = Request("POST", "https://api.openai.com/v1/chat/completions", b'{"model":"m","stream":true}', {"content-type": "application/json"})


def _round_trip(response: dict) -> dict:
    requests, responses = load(dump([_REQ], [response]), "mem.yaml")
    assert requests[0].body == _REQ.body
    return responses[0]


def test_sse_events_are_one_line_each_and_replay_exactly() -> None:
    chunks = chat_chunks(["Why", " was", " the", " cat"])
    text = dump([_REQ], [sse_response(chunks)])
    event_lines = [line for line in text.splitlines() if line.lstrip().startswith("- {")]
    assert len(event_lines) == len(chunks)
    assert '- {"text":"[DONE]"}' in text
    assert _round_trip(sse_response(chunks))["chunks"] == chunks


def test_events_edited_into_other_yaml_still_load() -> None:
    """The JSON-lines fast path is only a fast path: block-style YAML events load the same."""
    chunks = chat_chunks(["Why"])
    text = dump([_REQ], [sse_response(chunks)])
    header = "events:  # one JSON object per line"
    head, _, tail = text.partition(header)
    indent = head.rsplit("\n", 1)[1]
    lines = [line[len(indent) + 2 :] for line in tail.strip("\n").split("\n")[1:]]
    block = "".join(f"\n{indent}- t: 0.5\n{indent}  text: {json.dumps(json.loads(line).get('text', ''))}" if "text" in json.loads(line) else f"\n{indent}- {line}" for line in lines)
    edited = head + "events:" + block + "\n"
    loaded = load(edited, "edited.yaml")[1][0]
    assert loaded["chunks"] == chunks


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def _events(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["json", "text", "comment", "multiline", "named", "unnamed", "binary"]))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    if kind == "json":
        value = draw(_JSON_VALUES)
        style = draw(st.sampled_from([{"separators": (",", ":")}, {}, {"ensure_ascii": False}, {"indent": 2}]))
        data = json.dumps(value, **style)
        return ("".join(f"data: {line}{eol}" for line in data.split("\n")) + eol).encode()
    if kind == "text":
        line = draw(st.text(alphabet=st.characters(exclude_characters="\r\n", exclude_categories=("Cs",))))
        return f"data: {line}{eol}{eol}".encode()
    if kind == "comment":
        return f": ping{eol}{eol}".encode()
    if kind == "multiline":
        return f"data: a{eol}data: b{eol}{eol}".encode()
    if kind == "named":
        return f"event: response.output_text.delta{eol}data: {{\"delta\":\"hi\"}}{eol}{eol}".encode()
    if kind == "unnamed":  # an empty event name is a name
        return f"event: {eol}data: {{}}{eol}{eol}".encode()
    return b"data: \xff\xfe\n\n"


@given(st.lists(_events(), max_size=12), st.booleans())
def test_any_sse_stream_survives_the_file_byte_for_byte(chunks: list[bytes], broken: bool) -> None:
    if broken:
        chunks = [*chunks, b"data: {\"cut"]
    response = sse_response(chunks)
    loaded = _round_trip(response)
    assert loaded["chunks"] == chunks
    assert loaded["body"]["string"] == b"".join(chunks)


# Arrival times as a recording has them, and the odd ones: 0, huge (1e+20 in the file), past two exponent digits.
_SECONDS = st.floats(min_value=0, max_value=10) | st.sampled_from([0.0, 1e-05, 1e20, 1.5e300])


@given(st.lists(_events(), min_size=1, max_size=12), st.booleans(), st.booleans(), st.data())
def test_lines_the_checksum_vouches_for_load_like_lines_parsed_one_by_one(
    chunks: list[bytes], broken: bool, timed: bool, data: st.DataObject
) -> None:
    """The fast paths (wire bytes cut out of each line) give exactly what parsing and re-encoding gives."""
    if broken:
        chunks = [*chunks, b"data: {\"cut"]
    response = sse_response(chunks)
    offsets = data.draw(st.lists(_SECONDS, min_size=len(chunks), max_size=len(chunks))) if timed else None
    response["offsets"] = [round(t, 4) for t in offsets] if offsets is not None else None
    raw = dump([_REQ], [response]).encode()
    _, blocks = _cut_event_lines(raw)
    (block,) = blocks.values()
    assert block.checked
    header = encode_events("sse", chunks, response["offsets"])
    if header["json"] == "compact":
        eol = {"lf": b"\n", "crlf": b"\r\n", "cr": b"\r"}[header["eol"]]
        assert _sse_checked_lines(block, eol) == (chunks, response["offsets"])
    unchecked = re.sub(rb" \(\d+ lines, \d+ bytes, crc32 [0-9a-f]{8}\)", b"", raw)
    assert unchecked != raw
    fast, slow = load(raw, "a.yaml")[1][0], load(unchecked, "b.yaml")[1][0]
    assert fast["chunks"] == slow["chunks"] == chunks
    assert fast["offsets"] == slow["offsets"] == response["offsets"]


def test_an_edited_line_is_read_and_checked_not_cut_out() -> None:
    """After a hand edit the checksum fails: the line is parsed and its data re-encoded, as before."""
    raw = dump([_REQ], [sse_response(chat_chunks(["Why"]))]).encode()
    edited = raw.replace(b'{"content":"Why"}', b'{"content": "Why?"}')
    _, blocks = _cut_event_lines(edited)
    assert not next(iter(blocks.values())).checked
    chunks = load(edited, "x.yaml")[1][0]["chunks"]
    assert b'{"content":"Why?"}' in chunks[1]


def test_an_events_header_inside_a_text_body_is_just_text() -> None:
    """A hand-written block scalar that holds an events header is not cut out of the file."""
    text = (
        "streamtest_format: 1\ninteractions:\n- request: {method: POST, uri: 'http://x/v1/chat/completions'}\n"
        "  response:\n    status: 200\n    body:\n      text: |\n"
        '        events:  # one JSON object per line\n        - {"a":1}\n'
    )
    assert _cut_event_lines(text.encode())[1], "the header line is cut at first"
    assert load(text, "x.yaml")[1][0]["body"]["string"] == b'events:  # one JSON object per line\n- {"a":1}\n'


@given(st.binary(max_size=200) | _JSON_VALUES.map(lambda v: json.dumps(v, indent=2).encode()))
def test_any_plain_body_survives_byte_for_byte(body: bytes) -> None:
    response = {"status": {"code": 200, "message": "OK"}, "headers": {"content-type": ["application/json"]}, "body": {"string": body}}
    assert _round_trip(response)["body"]["string"] == body


def _with_checksum(raw: bytes) -> bytes:
    """``raw`` with each events header's size and CRC-32 stated anew (an edit the checksum vouches for)."""
    header = re.compile(rb"(?m)^( *)events:  # one JSON object per line \((\d+) lines, \d+ bytes, crc32 [0-9a-f]{8}\)\n((?:\1- [^\n]*(?:\n|$))+)")

    def restate(match: re.Match[bytes]) -> bytes:
        lines = match.group(3).rstrip(b"\n")
        check = b"(%d lines, %d bytes, crc32 %08x)" % (lines.count(b"\n") + 1, len(lines), zlib.crc32(lines))
        return match.group(1) + b"events:  # one JSON object per line " + check + b"\n" + match.group(3)

    return header.sub(restate, raw)


@pytest.mark.parametrize("bad", [b"-1", b"1e999", b"1.2.3"])
def test_an_impossible_arrival_time_is_refused_with_its_line_even_when_the_checksum_agrees(bad: bytes) -> None:
    """The fast paths take only times that read as a finite number >= 0; others meet the line-by-line checks."""
    response = sse_response(chat_chunks(["Why"]))
    response["offsets"] = [0.25 * i for i in range(len(response["chunks"]))]
    raw = dump([_REQ], [response]).encode()
    edited = _with_checksum(raw.replace(b'{"t":0.25,', b'{"t":' + bad + b",", 1))
    assert next(iter(_cut_event_lines(edited)[1].values())).checked, "the edit is vouched for"
    with pytest.raises(CassetteCorruptError, match=r"event 2 \(line \d+\)"):
        load(edited, "x.yaml")


@pytest.mark.parametrize("at", [0, 2, -1])
def test_a_line_of_another_kind_among_data_lines_loads_in_place(at: int) -> None:
    """A ``text`` line first, between data lines or last: the fast paths keep every event where it was."""
    chunks = [c for c in chat_chunks(["Why", " not"]) if c != b"data: [DONE]\n\n"]
    chunks.insert(at if at >= 0 else len(chunks), b"data: [DONE]\n\n")
    response = sse_response(chunks)
    response["offsets"] = [0.5 * i for i in range(len(chunks))]
    raw = dump([_REQ], [response]).encode()
    assert next(iter(_cut_event_lines(raw)[1].values())).checked
    loaded = load(raw, "x.yaml")[1][0]
    assert loaded["chunks"] == chunks and loaded["offsets"] == response["offsets"]


def test_arrival_times_read_as_the_list_they_stand_for() -> None:
    """A loaded block's times are an ``Offsets``: equal to the list of floats, indexable, iterable, sized."""
    offsets = Offsets([b"0.1", b"2", b"3.5"])
    assert len(offsets) == 3
    assert offsets == [0.1, 2.0, 3.5] and offsets != [0.1, 2.0] and offsets == Offsets([b"0.1", b"2.0", b"3.5"])
    assert offsets[-1] == 3.5 and offsets[:2] == [0.1, 2.0] and list(offsets) == [0.1, 2.0, 3.5]
    assert max(offsets) == 3.5 and repr(offsets) == "Offsets([0.1, 2.0, 3.5])"
    with pytest.raises(TypeError):
        hash(offsets)


def test_stream_error_and_offsets_are_kept() -> None:
    response = sse_response(chat_chunks(["a"]))
    response["offsets"] = [0.1, 0.2, 0.3, 0.4]
    response["stream_error"] = {"type": "httpx2.RemoteProtocolError", "message": "peer closed"}
    loaded = _round_trip(response)
    assert loaded["offsets"] == [0.1, 0.2, 0.3, 0.4]
    assert loaded["stream_error"] == response["stream_error"]


def test_interaction_view_reads_provider_tokens() -> None:
    interaction = Interaction.from_vcr(_REQ, sse_response(chat_chunks(["Why", " was", ""])))
    assert interaction.tokens == ["Why", " was"]
    assert interaction.request_json == {"model": "m", "stream": True}


@pytest.mark.parametrize(
    ("text", "error", "needle"),
    [
        ("interactions: [\n  - {", CassetteCorruptError, "not valid YAML"),
        ("- just a list", CassetteCorruptError, "not a mapping"),
        ("version: 1\ninteractions:\n- request: {method: POST}\n  response: {status: {code: 200}}\n", CassetteCorruptError, "a vcrpy YAML cassette (pytest-recording's default): interaction 1.request needs method and uri"),
        ('{"version": 1, "interactions": [', CassetteCorruptError, "not valid JSON"),
        ("streamtest_format: 99\ninteractions: []\n", CassetteVersionError, "version 99 is not supported"),
        ("streamtest_format: 1\ninteractions: [{request: {method: POST}}]\n", CassetteCorruptError, "interaction 1.request needs method and uri"),
        ("streamtest_format: 1\ninteractions: [{request: {method: POST, uri: 'http://x/'}, response: {status: 200, sse: {events: [{t: 1}]}}}]\n", CassetteCorruptError, "event 1: needs data, text, raw or raw_base64"),
    ],
)
def test_unreadable_files_name_the_file_and_the_problem(text: str, error: type[Exception], needle: str) -> None:
    with pytest.raises(error) as info:
        load(text, Path("cassettes/t/test_x.yaml"))
    message = str(info.value)
    assert "cassettes/t/test_x.yaml" in message
    assert needle in message
    assert "pytest --record" in message


def test_a_streamed_body_joined_on_demand_reads_like_a_plain_dict() -> None:
    """Every way of reading the loaded body dict sees the joined chunks, whichever read comes first."""
    import copy
    import pickle

    chunks = chat_chunks(["Why", " was"])
    text = dump([_REQ], [sse_response(chunks)])
    plain = {"string": b"".join(chunks)}
    reads = [
        lambda b: b["string"] == plain["string"],
        lambda b: b.get("string") == plain["string"],
        lambda b: "string" in b and len(b) == 1,
        lambda b: dict(b) == plain,
        lambda b: {**b} == plain,
        lambda b: b.copy() == plain,
        lambda b: b == plain,
        lambda b: list(b.items()) == list(plain.items()),
        lambda b: copy.deepcopy(b) == plain,
        lambda b: pickle.loads(pickle.dumps(b)) == plain,
    ]
    for number, read in enumerate(reads):
        assert read(load(text, "x.yaml")[1][0]["body"]), f"read {number}"


# ---------------------------------------------------------------------- one JSON style per block


def test_a_block_takes_the_style_that_stores_most_units_as_data() -> None:
    from streamtest._cassette.jsonstyle import block_entries

    # A Python server: the first event has nothing to escape (it fits "spaced"), the later ones only "spaced-ascii".
    style, entries = block_entries(['{"a": 1}', '{"a": "\\u00e9"}', "[DONE]", None, ""])
    assert style == "spaced-ascii"
    assert entries == [{"data": {"a": 1}}, {"data": {"a": "\u00e9"}}, {"text": "[DONE]"}, None, {"text": ""}]
    # Go (Ollama) escapes < and >: plain lines fit compact too, so the escaped ones decide.
    assert block_entries(['{"a":1}', '{"a":"\\u003c"}'])[0] == "go"
    assert block_entries(['{"a":1}', '{"a":"<"}'])[0] == "compact"  # ties go to the first listed
    assert block_entries(["not json", None]) == ("compact", [{"text": "not json"}, None])


_JSON_TEXTS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=4), lambda kids: st.dictionaries(st.text(max_size=3), kids, max_size=2)
).flatmap(
    lambda value: st.sampled_from(
        [json.dumps(value), json.dumps(value, ensure_ascii=False), json.dumps(value, separators=(",", ":")), json.dumps(value, indent=2)]
    )
)


@given(st.lists(st.none() | _JSON_TEXTS | st.text(max_size=5), max_size=8))
def test_block_entries_stores_data_only_where_it_writes_back_and_as_much_as_any_style(texts: list[str | None]) -> None:
    from streamtest._cassette.jsonstyle import ENCODERS, block_entries

    style, entries = block_entries(texts)
    for text, entry in zip(texts, entries, strict=True):
        if text is None or entry is None:
            assert text is None and entry is None
        elif "data" in entry:
            assert ENCODERS[style].encode(entry["data"]) == text
        else:
            assert entry == {"text": text}

    def stored(name: str) -> int:
        count = 0
        for text in texts:
            with contextlib.suppress(ValueError):
                count += bool(text) and ENCODERS[name].encode(json.loads(text or "")) == text
        return count

    best = max(stored(name) for name in ENCODERS)
    assert sum(1 for entry in entries if entry and "data" in entry) == stored(style) == best
    assert style == next(name for name in ENCODERS if stored(name) == best)
