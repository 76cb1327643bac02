"""Where a test's files live (its cassette, and everything stored beside it), and how they get written.

One function decides the folder, so the cassette fixture and the
golden-transcript fixture can never disagree about it. Files a test wants
written wait in ``item.stash[PENDING_FILES]`` until the test has passed;
the plugin's ``pytest_runtest_call`` wrapper writes them with the cassette,
through the leak guard, with ``item.stash[SCRUB_POLICY]``.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from streamtest._cassette.files import PendingFile
    from streamtest._cassette.scrub import ScrubPolicy

__all__ = [
    "ACTIVE_CASSETTE_PATH",
    "PENDING_FILES",
    "SCRUB_POLICY",
    "cassette_files",
    "cassette_path",
    "pending_files",
    "recorded_cassette",
    "resolved_cassette_path",
    "safe_name",
]

ACTIVE_CASSETTE_PATH = pytest.StashKey[Path]()
"""``item.stash`` key: the path of the cassette the ``cassette`` fixture opened."""
PENDING_FILES: pytest.StashKey[list[PendingFile]] = pytest.StashKey()
"""``item.stash`` key: files (golden transcripts) to write with the cassette once the test passed."""
SCRUB_POLICY: pytest.StashKey[ScrubPolicy] = pytest.StashKey()
"""``item.stash`` key: the scrub policy of this test's settings."""


def pending_files(item: pytest.Item) -> list[PendingFile]:
    """The test's queue of files to write once it passed (made on first use)."""
    return item.stash.setdefault(PENDING_FILES, [])

_UNSAFE = re.compile(r"[^\w.\-\[\]]+")
# Where other tools keep the same test's recording under another name: pytest-recording
# with ``serializer: json`` writes ``<test>.json`` (its YAML files already share our name).
FOREIGN_SUFFIXES = (".json",)
_MAX_NAME = 120


def safe_name(name: str) -> str:
    """A file-system-safe file name for a (possibly parametrized) test name."""
    safe = _UNSAFE.sub("_", name).strip("._") or "test"
    if len(safe) > _MAX_NAME:
        safe = f"{safe[:100]}-{hashlib.sha1(name.encode()).hexdigest()[:10]}"
    return safe


def cassette_path(item: pytest.Item, cassette: str | None) -> Path:
    """``<dir>/<module>/<Class.>test[param].yaml``, or the marker's ``cassette=`` name under ``<dir>``.

    ``<dir>`` is the ``streamtest_cassette_dir`` ini value (relative to rootdir)
    or ``cassettes/`` beside the test file.
    """
    configured = item.config.getini("streamtest_cassette_dir")
    base = item.config.rootpath / configured if configured else item.path.parent / "cassettes"
    if cassette is None:
        classes = [node.name for node in item.listchain() if isinstance(node, pytest.Class)]
        relative = Path(item.path.stem) / f"{safe_name('.'.join([*classes, item.name]))}.yaml"
    else:
        relative = Path(cassette)
        if relative.suffix not in (".yaml", ".yml"):
            relative = relative.with_name(relative.name + ".yaml")
    return relative if relative.is_absolute() else base / relative


def recorded_cassette(path: Path, item: pytest.Item | None = None) -> Path:
    """The file that holds the recording meant for ``path``: ``path``, or what pytest-recording named it.

    pytest-recording writes ``<test>.json`` with ``serializer: json``, and spells
    some parametrized ids differently (``test_x[a b].yaml``, where streamtest
    writes ``test_x[a_b].yaml``); pass the ``item`` of a test whose cassette has
    its default name to look for that spelling too. ``path`` itself when none
    exists (a recording goes there). A ``--record`` always writes ``path`` in
    streamtest's format, and the other file goes.
    """
    if path.exists():
        return path
    stems = [path.stem]
    if item is not None and (theirs := _pytest_recording_name(item)) != path.stem:
        stems.append(theirs)
    candidates = [path.with_name(stem + suffix) for stem in stems for suffix in (path.suffix, *FOREIGN_SUFFIXES)]
    return next((candidate for candidate in candidates if candidate.is_file()), path)


def _pytest_recording_name(item: pytest.Item) -> str:
    """pytest-recording's ``get_default_cassette_name``: ``Class.test[id]`` with ``<>?%*:|"'/\\`` as ``-``."""
    cls = getattr(item, "cls", None)
    name = f"{cls.__name__}.{item.name}" if cls is not None else item.name
    for char in "<>?%*:|\"'/\\":
        name = name.replace(char, "-")
    return name


def cassette_files(item: pytest.Item, cassette: str | None) -> tuple[Path, Path]:
    """``(where --record writes this test's cassette, the file that holds its recording now)``.

    ``cassette`` is the settings' name (marker or ``streamtest_config``), ``None``
    for the test's own; the second path is another tool's file when only that
    exists (see :func:`recorded_cassette`).
    """
    path = cassette_path(item, cassette)
    return path, recorded_cassette(path, item if cassette is None else None)


def resolved_cassette_path(item: pytest.Item) -> Path:
    """The active cassette's path, or where the test's cassette would be."""
    active = item.stash.get(ACTIVE_CASSETTE_PATH, None)
    if active is not None:
        return active
    marker = item.get_closest_marker("streamtest")
    name = marker.kwargs.get("cassette") if marker is not None else None
    return cassette_path(item, name if isinstance(name, str) else None)
