"""The SSE splitter loses no byte and agrees with itself however the bytes arrive."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from streamtest._wire.sse import EventSplitter, encode_event, parse_event, split_events

_LINE_PIECES = st.sampled_from([b"data: {\"a\":1}", b"event: x", b": ping", b"id: 7", b"data: \xc3\xa9", b"", b"data:"])
_EOL = st.sampled_from([b"\n", b"\r\n", b"\r"])
_BODIES = st.lists(st.tuples(_LINE_PIECES, _EOL), max_size=30).map(lambda parts: b"".join(a + b for a, b in parts))


@given(_BODIES)
def test_split_events_concatenates_back_to_the_body(body: bytes) -> None:
    assert b"".join(split_events(body)) == body


@given(_BODIES, st.data())
def test_incremental_splitting_matches_whole_splitting(body: bytes, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(body)), max_size=8)))
    splitter = EventSplitter()
    events: list[bytes] = []
    for start, end in zip([0, *cuts], [*cuts, len(body)], strict=True):
        events.extend(splitter.feed(body[start:end]))
    if tail := splitter.flush():
        events.append(tail)
    assert events == split_events(body)


def test_each_event_keeps_its_blank_line() -> None:
    body = b'data: {"a":1}\n\ndata: [DONE]\n\n'
    assert split_events(body) == [b'data: {"a":1}\n\n', b"data: [DONE]\n\n"]


def test_crlf_split_across_chunks_waits_for_the_lf() -> None:
    splitter = EventSplitter()
    assert splitter.feed(b"data: 1\r\n\r") == []
    assert splitter.feed(b"\ndata: 2\r\n\r\n") == [b"data: 1\r\n\r\n", b"data: 2\r\n\r\n"]


def test_unterminated_tail_is_its_own_chunk() -> None:
    assert split_events(b"data: 1\n\ndata: par") == [b"data: 1\n\n", b"data: par"]


def test_parse_event_reads_fields_like_the_spec() -> None:
    event = parse_event(b"event: response.output_text.delta\r\ndata: a\r\ndata: b\r\n: keep-alive\r\n\r\n")
    assert (event.event, event.data, event.comments, event.eol) == ("response.output_text.delta", "a\nb", (" keep-alive",), "\r\n")


def test_encode_event_round_trips_through_parse() -> None:
    raw = encode_event('{"x": "y"}', event="e", eol="\r\n")
    assert raw == b'event: e\r\ndata: {"x": "y"}\r\n\r\n'
    assert parse_event(raw).data == '{"x": "y"}'


def test_encode_event_writes_every_field_in_one_order() -> None:
    raw = encode_event("a\nb", event="e", comments=(" ping", ""), id="7", retry="300", eol="\r")
    assert raw == b": ping\r:\rid: 7\revent: e\rretry: 300\rdata: a\rdata: b\r\r"
    assert encode_event("x", event="e", id="1", space=False) == b"id:1\nevent:e\ndata:x\n\n"
    assert encode_event(None, comments=(" keep-alive",)) == b": keep-alive\n\n"


_FIELD = st.text(st.characters(blacklist_characters="\r\n", codec="utf-8"), max_size=8)


@given(
    data=st.none() | st.text(st.characters(blacklist_characters="\r", codec="utf-8"), max_size=20),
    event=st.none() | _FIELD,
    ident=st.none() | _FIELD,
    retry=st.none() | _FIELD,
    comments=st.lists(_FIELD, max_size=2),
    eol=st.sampled_from(("\n", "\r\n", "\r")),
)
def test_what_encode_event_writes_parses_back(
    data: str | None, event: str | None, ident: str | None, retry: str | None, comments: list[str], eol: str
) -> None:
    """With the optional space, every field reads back as written (a value that starts with a
    space keeps it: the writer's space is the one the parser drops)."""
    assume(comments or any(field is not None for field in (data, event, ident, retry)))  # else no line at all
    raw = encode_event(data, event=event, eol=eol, comments=comments, id=ident, retry=retry)
    assert split_events(raw) == [raw]
    parsed = parse_event(raw)
    assert (parsed.data, parsed.event, parsed.id, parsed.retry, parsed.comments) == (
        data,
        event,
        ident,
        retry,
        tuple(comments),
    )
    assert parsed.eol == eol
