"""When things happened: ``recorded_at`` per cassette, ``started`` per interaction, and max ages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openai
import pytest
from vcr.request import Request

from streamtest import UsageError, use_cassette
from streamtest._cassette.format import dump, load, load_path, sse_response
from streamtest._cassette.stamp import describe_age, format_stamp, parse_max_age, recorded_at_of
from tests.edge_server import Route, chat_chunks, edge_server

_REQ = Request("POST", "https://api.openai.com/v1/chat/completions", b'{"model":"m"}', {})


def test_started_and_recorded_at_round_trip_and_old_files_still_load() -> None:
    response = sse_response(chat_chunks(["a"]))
    response["started"] = 1.23456
    text = dump([_REQ, _REQ], [response, sse_response(chat_chunks(["b"]))], recorded_at="2026-12-01T20:37:59Z")
    assert text.startswith("streamtest_format: 1\nrecorded_at: '2026-12-01T20:37:59Z'\ninteractions:\n")
    assert "started: 1.2346" in text
    responses = load(text, "mem.yaml")[1]
    assert responses[0]["started"] == 1.2346
    assert "started" not in responses[1]
    assert recorded_at_of(text) == datetime(2026, 12, 1, 20, 37, 59, tzinfo=UTC)
    # A file written before either field existed (the committed fixtures were) loads as before.
    old = dump([_REQ], [sse_response(chat_chunks(["a"]))])
    assert "recorded_at" not in old and "started" not in old
    assert recorded_at_of(old) is None
    assert load(old, "old.yaml")[1][0]["chunks"] == chat_chunks(["a"])


def test_recorded_at_reads_cassetter_stamps_oldest_first() -> None:
    text = (
        "interactions:\n- request: {}\n  recorded_at: 2026-12-01T20:37:59.177016+00:00\n"
        "- request: {}\n  recorded_at: '2025-01-01T00:00:00Z'\n"
    )
    assert recorded_at_of(text) == datetime(2025, 1, 1, tzinfo=UTC)
    assert recorded_at_of('[[interactions]]\nrecorded_at = "2026-01-02T03:04:05+00:00"\n') == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert recorded_at_of("recorded_at: ''\n") is None


@pytest.mark.parametrize(("value", "expected"), [("30d", timedelta(days=30)), ("12h", timedelta(hours=12)), ("4w", timedelta(weeks=4)), (" 90m ", timedelta(minutes=90)), ("1.5d", timedelta(hours=36))])
def test_max_age_values(value: str, expected: timedelta) -> None:
    assert parse_max_age(value) == expected


@pytest.mark.parametrize("value", ["30", "d", "0d", "-3d", "30 days", "3y"])
def test_bad_max_age_says_what_is_expected(value: str) -> None:
    with pytest.raises(UsageError, match=r"expected a positive number and a unit: s, m, h, d or w"):
        parse_max_age(value)


def test_ages_read_as_a_person_says_them() -> None:
    assert describe_age(timedelta(days=41, hours=3)) == "41 days"
    assert describe_age(timedelta(hours=1, minutes=5)) == "1 hour"
    assert describe_age(timedelta(seconds=12)) == "12 seconds"
    assert format_stamp(datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC)) == "2026-01-02T03:04:05Z"


def test_recording_stamps_the_cassette_and_each_request_start(tmp_path: Path) -> None:
    """Two calls one after the other: the second starts after the first one's stream ended."""
    path = tmp_path / "two.yaml"
    route = Route(chunks=chat_chunks(["Why", " was"]), delay=0.05)
    before = datetime.now(UTC).replace(microsecond=0)
    with edge_server({"/v1/chat/completions": route}) as server:
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="sk-x", max_retries=0)
        with use_cassette(path, record="all") as cassette:
            for prompt in ("one", "two"):
                stream = client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}], stream=True)
                assert [c.choices[0].delta.content for c in stream if c.choices][1:] == ["Why", " was", None]
    text = path.read_text()
    stamp = re.search(r"^recorded_at: '(.+)'$", text, re.M)
    assert stamp is not None
    assert before <= datetime.fromisoformat(stamp.group(1)) <= datetime.now(UTC)
    assert cassette.recorded_at == datetime.fromisoformat(stamp.group(1))
    first, second = (response["started"] for response in load_path(path)[1])
    assert 0 <= first < 0.5
    # The first stream took at least 5 chunks x 50 ms; the second request came after it.
    assert second >= first + 0.25
    with use_cassette(path, unplayed="warn") as replayed:
        assert [i.started for i in replayed.interactions] == [first, second]
        assert replayed.recorded_at == cassette.recorded_at
