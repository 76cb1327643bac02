"""Matching is method + path + JSON data; mismatch messages say what changed."""

from __future__ import annotations

import pytest
from vcr.matchers import requests_match
from vcr.request import Request

from streamtest._cassette.match import MATCH_ON, describe_mismatch, json_body


def _req(body: bytes, uri: str = "https://api.openai.com/v1/chat/completions", method: str = "POST") -> Request:
    return Request(method, uri, body, {})


def test_bodies_match_as_data_whatever_the_key_order_or_spacing() -> None:
    json_body(_req(b'{"a": 1, "b": [1, 2]}'), _req(b'{"b":[1,2],"a":1}'))
    with pytest.raises(AssertionError):
        json_body(_req(b'{"a": 1}'), _req(b'{"a": 2}'))


def test_host_scheme_and_port_are_not_matched() -> None:
    assert requests_match(_req(b"{}", "http://127.0.0.1:8080/v1/chat/completions"), _req(b"{}"), MATCH_ON)
    assert not requests_match(_req(b"{}", "https://api.openai.com/v1/responses"), _req(b"{}"), MATCH_ON)
    assert not requests_match(_req(b"{}", method="GET"), _req(b"{}"), MATCH_ON)


def test_mismatch_shows_the_closest_recorded_body_as_a_diff() -> None:
    recorded = [_req(b'{"messages":[{"content":"Write a poem"}]}'), _req(b'{"messages":[{"content":"Write a joke about cats"}]}')]
    message = describe_mismatch(_req(b'{"messages":[{"content":"Write a joke about dogs"}]}'), recorded, [False, False], cassette="c.yaml", rerecord="pytest --record t.py::test")
    assert "closest recorded request: #2" in message
    assert '-      "content": "Write a joke about cats"' in message
    assert '+      "content": "Write a joke about dogs"' in message
    assert message.endswith("Re-record with: pytest --record t.py::test")


def test_mismatch_on_another_route_lists_what_was_recorded() -> None:
    message = describe_mismatch(_req(b"{}", "https://x/v1/responses"), [_req(b"{}")], [True], cassette="c.yaml", rerecord="r")
    assert "nothing was recorded for this method and path; recorded: POST /v1/chat/completions" in message
