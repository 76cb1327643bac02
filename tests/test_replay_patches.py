"""The HTTP patches are shared by every cassette: installed while one is active, gone after, innermost wins."""

from __future__ import annotations

import http.client

import httpx2
import pytest
import urllib3.connectionpool

from streamtest import play
from tests.edge_server import chat_chunks

URL = "https://api.openai.com/v1/chat/completions"


def _originals() -> tuple[object, ...]:
    return (
        http.client.HTTPConnection,
        httpx2.HTTPTransport.handle_request,
        httpx2.AsyncHTTPTransport.handle_async_request,
        urllib3.connectionpool.HTTPConnectionPool.__dict__.get("ConnectionCls"),
        urllib3.connectionpool.HTTPConnectionPool.__dict__.get("_get_conn"),
    )


def _text(client: httpx2.Client) -> bytes:
    return client.post(URL, content=b"{}").content


def test_patches_are_installed_while_a_cassette_is_active_and_gone_after() -> None:
    before = _originals()
    with play(chat_chunks(["a"])):
        assert _originals() != before
        with httpx2.Client() as client:
            assert b'"a"' in _text(client)
    assert _originals() == before


def test_patches_are_gone_after_a_cassette_whose_block_raised() -> None:
    before = _originals()
    with pytest.raises(RuntimeError), play(chat_chunks(["a"])):
        raise RuntimeError("the test failed")
    assert _originals() == before


def test_the_innermost_cassette_answers_then_the_outer_one_again() -> None:
    before = _originals()
    with httpx2.Client() as client, play(chat_chunks(["outer-1"]), chat_chunks(["outer-2"])):
        assert b"outer-1" in _text(client)
        with play(chat_chunks(["inner"])):
            assert b"inner" in _text(client)
        assert b"outer-2" in _text(client)
    assert _originals() == before


def test_cassettes_that_stop_out_of_order_leave_nothing_patched() -> None:
    before = _originals()
    outer, inner = play(chat_chunks(["a"])), play(chat_chunks(["b"]))
    outer.__enter__()
    inner.__enter__()
    outer.__exit__(None, None, None)
    with httpx2.Client() as client:
        assert b'"b"' in _text(client)
    inner.__exit__(None, None, None)
    assert _originals() == before
