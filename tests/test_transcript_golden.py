"""Golden transcripts: written under --record, compared by plain pytest, atomically."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from streamtest._exceptions import StreamtestError, UsageError
from streamtest._plugin.golden import GoldenTranscript, GoldenTranscriptError, _dump, _golden_beside
from streamtest._transcript.capture import Transcript, capture
from streamtest.assertions import StreamAssertionError
from tests.test_transcript_fakes import JOKE, fanout_graph, joke_poem_graph

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def golden(tmp_path: Path, record: str | None) -> GoldenTranscript:
    return GoldenTranscript(
        lambda name: tmp_path / "cassettes" / f"test_x{'.' + name if name else ''}.transcript.yaml",
        record=record,
        test_id="tests/test_x.py::test_x",
    )


@pytest.fixture(scope="module")
def seed() -> Transcript:
    sync, _ = joke_poem_graph()
    return capture(sync, {"topic": "cats"}, stream_mode=["messages", "updates"])


def test_record_writes_a_readable_id_free_file_then_replay_compares(tmp_path: Path, seed: Transcript) -> None:
    golden(tmp_path, "all").check(seed)
    path = tmp_path / "cassettes" / "test_x.transcript.yaml"
    text = path.read_text()
    assert text.startswith("# streamtest golden transcript")
    assert "tokens: [Why, ' was', ' the', ' cat'," in text  # token lists read like the stream
    assert not UUID_RE.search(text) and "lc_run--" not in text and "lc_versions" not in text
    document = yaml.safe_load(text)
    assert document["streamtest_transcript"] == 1
    assert document["options"] == {"stream_mode": ["messages", "updates"], "subgraphs": False, "version": "v1"}
    assert document["events"][0]["tokens"] == JOKE
    assert document["final_state"]["joke"] == "".join(JOKE)
    sync, _ = joke_poem_graph()
    golden(tmp_path, None).check(capture(sync, {"topic": "cats"}, stream_mode=["messages", "updates"]))
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left behind


def test_a_changed_stream_fails_with_a_diff_and_the_rerecord_command(tmp_path: Path, seed: Transcript) -> None:
    golden(tmp_path, "all").check(seed)
    broken, _ = joke_poem_graph(drop_poem_token=3)
    with pytest.raises(StreamAssertionError) as caught:
        golden(tmp_path, None).check(capture(broken, {"topic": "cats"}, stream_mode=["messages", "updates"]))
    message = str(caught.value)
    assert "the normalized transcript differs from" in message
    assert "delete test_x.transcript.yaml and run `pytest --record=missing tests/test_x.py::test_x`" in message
    assert "or `pytest --record tests/test_x.py::test_x` to re-record the cassette too" in message
    assert "first difference in record 2 (messages call_model):" in message
    assert "first difference at token 4 (golden ' patches', actual ',')" in message
    assert "--- golden" in message and "+++ actual" in message


def test_changed_options_and_final_state_are_reported(tmp_path: Path, seed: Transcript) -> None:
    golden(tmp_path, "all").check(seed)
    sync, _ = joke_poem_graph()
    with pytest.raises(StreamAssertionError, match="stream options: golden"):
        golden(tmp_path, None).check(capture(sync, {"topic": "cats"}, stream_mode=["messages", "updates"], subgraphs=True))
    path = tmp_path / "cassettes" / "test_x.transcript.yaml"
    document = yaml.safe_load(path.read_text())
    document["final_state"]["joke"] = "changed"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(StreamAssertionError, match="final state: golden"):
        golden(tmp_path, None).check(seed)


def test_missing_golden_in_replay_says_how_to_record(tmp_path: Path, seed: Transcript) -> None:
    with pytest.raises(GoldenTranscriptError) as caught:
        golden(tmp_path, None).check(seed)
    assert isinstance(caught.value, StreamtestError)
    assert "no golden transcript recorded for this test" in str(caught.value)
    assert "`pytest --record=missing tests/test_x.py::test_x`" in str(caught.value)
    assert caught.value.path == tmp_path / "cassettes" / "test_x.transcript.yaml"


def test_record_missing_writes_only_what_is_missing(tmp_path: Path, seed: Transcript) -> None:
    golden(tmp_path, "missing").check(seed)
    path = tmp_path / "cassettes" / "test_x.transcript.yaml"
    before = path.read_text()
    broken, _ = joke_poem_graph(drop_poem_token=3)
    with pytest.raises(StreamAssertionError):
        golden(tmp_path, "missing").check(capture(broken, {"topic": "cats"}, stream_mode=["messages", "updates"]))
    assert path.read_text() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("events: [\n", "not YAML"),
        ("- a list\n", "not a golden transcript"),
        ("streamtest_transcript: 99\nevents: []\n", "format 99 is not supported"),
    ],
)
def test_unreadable_golden_files_say_what_to_do(tmp_path: Path, seed: Transcript, content: str, message: str) -> None:
    path = tmp_path / "cassettes" / "test_x.transcript.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(content)
    with pytest.raises(GoldenTranscriptError, match=message):
        golden(tmp_path, None).check(seed)


def test_named_checks_and_repeated_checks(tmp_path: Path, seed: Transcript) -> None:
    g = golden(tmp_path, "all")
    g.check(seed.tagged("joke"), name="joke")
    g.check(seed)
    assert (tmp_path / "cassettes" / "test_x.joke.transcript.yaml").exists()
    with pytest.raises(UsageError, match="already checked in this test; pass name="):
        g.check(seed)
    with pytest.raises(UsageError, match="name="):
        g.check(seed, name="a/b")
    with pytest.raises(UsageError, match="not a Transcript"):
        g.check("tokens")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="streamtest_record='sometimes'"):
        golden(tmp_path, "sometimes")


def test_concurrent_fanout_golden_is_stable(tmp_path: Path) -> None:
    sync, _ = fanout_graph(custom=True)
    modes = ["messages", "custom", "updates", "values"]
    golden(tmp_path, "all").check(capture(sync, {"topic": "cats"}, stream_mode=modes))
    for _ in range(30):
        golden(tmp_path, None).check(capture(sync, {"topic": "cats"}, stream_mode=modes))


@pytest.mark.parametrize(
    ("cassette", "name", "expected"),
    [
        ("c/mod/test_a.yaml", None, "c/mod/test_a.transcript.yaml"),
        ("c/mod/test_a.yml", None, "c/mod/test_a.transcript.yaml"),
        ("c/mod/test_a.json", None, "c/mod/test_a.transcript.yaml"),  # pytest-recording's, replayed as it is
        ("c/mod/test_a[x-1].yaml", "joke", "c/mod/test_a[x-1].joke.transcript.yaml"),
    ],
)
def test_golden_file_sits_beside_the_cassette(cassette: str, name: str | None, expected: str) -> None:
    assert _golden_beside(Path(cassette), name) == Path(expected)


INNER_TEST = """
from streamtest._transcript.capture import capture
from tests.test_transcript_fakes import joke_poem_graph

