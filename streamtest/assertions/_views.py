"""The view an assertion checks: the transcript narrowed by ``tag=``, ``node=``, ``mode=``.

An empty view fails the assertion instead of passing it: an assertion that
checks nothing would hide the bug it exists for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from streamtest._exceptions import UsageError
from streamtest.assertions._render import StreamAssertionError, title

if TYPE_CHECKING:
    from streamtest._transcript.events import StreamEvent
    from streamtest._transcript.transcript import Transcript

__all__ = ["check_token_list", "filtered_view", "is_transcript", "require_tokens", "token_events"]

_TRANSCRIPT_SHAPE = ("events", "arrival", "origin", "tagged", "from_node", "mode", "records", "normalized")


def is_transcript(value: object) -> bool:
    """Whether ``value`` is a Transcript (or its view), checked by shape, not isinstance.

    This package sits below the ``Transcript`` class, which offers these
    assertions as methods, so it does not import it: imports point one way.
    """
    return all(hasattr(value, name) for name in _TRANSCRIPT_SHAPE)


def filtered_view(transcript: Transcript, tag: str | None, node: str | None, mode: str | None) -> Transcript:
    if not is_transcript(transcript):
        raise UsageError(f"{transcript!r} is not a Transcript; get one from streamtest.capture().")
    if tag is not None:
        transcript = transcript.tagged(tag)
    if node is not None:
        transcript = transcript.from_node(node)
    if mode is not None:
        transcript = transcript.mode(mode)
    return transcript


def token_events(view: Transcript, *, arrival: bool = False) -> list[StreamEvent]:
    return [e for e in (view.arrival if arrival else view.events) if e.is_token]


def require_tokens(view: Transcript, what: str) -> list[StreamEvent]:
    events = token_events(view)
    if not events:
        origin = view.origin
        tags = ", ".join(map(repr, origin.tag_set)) or "none"
        nodes = ", ".join(map(repr, origin.nodes)) or "none"
        raise StreamAssertionError(
            f"{title(what, view)}: no tokens here (the transcript has {len(origin.tokens)} tokens; "
            f"tags: {tags}; nodes: {nodes})."
        )
    return events


def check_token_list(expected: object) -> list[str]:
    if isinstance(expected, str) or not isinstance(expected, Sequence):
        raise UsageError(f"expected={expected!r} must be a list of token strings (use assert_text for a str).")
    if not all(isinstance(token, str) for token in expected):
        raise UsageError(f"expected={expected!r} must contain only strings.")
    return list(expected)
