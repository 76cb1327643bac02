"""Shared fixtures: the real llama.cpp server, started once per session when a test needs it."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

import streamtest._plugin.golden
import streamtest._replay.cassette

# Import every streamtest module up front. pytester's in-process runs (tests/test_plugin.py)
# drop the modules first imported during a run from sys.modules afterwards; a module imported
# again later is a second copy, and its classes (Transcript...) fail isinstance checks against
# the first copy's. Importing them here, before any pytester run, keeps one copy.
import streamtest._transcript.capture
import streamtest.assertions
import streamtest.strategies  # noqa: F401
from streamtest._profiles import load_ci_profile_if_ci

# The same for what the HTTP clients import lazily, on their first request: httpx2 imports
# httpcore2 (and h11) only when a transport is built. Dropped after a pytester run that made the
# first request, they come back as second copies whose exceptions httpx2 no longer maps, and the
# openai SDK no longer wraps a broken stream in APIConnectionError.
for _lazy in ("httpcore2", "httpcore", "h11", "anyio.streams.tls"):
    with contextlib.suppress(ImportError):
        importlib.import_module(_lazy)

# Shared CI machines stall now and then; a slow first draw is not a bug in a strategy.
settings.register_profile("streamtest-project", suppress_health_check=[HealthCheck.too_slow], deadline=None)
settings.load_profile("streamtest-project")
# On CI (CI=true): the derandomized profile the plugin registers, so a red run reproduces.
load_ci_profile_if_ci()


@pytest.fixture(scope="session")
def llm_server() -> Iterator[str]:
    """Base URL (no /v1) of the embedded llama.cpp server with Gemma 3 270M."""
    from streamtest._server.local import LocalLLMServer

    with LocalLLMServer() as server:
        yield server.base_url


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester, with cassetter's plugin kept out of its runs and pytest-asyncio's loop scope set.

    cassetter (a benchmark peer, extra ``bench``) and pytest-recording both define
    ``--record-mode``, so a pytest run that loads both fails at start-up. Without
    ``asyncio_default_fixture_loop_scope`` every run prints pytest-asyncio's deprecation
    warning. pytester clears PYTEST_ADDOPTS when it starts; set it again for the runs it makes
    (``-o`` wins over a project's own ini, which none of these tests set).
    """
    import importlib.util

    options = ["-o", "asyncio_default_fixture_loop_scope=function"]
    if importlib.util.find_spec("cassetter") is not None:
        options += ["-p", "no:cassetter"]
    monkeypatch.setenv("PYTEST_ADDOPTS", " ".join(options))
    return pytester
