"""How fixtures tell the end-of-run summary what they did with a file.

A plain module, not a pytest plugin: the plugin, the golden-transcript fixture
and the expiry check import :func:`note` at module level, and
:mod:`streamtest._plugin.report` (a plugin module that ``streamtest.plugin``
registers with ``pytest_plugins``) reads the notes back. Were ``note`` in the
report module itself, importing it early would keep pytest from rewriting that
plugin's asserts ("Module already imported so cannot be rewritten").
"""

from __future__ import annotations

from pathlib import Path

import pytest

__all__ = ["NOTE_PROPERTY", "NOTE_SEP", "note"]

NOTE_PROPERTY = "streamtest"
"""The ``user_properties`` name the notes travel under (to the controller under xdist)."""
NOTE_SEP = " :: "


def note(item: pytest.Item, what: str, path: Path | str, detail: str = "") -> None:
    """Tell the end-of-run summary what happened to a file (``what``: replayed, written, golden...)."""
    item.user_properties.append((NOTE_PROPERTY, f"{what} {path}{NOTE_SEP}{detail}" if detail else f"{what} {path}"))
