"""The same events encoded the other ways the SSE spec allows: :func:`sse_variations`.

Works on any :class:`GeneratedStream`, whichever strategy drew it, and leaves
its ground truth alone: only the bytes on the wire change.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from streamtest._exceptions import UsageError
from streamtest._strategies.arguments import check_bool, named
from streamtest._strategies.types import CHAT_COMPLETIONS, DONE, RESPONSES, GeneratedStream
from streamtest._wire.sse import SSE, encode_event, parse_event

__all__ = ["sse_variations"]

# Comment texts (after the colon) of the keep-alives servers send: ": ping", ":", ...
_KEEP_ALIVES = (" ping", "", " keep-alive", " OPENROUTER PROCESSING")
_EOLS = ("\n", "\r\n", "\r")


@named("sse_variations")
def _sse_variations(
    draw: Callable[[SearchStrategy[Any]], Any],
    streams: SearchStrategy[GeneratedStream],
    *,
    line_endings: bool = True,
    comments: bool = True,
    event_lines: bool = True,
    no_space: bool = True,
    multiline_data: bool = True,
    network_splits: bool = True,
    event_ids: bool = False,
) -> GeneratedStream:
    stream = draw(streams)
    if not isinstance(stream, GeneratedStream):
        raise UsageError(f"sse_variations() needs a strategy of GeneratedStream, got a draw of {stream!r:.200}")
    if stream.content_type != SSE.content_type:
        raise UsageError(f"sse_variations() varies SSE streams; {stream!r:.200} is served as {stream.content_type}")
    marks: list[str] = []
    eol = draw(st.sampled_from(_EOLS)) if line_endings else "\n"
    if eol != "\n":
        marks.append({"\r\n": "CRLF", "\r": "CR"}[eol])
    space = not (no_space and draw(st.sampled_from((False, False, True))))
    if not space:
        marks.append("data:no-space")
    # Event lines: as generated, or toggled (added to chat chunks as "message",
    # dropped from responses events, where the SDK reads "type" from the data).
    # Other formats keep theirs: the anthropic SDK skips events without one, and
    # google-genai reads any line but data: as JSON.
    toggle_events = (
        event_lines and stream.api in (CHAT_COMPLETIONS, RESPONSES) and draw(st.sampled_from((False, False, True)))
    )
    if toggle_events:
        marks.append("event lines" if stream.api == CHAT_COMPLETIONS else "no event lines")
    with_comments = comments and draw(st.sampled_from((False, True)))
    multiline = multiline_data and draw(st.sampled_from((False, False, False, True)))
    if multiline:
        marks.append("multi-line data")
    with_ids = event_ids and draw(st.sampled_from((False, True)))
    if with_ids:
        marks.append("id lines")

    chunks: list[bytes] = []
    events: list[tuple[str | None, str]] = []
    keep_alives = 0
    for name, data in stream.events:
        if toggle_events and stream.api == CHAT_COMPLETIONS:
            name = "message" if name is None else None
        elif toggle_events:
            name = None
        if multiline and data != DONE:
            data = json.dumps(json.loads(data), ensure_ascii=False, indent=1)
        inside: tuple[str, ...] = ()
        if with_comments and (where := draw(st.sampled_from((None, None, None, "before", "inside")))):
            keep_alive: str = draw(st.sampled_from(_KEEP_ALIVES))
            keep_alives += 1
            if where == "before":  # a comment-only event of its own
                chunks.append(encode_event(None, comments=(keep_alive,), eol=eol))
            else:
                inside = (keep_alive,)
        ident = str(len(events)) if with_ids else None
        chunk = encode_event(data, event=name, eol=eol, comments=inside, id=ident, space=space)
        chunks.append(chunk)
        # What a spec parser reads back (without the optional space, an indented
        # data line loses one space of its indentation; the JSON is the same).
        events.append((name, parse_event(chunk).data or ""))
    if keep_alives:
        marks.append(f"comments={keep_alives}")
    if network_splits and draw(st.sampled_from((False, False, True))):
        body = b"".join(chunks)
        cuts = sorted(draw(st.lists(st.integers(1, max(1, len(body) - 1)), unique=True, min_size=1, max_size=24)))
        cuts = [cut for cut in cuts if 0 < cut < len(body)]
        edges = [0, *cuts, len(body)]
        chunks = [body[a:b] for a, b in itertools.pairwise(edges)]
        marks.append(f"network chunks={len(chunks)}")
    return replace(stream, chunks=tuple(chunks), events=tuple(events), variations=stream.variations + tuple(marks))


def sse_variations(
    streams: SearchStrategy[GeneratedStream],
    *,
    line_endings: bool = True,
    comments: bool = True,
    event_lines: bool = True,
    no_space: bool = True,
    multiline_data: bool = True,
    network_splits: bool = True,
    event_ids: bool = False,
) -> SearchStrategy[GeneratedStream]:
    """The same streams, encoded the other ways the SSE spec allows and servers send.

    Each variation can be turned off: ``line_endings`` (CRLF or a lone CR
    instead of LF), ``comments`` (keep-alive comment events such as
    ``: ping`` between events, or a comment line inside an event),
    ``event_lines`` (``event: message`` added to chat chunks; ``event:``
    lines dropped from responses events; other formats' event lines are kept), ``no_space`` (``data:{...}``
    without the optional space), ``multiline_data`` (indented JSON over
    several ``data:`` lines, which the spec joins with ``\\n``) and
    ``network_splits`` (the body re-cut at arbitrary byte offsets, across
    events and inside UTF-8 sequences, as TCP delivers it).

    The ground truth (text, tool calls, usage, payloads) is unchanged, so every
    property of the wrapped stream still holds.

    ``event_ids`` (off by default) adds ``id:`` lines. The spec allows them, but
    openai's SDK (3.5x) keeps the last event id across events and then turns a
    later comment-only keep-alive into an empty data event, which it fails to
    parse as JSON: turn it on to test a client that does not use that SDK, or
    to see the SDK fail.

    Shrinks towards the wrapped stream unchanged.
    """
    if not isinstance(streams, SearchStrategy):
        raise UsageError(f"streams={streams!r} must be a hypothesis strategy of GeneratedStream")
    for name, value in (
        ("line_endings", line_endings),
        ("comments", comments),
        ("event_lines", event_lines),
        ("no_space", no_space),
        ("multiline_data", multiline_data),
        ("network_splits", network_splits),
        ("event_ids", event_ids),
    ):
        check_bool(name, value)
    return _sse_variations(
        streams,
        line_endings=line_endings,
        comments=comments,
        event_lines=event_lines,
        no_space=no_space,
        multiline_data=multiline_data,
        network_splits=network_splits,
        event_ids=event_ids,
    )
