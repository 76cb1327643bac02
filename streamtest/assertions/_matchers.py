"""One expectation, one actual value: a value, a type, a compiled regex or a predicate.

Shared by the metadata assertions (one expectation per metadata key) and the
tool-call assertions (one per argument), so both read alike:
``city="Paris"``, ``city=str``, ``city=re.compile("par", re.I)``,
``city=lambda c: c.istitle()``.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["mismatch", "same", "show_expectation"]


def same(expected: Any, actual: Any) -> bool:
    """Equality where lists and tuples compare alike (YAML and JSON have no tuples)."""
    if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
        return len(expected) == len(actual) and all(map(same, expected, actual))
    return bool(expected == actual)


def mismatch(expected: Any, actual: Any) -> str | None:
    """Why ``actual`` does not satisfy ``expected`` (``"not a int"``), or None when it does.

    The reason reads after ``"<what> is <actual>, "``.
    """
    if isinstance(expected, re.Pattern):
        return None if expected.fullmatch(str(actual)) else f"which does not match /{expected.pattern}/"
    if isinstance(expected, type):
        return None if isinstance(actual, expected) else f"not a {expected.__name__}"
    if callable(expected):
        try:
            accepted = expected(actual)
        except Exception as error:  # a predicate that cannot read the value rejects it
            return f"rejected by {_name(expected)} ({type(error).__name__}: {error})"
        return None if accepted else f"rejected by {_name(expected)}"
    return None if same(expected, actual) else f"expected {expected!r}"


def show_expectation(expected: Any) -> str:
    """``'Paris'``, ``<str>``, ``/par.*/``, ``<is_city>``: an expectation in a failure table."""
    if isinstance(expected, re.Pattern):
        return f"/{expected.pattern}/"
    if isinstance(expected, type):
        return f"<{expected.__name__}>"
    if callable(expected):
        return f"<{_name(expected)}>"
    return repr(expected)


def _name(predicate: Any) -> str:
    return str(getattr(predicate, "__name__", None) or repr(predicate))
