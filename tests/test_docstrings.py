"""Docstrings that describe the code must stay true: the package maps and the claims other modules rely on."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

import streamtest
import streamtest.assertions

PACKAGE = Path(streamtest.__file__).parent
# Private packages whose __init__ maps their modules (_strategies has its own table of strategies).
MAPPED = ("_cassette", "_replay", "_transcript", "_plugin", "_server", "_cli")


@pytest.mark.parametrize("package", MAPPED)
def test_each_private_package_names_every_module_it_holds(package: str) -> None:
    folder = PACKAGE / package
    doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text())) or ""
    named = set(re.findall(r":mod:`\.(\w+)`", doc))
    modules = {path.stem for path in folder.glob("*.py") if path.stem != "__init__"}
    assert modules - named == set(), f"{package}/__init__.py does not name {sorted(modules - named)}"
    assert named - modules == set(), f"{package}/__init__.py names modules that do not exist: {sorted(named - modules)}"


def test_the_assertions_docstring_says_which_take_which_filters() -> None:
    """The package docstring lists the assertions taking ``tag=, node=, mode=`` and those taking ``tag=, node=``."""
    doc = streamtest.assertions.__doc__ or ""
    three, two = set(), set()
    for name in streamtest.assertions.__all__:
        function = getattr(streamtest.assertions, name)
        if not name.startswith("assert_") or not callable(function):
            continue
        parameters = inspect.signature(function).parameters
        filters = {"tag", "node"} <= parameters.keys()
        if filters and "mode" in parameters and name != "assert_trajectory":  # its mode= is the match mode
            three.add(name)
        elif filters:
            two.add(name)
    start = doc.index("The token, text")
    said_three = set(re.findall(r":func:`(\w+)`", doc[start : doc.index("take keyword filters")]))
    said_two = set(re.findall(r":func:`(\w+)`", doc[doc.index("transcript.tagged(tag)") : doc.index("take ``tag=`` and ``node=``")]))
    assert (said_three, said_two) == (three, two)


def test_the_golden_error_says_what_it_is_raised_for() -> None:
    doc = streamtest.GoldenTranscriptError.__doc__ or ""
    assert "differs" not in doc.splitlines()[0] and "StreamAssertionError" in doc
