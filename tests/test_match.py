"""Matching is method + path + JSON data; mismatch messages say what changed."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from vcr.matchers import requests_match
from vcr.request import Request

from streamtest._cassette.match import MATCH_ON, body_diff, describe_mismatch, json_body, likeness


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


def _prompt(content: str, **extra: object) -> Request:
    body = {"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": content}], **extra}
    return _req(json.dumps(body).encode())


def _long_text(words: int, seed: int = 0) -> list[str]:
    vocabulary = ["cat", "dog", "sat", "on", "the", "mat", "while", "a", "bird", "sang"]
    return [vocabulary[(i * 7 + seed) % len(vocabulary)] + str(i % 13) for i in range(words)]


@pytest.mark.parametrize("words", [10_000, 2_000_000])  # ~60 kB and ~12 MB of prompt
def test_one_changed_word_in_a_huge_prompt_is_shown_where_it_changed(words: int) -> None:
    old = _long_text(words)
    new = list(old)
    new[words // 2] = "ELEPHANT"
    rewritten = _prompt(" ".join(reversed(old)))
    message = describe_mismatch(_prompt(" ".join(new)), [rewritten, _prompt(" ".join(old))], [False, False], cassette="c.yaml", rerecord="r")
    assert "closest recorded request: #2 (body differs):" in message
    minus = next(line for line in message.splitlines() if line.startswith('    -      "content": "…'))
    plus = next(line for line in message.splitlines() if line.startswith('    +      "content": "…'))
    assert "ELEPHANT" in plus and old[words // 2] in minus
    assert minus.endswith('…",') and len(plus) < 220  # a window around the change, not the prompt
    assert len(message) < 1500


def test_hunks_are_numbered_as_lines_of_the_whole_bodies() -> None:
    old = {"messages": [{"role": "user", "content": f"line {i}"} for i in range(30)], "model": "m"}
    new = json.loads(json.dumps(old))
    new["messages"][12]["content"] = "changed"
    new["messages"][25]["content"] = "changed too"
    diff = body_diff(old, new, "recorded", "requested")
    a = json.dumps(old, indent=2, sort_keys=True).splitlines()
    b = json.dumps(new, indent=2, sort_keys=True).splitlines()
    _check_hunks(diff, a, b)
    assert sum(line.startswith("@@") for line in diff) == 2


def _check_hunks(diff: list[str], a: list[str], b: list[str]) -> None:
    """Each hunk's ' ' and '-' lines are a's lines where its header says, ' ' and '+' lines b's."""
    assert diff[:2] == ["--- recorded", "+++ requested"]
    hunks: list[tuple[re.Match[str], list[str]]] = []
    for line in diff[2:]:
        header = re.fullmatch(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", line)
        if header:
            hunks.append((header, []))
        else:
            hunks[-1][1].append(line)
    assert hunks
    for header, lines in hunks:
        a_start, a_len, b_start, b_len = (int(g) if g is not None else 1 for g in header.groups())
        a_start -= 1 if a_len else 0
        b_start -= 1 if b_len else 0
        assert [line[1:] for line in lines if line[0] in " -"] == a[a_start : a_start + a_len]
        assert [line[1:] for line in lines if line[0] in " +"] == b[b_start : b_start + b_len]


@given(
    st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), max_size=40),
    st.lists(st.tuples(st.integers(0, 39), st.sampled_from(["x", "y", ""])), max_size=6),
)
def test_any_small_edit_gives_a_consistent_diff(items: list[str], edits: list[tuple[int, str]]) -> None:
    new = list(items)
    for index, value in edits:
        if index < len(new):
            if value:
                new[index] = value
            else:
                del new[index]
        else:
            new.append(value or "z")
    if new == items:
        return
    diff = body_diff({"items": items}, {"items": new}, "recorded", "requested")
    _check_hunks(diff, json.dumps({"items": items}, indent=2).splitlines(), json.dumps({"items": new}, indent=2).splitlines())


def test_likeness_prefers_the_one_word_change_over_a_rewrite() -> None:
    base = {"messages": [{"content": "Write a joke about cats and dogs"}], "model": "m"}
    one_word = {"messages": [{"content": "Write a joke about cats and birds"}], "model": "m"}
    rewritten = {"messages": [{"content": "Compose verses on the sea"}], "model": "m"}
    assert likeness(base, base) == 1.0
    assert likeness(base, one_word) > likeness(base, rewritten)
    assert likeness(b"raw bytes", b"raw bytes!") > likeness(b"raw bytes", b"other")
    assert 0.0 <= likeness({"a": [1, 2, 3]}, {"b": "x"}) < 0.5


def test_a_rewritten_body_of_many_lines_is_cut_with_a_note() -> None:
    old = {"items": [f"old {i}" for i in range(2_000)]}
    new = {"items": [f"new {i}" for i in range(2_000)]}
    diff = body_diff(old, new, "recorded", "requested")
    assert len(diff) < 1_000
    assert diff[-1].startswith("(diff cut: 2004 recorded and 2004 requested lines around the change")


@given(st.integers(0, 200_000), st.integers(0, 200_000), st.integers(0, 3))
def test_common_ends_are_found_across_block_boundaries(size: int, where: int, change: int) -> None:
    from streamtest._cassette.match import _common_suffix, common_prefix

    a = "ab" * (size // 2)
    b = a if change == 0 or not a else a[: where % len(a)] + "X" + a[where % len(a) + 1 :]
    expected_head = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    assert common_prefix(a, b) == expected_head
    expected_tail = next((i for i, (x, y) in enumerate(zip(a[::-1], b[::-1], strict=False)) if x != y), min(len(a), len(b)))
    assert _common_suffix(a, b, expected_head) == min(expected_tail, len(a) - expected_head)
