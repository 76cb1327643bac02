"""Assertions: each family passes on the seed graphs and fails, readably, on planted bugs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from streamtest import assertions as A
from streamtest._exceptions import UsageError
from streamtest._transcript.capture import Tokens, Transcript, capture
from tests.test_transcript_fakes import JOKE, POEM, FakeInteraction, custom_graph, fanout_graph, joke_poem_graph


@pytest.fixture(scope="module")
def seed() -> Transcript:
    sync, _ = joke_poem_graph()
    return capture(sync, {"topic": "cats"})


@pytest.fixture(scope="module")
def seed_custom() -> Transcript:
    return capture(custom_graph(), {"topic": "cats"}, stream_mode="custom")


def interactions() -> list[FakeInteraction]:
    return [
        FakeInteraction([""] + JOKE, {"model": "m", "messages": [{"role": "user", "content": "Write a joke about cats"}]}),
        FakeInteraction(POEM + [""], {"model": "m", "messages": [{"role": "user", "content": "Write a short poem about cats"}]}),
    ]


def failure(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(A.StreamAssertionError) as caught:
        call(*args, **kwargs)
    assert isinstance(caught.value, AssertionError)
    return str(caught.value)


def chunks(*pairs: tuple[str, str]) -> list[tuple[AIMessageChunk, dict[str, Any]]]:
    """Hand-built messages items in the given arrival order: (tag, token) pairs."""
    return [
        (AIMessageChunk(content=token, id=f"lc_run--{tag}"), {"tags": [tag], "langgraph_node": tag}) for tag, token in pairs
    ]


# --------------------------------------------------------------------------- rendering


def test_token_diff_lines_put_streams_side_by_side_with_a_caret() -> None:
    lines = A.token_diff_lines(["Why", " was", " the", " cat"], ["Why", " was", " a", " cat"])
    assert lines == [
        "first difference at token 3 (expected ' the', actual ' a'); expected has 4 tokens, actual 4:",
        "  expected: Why| was| the| cat|",
        "  actual  : Why| was| a| cat|",
        "                     ^",
    ]


def test_token_diff_lines_escape_and_window_long_streams() -> None:
    expected = [f"t{i}" for i in range(50)]
    actual = expected[:30] + ["new\nline|pipe"] + expected[31:]
    lines = A.token_diff_lines(expected, actual, labels=("golden", "actual"))
    assert lines[0].startswith("first difference at token 31 (golden 't30', actual 'new\\nline|pipe')")
    assert lines[1].startswith("  golden: …t24|") and lines[1].endswith("…")
    assert "new\\nline\\|pipe|" in lines[2]
    caret = lines[3].index("^")
    assert lines[1][caret:].startswith("t30|") and lines[2][caret:].startswith("new\\nline")


def test_token_diff_lines_of_equal_streams_is_empty() -> None:
    assert A.token_diff_lines(["a"], ("a",)) == []


def test_tokens_compare_with_lists_and_print_like_the_seed() -> None:
    tokens = Tokens(["Why", " was"])
    assert tokens == ["Why", " was"] and tokens == ("Why", " was") and tokens != ["Why"]
    assert tokens != "Why was"
    assert str(tokens) == "Why| was|" and tokens.text == "Why was"
    assert isinstance(tokens[:1], Tokens) and tokens[0] == "Why"


# --------------------------------------------------------------------------- token order


def test_token_order_passes_on_the_seed(seed: Transcript) -> None:
    A.assert_tokens(seed, JOKE, tag="joke")
    seed.tagged("poem").assert_tokens(POEM)
    seed.assert_tokens_in_order(["Why", " cat", " mouse", "In", " sly"])
    A.assert_text(seed, "".join(JOKE), tag="joke")
    seed.assert_text_matches_state("joke", tag="joke")
    seed.assert_text_matches_state("poem", tag="poem")
    A.assert_tokens(seed.tagged("nothing"), [])


def test_assert_tokens_failure_marks_the_first_difference(seed: Transcript) -> None:
    expected = JOKE[:4] + [" dog"] + JOKE[5:]
    message = failure(A.assert_tokens, seed, expected, tag="joke")
    assert message.startswith("tokens of tag 'joke' differ\nfirst difference at token 5 (expected ' dog', actual ' sitting')")
    assert "  expected: Why| was| the| cat| dog| on|" in message
    assert "  actual  : Why| was| the| cat| sitting| on|" in message


def test_in_order_failure_names_the_missing_token(seed: Transcript) -> None:
    message = failure(seed.assert_tokens_in_order, ["Why", " cat", " dog"], tag="joke")
    assert "expected token 3 of 3, ' dog', does not appear after token 4 (' cat')" in message
    assert "expected (in order): Why| cat| dog|" in message


def test_text_failure_shows_where_the_text_parts(seed: Transcript) -> None:
    message = failure(seed.assert_text, "Why was the dog sitting", tag="joke")
    assert "differs from the expected text at character 13" in message
    assert "first difference at token 4 (expected ' dog', actual ' cat')" in message


def test_empty_views_fail_instead_of_passing_vacuously(seed: Transcript) -> None:
    message = failure(A.assert_text, seed, "x", tag="nope")
    assert "no tokens here (the transcript has 39 tokens; tags: 'joke', 'poem'; nodes: 'call_model')" in message


def test_usage_errors_show_the_value(seed: Transcript) -> None:
    with pytest.raises(UsageError, match="must be a list of token strings"):
        A.assert_tokens(seed, "Why was")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="must be a str"):
        A.assert_text(seed, ["Why"])  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="has no 'missing'"):
        A.assert_text_matches_state(seed, "missing")
    with pytest.raises(UsageError, match="no final state"):
        A.assert_text_matches_state(Transcript.from_stream(["x"], stream_mode="custom"), "joke")
    with pytest.raises(UsageError, match="not a Transcript"):
        A.assert_tokens(["x"], ["x"])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- planted bugs


def test_planted_dropped_token_messages_mode() -> None:
    broken, _ = joke_poem_graph(drop_poem_token=3)
    t = capture(broken, {"topic": "cats"})
    message = failure(t.assert_conserves, interactions())
    assert message.startswith(
        "interaction 2 of 2 (model 'm', prompt 'Write a short poem about cats') did not reach the stream intact; "
        "closest: call 2 (messages, node 'call_model', tags ['poem'])"
    )
    assert "first difference at token 4 (provider sent ' patches', graph streamed ',')" in message
    assert "  provider sent : In| sun|lit| patches|,|" in message
    assert "  graph streamed: In| sun|lit|,| sleek|" in message
    message = failure(t.assert_text_matches_state, "poem", tag="poem")
    assert "text of tag 'poem' differs from the final state's 'poem' at character 10" in message


def test_planted_dropped_token_custom_mode() -> None:
    t = capture(custom_graph(drop_poem_token=5), {"topic": "cats"}, stream_mode="custom")
    message = failure(A.assert_conserves, t, interactions())
    assert "closest: call 2 (custom, node 'call_model', tags ['poem'])" in message
    assert "first difference at token 6 (provider sent ' sleek', graph streamed ' and')" in message
    assert "first difference at token 6" in failure(t.assert_tokens, POEM, tag="poem")


def test_planted_wrong_tag_messages_mode() -> None:
    wrong, _ = joke_poem_graph(poem_tags=("joke",))
    t = capture(wrong, {"topic": "cats"})
    message = failure(t.tagged("joke").assert_text_matches_state, "joke")
    assert "first difference at token 22 (expected ends; actual continues with 'In')" in message
    assert "  actual  : … an| eye| on| the| mouse|!|In| sun|lit|" in message
    assert "no tokens here" in failure(t.assert_tokens, POEM, tag="poem")
    message = failure(t.assert_conserves, interactions(), tags=[["joke"], ["poem"]])
    assert "interaction 2 of 2 (model 'm', prompt 'Write a short poem about cats') was streamed under tags ['joke']" in message
    assert "but the model that made it carries ['poem']" in message


def test_planted_wrong_tag_custom_mode() -> None:
    t = capture(custom_graph(poem_tag="joke"), {"topic": "cats"}, stream_mode="custom")
    message = failure(A.assert_text_matches_state, t, "joke", tag="joke")
    assert "first difference at token 22 (expected ends; actual continues with 'In')" in message
    message = failure(t.assert_conserves, interactions(), tags=lambda i: ["poem"] if "poem" in str(i.request_json) else ["joke"])
    assert "was streamed under tags ['joke'], but the model that made it carries ['poem']" in message


def test_planted_call_carrying_two_tags() -> None:
    both, _ = joke_poem_graph(poem_tags=("poem", "joke"))
    t = capture(both, {"topic": "cats"})
    message = failure(t.assert_tags_exclusive, "joke", "poem")
    assert message.startswith(
        "18 of 39 tagged tokens carry more than one of ['joke', 'poem']; "
        "first: token 22 'In' (node 'call_model', tags ['poem', 'joke']) carries ['joke', 'poem']"
    )
    assert "  tokens: … an| eye| on| the| mouse|!|In| sun|" in message


# --------------------------------------------------------------------------- tag routing


def test_routing_passes_on_the_seed(seed: Transcript, seed_custom: Transcript) -> None:
    for t in (seed, seed_custom):
        A.assert_from_nodes(t, "call_model", tag="joke")
        t.assert_tags_exclusive("joke", "poem")
        assert not t.interleaves("joke", "poem")
        t.assert_not_interleaved("joke", "poem")
        assert t.tagged("poem").text == "".join(POEM)


def test_routing_from_the_wrong_node_fails_with_a_count(seed: Transcript) -> None:
    message = failure(seed.assert_from_nodes, "write_joke", tag="joke")
    assert message.startswith("21 of 21 tokens of tag 'joke' come from nodes other than 'write_joke'; first: token 1 'Why'")
    assert "by node: 'call_model' ×21" in message


def test_interleaving_is_read_from_arrival_order() -> None:
    t = Transcript.from_stream(
        chunks(("joke", "Why"), ("poem", "In"), ("poem", " sun"), ("joke", " was"), ("poem", "lit")),
        stream_mode="messages",
    )
    assert t.interleaves("joke", "poem") and A.interleaves(t, "poem", "joke")
    assert t.tokens == ["Why", " was", "In", " sun", "lit"]  # canonical order: one call after the other
    message = failure(t.assert_not_interleaved, "joke", "poem")
    assert message.splitlines() == [
        "tokens of 'joke' and 'poem' interleave in arrival order (4 runs):",
        "  joke: Why|",
        "  poem: " + " " * 4 + "In| sun|",
        "  joke: " + " " * 12 + " was|",
        "  poem: " + " " * 17 + "lit|",
    ]
    sequential = Transcript.from_stream(chunks(("joke", "a"), ("joke", "b"), ("poem", "c")), stream_mode="messages")
    assert not sequential.interleaves("joke", "poem")
    assert "no token carries" in failure(sequential.assert_not_interleaved, "x", "y")


def test_concurrent_branches_do_interleave_on_arrival() -> None:
    sync, _ = fanout_graph()
    seen = [capture(sync, {"topic": "cats"}).interleaves("joke", "poem") for _ in range(40)]
    assert any(seen)


def test_tags_exclusive_needs_two_tags(seed: Transcript) -> None:
    with pytest.raises(UsageError, match="two or more tags"):
        seed.assert_tags_exclusive("joke")
    assert "no token carries any of" in failure(seed.assert_tags_exclusive, "a", "b")


# --------------------------------------------------------------------------- metadata


def test_metadata_values_types_patterns_and_predicates(seed: Transcript) -> None:
    seed.assert_metadata(
        langgraph_node="call_model",
        langgraph_step=int,
        langgraph_triggers=["branch:to:call_model"],
        langgraph_path=("__pregel_pull", "call_model"),
        checkpoint_ns=A.checkpoint_ns_of("call_model"),
        langgraph_checkpoint_ns=re.compile(r"call_model:[0-9a-f-]{36}"),
        ls_provider="scripted",
        ls_model_name="scripted-1",
        ls_temperature=lambda t: t is None or 0 <= t <= 1,
    )
    A.assert_metadata(seed, {"tags": ["poem"]}, tag="poem")
    seed.normalized().assert_metadata(checkpoint_ns=A.checkpoint_ns_of("call_model"))


def test_metadata_failures_group_per_call(seed: Transcript) -> None:
    message = failure(seed.assert_metadata, ls_model_name="gpt-4o-mini", ls_temperature=lambda t: t < 0.5)
    lines = message.splitlines()
    assert lines[0] == "metadata: 39 of 39 events do not match ls_model_name, ls_temperature:"
    assert lines[1] == (
        "  tokens 1-21 ('Why'…'!', node 'call_model', tags ['joke']): 'ls_model_name' is 'scripted-1', "
        "expected 'gpt-4o-mini'; 'ls_temperature' is 0.7, rejected by <lambda>"
    )
    assert lines[2].startswith("  tokens 22-39 ('In'…'.', node 'call_model', tags ['poem'])")
    assert "no 'nope' (keys: checkpoint_ns, langgraph_checkpoint_ns" in failure(seed.assert_metadata, nope=1, tag="joke")
    with pytest.raises(UsageError, match="at least one field"):
        seed.assert_metadata()


def test_checkpoint_ns_of_matches_raw_normalized_and_nested() -> None:
    pattern = A.checkpoint_ns_of("call_model")
    assert pattern.fullmatch("call_model:6ddc5f0f-1dd0-325d-3014-f949286ce595")
    assert pattern.fullmatch("call_model:<task:1>")
    assert pattern.fullmatch("parent:<task:1>|call_model:<task:2>")
    assert not pattern.fullmatch("other:<task:1>")


# --------------------------------------------------------------------------- conservation


def test_conservation_passes_in_messages_and_custom_mode(seed: Transcript, seed_custom: Transcript) -> None:
    seed.assert_conserves(interactions(), tags=[["joke"], ["poem"]])
    A.assert_conserves(seed_custom, interactions(), tags=lambda i: None)
    A.assert_conserves(seed, [FakeInteraction([]), *interactions()])  # a tool-call-only response sends no text


def test_conservation_in_one_custom_lane_consumes_interactions_in_order() -> None:
    t = capture(custom_graph(plain=True), {"topic": "cats"}, stream_mode="custom")
    t.assert_conserves(interactions())
    message = failure(t.assert_conserves, interactions()[::-1])
    assert "interaction 1 of 2" in message and "closest: call 1 (custom, node" not in message


def test_conservation_catches_duplicates_and_missing_calls(seed: Transcript) -> None:
    message = failure(seed.assert_conserves, interactions()[:1])
    assert message.startswith("call 2 (messages, node 'call_model', tags ['poem']) streamed 18 tokens no interaction sent")
    message = failure(seed.assert_conserves, [*interactions(), FakeInteraction(["In", " sun"])])
    assert "interaction 3 of 3 did not reach the stream intact" in message
    duplicated = Transcript.from_stream(chunks(("joke", "a"), ("joke", "b"), ("joke", "b")), stream_mode="messages")
    message = failure(duplicated.assert_conserves, [FakeInteraction(["a", "b"])])
    assert "streamed 1 tokens no interaction sent" in message and "from token 3" in message
    nothing = Transcript.from_stream([], stream_mode="messages")
    assert "the stream carried none" in failure(nothing.assert_conserves, [FakeInteraction(["a"])])


def test_conservation_usage_errors(seed: Transcript) -> None:
    mixed = Transcript.from_stream(
        [("messages", chunks(("joke", "a"))[0]), ("custom", "b")], stream_mode=["messages", "custom"]
    )
    with pytest.raises(UsageError, match=r"modes \['custom', 'messages'\]; check one at a time"):
        mixed.assert_conserves([FakeInteraction(["a"])])
    mixed.assert_conserves([FakeInteraction(["a"])], mode="messages")
    with pytest.raises(UsageError, match="not a recorded interaction"):
        seed.assert_conserves(["a"])  # type: ignore[list-item]
    with pytest.raises(UsageError, match="one tag set per interaction"):
        seed.assert_conserves(interactions(), tags="joke")  # type: ignore[arg-type]
    assert isinstance(FakeInteraction([]), A.InteractionLike)


# --------------------------------------------------------------------------- transcripts and assertrepr


def test_transcript_diff_lines_point_at_the_first_differing_record() -> None:
    a = [{"mode": "messages", "node": "n", "tags": ["joke"], "tokens": ["a", "b", "c"]}]
    b = [{"mode": "messages", "node": "n", "tags": ["joke"], "tokens": ["a", "x", "c"]}]
    lines = A.transcript_diff_lines(a, b, labels=("golden", "actual"))
    assert lines[0] == "first difference in record 1 (messages n):"
    assert lines[1].startswith("first difference at token 2 (golden 'b', actual 'x')")
    assert "--- golden" in lines and "+++ actual" in lines
    assert A.transcript_diff_lines(a, a) == []
    extra = A.transcript_diff_lines(a, [*a, {"mode": "values", "data": {}}])
    assert extra[0] == "actual has 1 more records from record 2: {'mode': 'values', 'data': {}}"


def test_assertrepr_lines_only_for_our_types() -> None:
    assert "assertrepr_lines" not in A.__all__  # the pytest_assertrepr_compare hook's helper, not an assertion
    assert (A.assertrepr_lines(Tokens(["a", "b"]), ["a", "c"]) or [])[:2] == [
        "token streams differ",
        "first difference at token 2 (left 'b', right 'c'); left has 2 tokens, right 2:",
    ]
    assert A.assertrepr_lines(["a"], ["b"]) is None
    assert A.assertrepr_lines(Tokens(["a"]), 3) is None


def test_pytest_shows_side_by_side_token_diffs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from streamtest._transcript.capture import Transcript

        def t(*tokens):
            return Transcript.from_stream(list(tokens), stream_mode="custom")

        def test_tokens():
            assert t("Why", " was", " the").tokens == ["Why", " was", " a"]

        def test_transcripts():
            assert t("Why", " was") == t("Why", " is")
        """
    )
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest("-p", "streamtest._plugin.golden", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*token streams differ",
            "*first difference at token 3 (left ' the', right ' a'); left has 3 tokens, right 3:",
            "*  left : Why| was| the|",
            "*  right: Why| was| a|",
            "*normalized transcripts differ",
            "*first difference at token 2 (left ' was', right ' is')*",
        ]
    )
