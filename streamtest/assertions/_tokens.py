"""Token order: the exact sequence, a subsequence, the joined text, the text the state holds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from streamtest._exceptions import UsageError
from streamtest._transcript.events import Tokens
from streamtest.assertions._render import StreamAssertionError, marked_stream, text_as_tokens, title, token_diff_lines
from streamtest.assertions._views import check_token_list, filtered_view, require_tokens

if TYPE_CHECKING:
    from streamtest._transcript.transcript import Transcript

__all__ = ["assert_text", "assert_text_matches_state", "assert_tokens", "assert_tokens_in_order"]


def _tokens_under_test(
    transcript: Transcript, expected: Sequence[str], tag: str | None, node: str | None, mode: str | None
) -> tuple[Transcript, list[str], Tokens]:
    """The filtered view, the expected tokens (validated) and the view's tokens; an empty view fails."""
    view = filtered_view(transcript, tag, node, mode)
    want = check_token_list(expected)
    actual = view.tokens
    if want and not actual:
        require_tokens(view, "tokens")
    return view, want, actual


def assert_tokens(
    transcript: Transcript,
    expected: Sequence[str],
    *,
    tag: str | None = None,
    node: str | None = None,
    mode: str | None = None,
) -> None:
    """The view's tokens are exactly ``expected``, in canonical order (empty chunks left out)."""
    view, want, actual = _tokens_under_test(transcript, expected, tag, node, mode)
    if actual != want:
        raise StreamAssertionError(title("tokens", view) + " differ", token_diff_lines(want, actual))


def assert_tokens_in_order(
    transcript: Transcript,
    expected: Sequence[str],
    *,
    tag: str | None = None,
    node: str | None = None,
    mode: str | None = None,
) -> None:
    """``expected`` appear in the view's tokens in this order; other tokens may come between."""
    view, want, actual = _tokens_under_test(transcript, expected, tag, node, mode)
    position = 0
    for n, token in enumerate(want):
        try:
            position = actual.index(token, position) + 1
        except ValueError:
            after = f"after token {position} ({actual[position - 1]!r})" if position else "anywhere"
            width = len("expected (in order)")
            lines = [
                f"expected token {n + 1} of {len(want)}, {token!r}, does not appear {after}:",
                *marked_stream(want, n, "expected (in order)"),
                *marked_stream(actual, position, "actual", width),
            ]
            raise StreamAssertionError(title("tokens", view) + " are not in the expected order", lines) from None


def assert_text(
    transcript: Transcript,
    expected: str,
    *,
    tag: str | None = None,
    node: str | None = None,
    mode: str | None = None,
) -> None:
    """The view's tokens, joined, equal ``expected``."""
    view = filtered_view(transcript, tag, node, mode)
    if not isinstance(expected, str):
        raise UsageError(f"expected={expected!r} must be a str (use assert_tokens for a token list).")
    _text_failure(view, expected, "the expected text")


def _text_failure(view: Transcript, expected: str, source: str) -> None:
    actual = view.tokens
    if actual.text == expected:
        return
    if expected:
        require_tokens(view, "text")
    cut = text_as_tokens(expected, actual)
    at = next((i for i, (a, b) in enumerate(zip(expected, actual.text, strict=False)) if a != b), min(len(expected), len(actual.text)))
    raise StreamAssertionError(
        f"{title('text', view)} differs from {source} at character {at + 1}",
        token_diff_lines(cut, actual),
    )


def assert_text_matches_state(
    transcript: Transcript,
    key: str,
    *,
    tag: str | None = None,
    node: str | None = None,
    mode: str | None = None,
) -> None:
    """The view's tokens, joined, equal the final state's ``key`` (what the graph returned)."""
    view = filtered_view(transcript, tag, node, mode)
    state = view.final_state
    if state is None:
        raise UsageError(
            "this transcript has no final state: capture() records it; Transcript.from_stream() "
            "needs final_state=."
        )
    if isinstance(state, Mapping):
        if key not in state:
            raise UsageError(f"the final state has no {key!r}; its keys are {sorted(map(str, state))}.")
        value = state[key]
    elif hasattr(state, key):
        value = getattr(state, key)
    else:
        raise UsageError(f"the final state {type(state).__name__} has no {key!r}.")
    if not isinstance(value, str):
        raise UsageError(f"the final state's {key!r} is {value!r}, not a str.")
    _text_failure(view, value, f"the final state's {key!r}")
