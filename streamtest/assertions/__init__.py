"""Assertions on a :class:`~streamtest.Transcript`, with failures that read at a glance.

Six families, each also a ``Transcript`` method:

- token order: :func:`assert_tokens`, :func:`assert_tokens_in_order`,
  :func:`assert_text`, :func:`assert_text_matches_state`;
- tag routing: :func:`assert_from_nodes`, :func:`assert_tags_exclusive`,
  :func:`interleaves`, :func:`assert_not_interleaved`;
- metadata: :func:`assert_metadata` (values, predicates, types or regex patterns);
- conservation: :func:`assert_conserves` cross-checks the provider's tokens,
  tool-call fragments and usage, per cassette interaction, against the stream;
- tool calls: :func:`assert_tool_calls` with :func:`tool_call` specs (values,
  types, regexes or predicates per argument);
- trajectories: :func:`assert_trajectory`, agentevals' strict / unordered /
  subset / superset modes with per-tool argument matching.

The token, text, metadata, routing and conservation assertions
(:func:`assert_tokens`, :func:`assert_tokens_in_order`, :func:`assert_text`,
:func:`assert_text_matches_state`, :func:`assert_metadata`, :func:`assert_from_nodes`,
:func:`assert_tags_exclusive`, :func:`assert_conserves`) take keyword filters
``tag=``, ``node=``, ``mode=`` (the same as
``transcript.tagged(tag).from_node(node).mode(mode)``); :func:`assert_tool_calls`
and :func:`assert_trajectory` take ``tag=`` and ``node=`` (the trajectory's
``mode=`` is how calls are matched). :func:`interleaves` and
:func:`assert_not_interleaved` compare two tags over the whole transcript. Each
fails on an empty view: an assertion that checks nothing would hide the bug it exists for.

A failure raises :class:`StreamAssertionError` whose message puts the expected and
actual token streams one above the other, ``|`` after each token like the
LangGraph how-to prints them, with a caret under the first difference.
:func:`token_diff_lines` and :func:`transcript_diff_lines` build those lines; the
``pytest_assertrepr_compare`` hook uses them for plain ``assert a == b``.

The package sits below the ``Transcript`` class, which offers these
assertions as methods: it imports the transcript's event types, never the
class itself. One module per family: ``_tokens``, ``_routing``, ``_metadata``,
``_conservation``, ``_tool_calls``, ``_trajectory``, ``_records`` (transcript
diffs); ``_render`` formats, ``_views`` narrows a transcript to what is checked,
``_matchers`` reads one expectation (value, type, regex, predicate). Tool calls
are read from :mod:`streamtest._transcript.trajectory`, a leaf below the class.
"""

from __future__ import annotations

from streamtest.assertions._conservation import InteractionLike, assert_conserves
from streamtest.assertions._metadata import assert_metadata, checkpoint_ns_of
from streamtest.assertions._records import (
    assertrepr_lines,  # noqa: F401 - for the pytest_assertrepr_compare hook (_plugin.golden); not public
    transcript_diff_lines,
)
from streamtest.assertions._render import StreamAssertionError, token_diff_lines
from streamtest.assertions._routing import assert_from_nodes, assert_not_interleaved, assert_tags_exclusive, interleaves
from streamtest.assertions._tokens import assert_text, assert_text_matches_state, assert_tokens, assert_tokens_in_order
from streamtest.assertions._tool_calls import ArgsMode, ToolCallSpec, assert_tool_calls, tool_call
from streamtest.assertions._trajectory import TrajectoryMode, assert_trajectory

__all__ = [
    "ArgsMode",
    "InteractionLike",
    "StreamAssertionError",
    "ToolCallSpec",
    "TrajectoryMode",
    "assert_conserves",
    "assert_from_nodes",
    "assert_metadata",
    "assert_not_interleaved",
    "assert_tags_exclusive",
    "assert_text",
    "assert_text_matches_state",
    "assert_tokens",
    "assert_tokens_in_order",
    "assert_tool_calls",
    "assert_trajectory",
    "checkpoint_ns_of",
    "interleaves",
    "token_diff_lines",
    "tool_call",
    "transcript_diff_lines",
]