class TestSeed:
    def test_golden(self, golden_transcript):
        sync, _ = joke_poem_graph()
        golden_transcript.check(capture(sync, {"topic": "cats"}))
"""


def test_fixture_records_with_record_flag_and_compares_without(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_inner=INNER_TEST)
    args = ["-p", "streamtest._plugin.golden", "-p", "no:cacheprovider"]
    result = pytester.runpytest(*args)
    result.assert_outcomes(errors=0, failed=1)
    result.stdout.fnmatch_lines(["*no golden transcript recorded*`pytest --record=missing test_inner.py::TestSeed::test_golden`*"])
    pytester.runpytest(*args, "--record=all").assert_outcomes(passed=1)
    path = pytester.path / "cassettes" / "test_inner" / "TestSeed.test_golden.transcript.yaml"
    assert path.exists()
    pytester.runpytest(*args).assert_outcomes(passed=1)
    path.write_text(path.read_text().replace("' cat'", "' dog'", 1))
    result = pytester.runpytest(*args)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*the normalized transcript differs from*TestSeed.test_golden.transcript.yaml*",
            "*first difference at token 4 (golden ' dog', actual ' cat')*",
        ]
    )


@given(st.lists(st.text(st.characters(blacklist_categories=["Cs"]), max_size=6), max_size=12))
def test_any_token_text_survives_the_golden_file_round_trip(tokens: list[str]) -> None:
    transcript = Transcript.from_stream(
        [({"content": token}, {"tags": ["t"]}) for token in tokens], stream_mode="custom"
    )
    document = GoldenTranscript(lambda name: Path("unused"), record=None, test_id="x").document(transcript)
    assert yaml.safe_load(_dump(document)) == document


def test_a_golden_transcript_is_written_only_when_the_test_passes(pytester: pytest.Pytester) -> None:
    """Golden files wait for the end of the test, like the cassette: a failed test writes neither."""
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        test_inner="""
from streamtest._transcript.capture import capture
from tests.test_transcript_fakes import joke_poem_graph

def test_fails_after_checking(golden_transcript):
    sync, _ = joke_poem_graph()
    golden_transcript.check(capture(sync, {"topic": "cats"}))
    assert golden_transcript.path().parent.exists() is False  # not written yet
    raise AssertionError("the test failed after its golden check")

def test_passes(golden_transcript):
    sync, _ = joke_poem_graph()
    golden_transcript.check(capture(sync, {"topic": "cats"}))
    assert not golden_transcript.path().exists()  # written once the test has passed
"""
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--record=all")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*AssertionError: the test failed after its golden check"])
    folder = pytester.path / "cassettes" / "test_inner"
    assert sorted(p.name for p in folder.iterdir()) == ["test_passes.transcript.yaml"]
