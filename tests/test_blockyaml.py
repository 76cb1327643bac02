"""The fast reader of the dumper's YAML (``_cassette.blockyaml``) reads what libyaml reads, or gives up.

Its one promise: for any text, ``read_block`` returns ``None`` or exactly the
value the checking libyaml path builds (same types: ``True`` is not ``1``).
Checked on every cassette in the repository, on documents the dumper writes
from generated data, and on those documents damaged at random, where the
reader must give up wherever libyaml would refuse or read something else.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from streamtest._cassette import format as cassette_format
from streamtest._cassette.blockyaml import read_block
from streamtest._exceptions import StreamtestError

ROOT = Path(__file__).resolve().parent.parent


def dumped(document: Any) -> str:
    """``document`` as ``format.dump`` writes YAML."""
    return str(yaml.dump(document, Dumper=cassette_format._Dumper, sort_keys=False, allow_unicode=True, width=2**31 - 1))


def slow(text: str) -> Any:
    """The checking path: libyaml's nodes through the checking walk."""
    return cassette_format._parse_yaml_nodes(text, "test.yaml")


def same(a: Any, b: Any) -> bool:
    """Equal with the same types all the way down (``True`` is not ``1``, ``1`` is not ``1.0``)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


CASSETTES = sorted(path for path in (ROOT / "fixtures").glob("*.yaml") if path.read_bytes().startswith(b"streamtest_format:"))


def test_there_are_cassettes_to_check() -> None:
    assert len(CASSETTES) >= 12


@pytest.mark.parametrize("path", CASSETTES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_cassette_in_the_repository_reads_the_same_either_way(path: Path) -> None:
    rest, _ = cassette_format._cut_event_lines(path.read_bytes())
    text = rest.decode("utf-8")
    fast = read_block(text)
    if fast is not None:
        assert same(fast, slow(text))


def test_the_fixtures_the_dumper_wrote_take_the_fast_path() -> None:
    """Where the time goes: the files the dumper wrote are read without libyaml (multi-line prompts excepted)."""
    fast = [path for path in CASSETTES if read_block(cassette_format._cut_event_lines(path.read_bytes())[0].decode()) is not None]
    assert len(fast) >= 0.8 * len(CASSETTES), sorted(set(map(str, CASSETTES)) - set(map(str, fast)))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a: 1\nb: true\nc: null\nd: 1.5\ne: x\n", {"a": 1, "b": True, "c": None, "d": 1.5, "e": "x"}),
        ("a: yes\nb: 0x1f\nc: 1_000\nd: ~\ne: '017'\nf: 017\n", {"a": True, "b": 31, "c": 1000, "d": None, "e": "017", "f": 15}),
        ("a:\n- 1\n- b: 2\n  c: 3\nd: {}\ne: []\n", {"a": [1, {"b": 2, "c": 3}], "d": {}, "e": []}),
        ("a: 'it''s'\nb: \"x y\"\nc: -1\nd: 2001-12-14\ne: =\n", {"a": "it's", "b": "x y", "c": -1, "d": "2001-12-14", "e": "="}),
    ],
)
def test_plain_scalars_mean_what_yaml_1_1_says(text: str, value: dict[str, Any]) -> None:
    fast = read_block(text)
    assert fast is not None and same(fast, value) and same(fast, slow(text))


@pytest.mark.parametrize(
    "text",
    [
        "a: 1 # comment\n",  # comments
        "a: &x 1\nb: *x\n",  # anchors and aliases
        "a: !!str 1\n",  # tags
        "a: |\n  text\n",  # block scalars
        "a: [1, 2]\n",  # flow collections
        "a: \"x\\ny\"\n",  # escapes
        "a: long\n  continued\n",  # multi-line plain scalar
        "a: 'open\n  quote'\n",  # multi-line quoted scalar
        "a:\n",  # an empty value
        "on: 1\n",  # a key that is not text
        "a: 1\n\nb: 2\n",  # a blank line
        "a:\tb\n",  # a tab
        "a: b\rc\n",  # a line break YAML knows and Python's split does not
        "a: x\u2028y\n",
        "<<: {}\n",
        "- 1\n",  # not a mapping
        "",
    ],
)
def test_anything_else_is_left_to_libyaml(text: str) -> None:
    assert read_block(text) is None


def test_nesting_past_the_limit_is_left_to_the_checking_path() -> None:
    deep = "".join(f"{'  ' * depth}k:\n" for depth in range(120)) + f"{'  ' * 120}k: 1\n"
    assert read_block(deep) is None
    with pytest.raises(StreamtestError, match="nested deeper"):
        slow(deep)


_KEYS = st.one_of(
    st.sampled_from(["method", "uri", "content-type", "x-api-key", "on", "null", "1", "a b", "k:v", "-x", "_", "é"]),
    st.text(max_size=8),
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["yes", "No", "~", "0x1f", "017", "1_000", "2001-12-14", "=", "<<", "- x", "a: b", "a #b", "'q'", "{}"]),
)
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(_KEYS, children, max_size=4)),
    max_leaves=20,
)
# Documents like a cassette's: plain keys, ordinary values; the fast reader takes most of them.
_TAME_KEYS = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True)
_TAME = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(st.characters(codec="utf-8"), max_size=20)),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(_TAME_KEYS, children, max_size=4)),
    max_leaves=20,
)
_ANY_DOCUMENT = st.one_of(st.dictionaries(_TAME_KEYS, _TAME, min_size=1, max_size=5), st.dictionaries(_KEYS, _DOCUMENTS, min_size=1, max_size=5))


@settings(max_examples=400)
@given(_ANY_DOCUMENT)
def test_what_the_dumper_writes_reads_the_same_either_way(document: dict[str, Any]) -> None:
    text = dumped(document)
    fast = read_block(text)
    if fast is not None:
        assert same(fast, slow(text))
        assert same(fast, document)


_EDITS = st.sampled_from(list(" :#-'\"\n\t{}[]&*!|>%@?,=~\\\u2028ab1"))


def test_the_fast_reader_takes_ordinary_documents() -> None:
    """Not a reader that always gives up: a cassette-like document is read without libyaml."""
    document = {"method": "POST", "headers": {"x-n": ["1", "two"]}, "body": {"json": {"n": 1.5, "ok": True, "none": None}}}
    assert same(read_block(dumped(document)), document)


@settings(max_examples=600)
@given(_ANY_DOCUMENT, st.data())
def test_a_damaged_document_is_read_as_libyaml_reads_it_or_left_to_it(document: dict[str, Any], data: st.DataObject) -> None:
    text = dumped(document)
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        kind = data.draw(st.sampled_from(["insert", "delete", "indent"]))
        if kind == "insert":
            text = text[:at] + data.draw(_EDITS) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + 1 :]
        else:
            start = text.rfind("\n", 0, at) + 1
            text = text[:start] + "  " + text[start:]
    fast = read_block(text)
    if fast is None:
        return
    try:
        expected = slow(text)
    except (StreamtestError, yaml.YAMLError) as error:
        pytest.fail(f"the fast reader read {text!r} as {fast!r}; libyaml refuses it: {error}")
    assert same(fast, expected), text
