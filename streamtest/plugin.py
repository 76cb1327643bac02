"""The pytest plugin (``pytest11`` entry point): options, marker, fixtures, hooks.

The record flag flows in one line of sight: ``--record[=all|missing|verify]`` ->
``cassette`` fixture opens the test's cassette in that mode -> the
``pytest_runtest_call`` wrapper, once the test passed, writes the recording,
checks that every recorded interaction was replayed (or every injected fault
met), or compares the live streams' shapes (verify) -> fixture teardown
unpatches. A failed test writes nothing, so the previous cassette survives. A
test with ``faults`` always replays. ``--replay-pace`` and the ``replay_pace``
marker keyword set how fast replays stream.

Settings precedence, highest first: the marker's arguments, the
``streamtest_config`` fixture, ini keys, defaults; the scrub lists that
protect add up instead (see ``streamtest._replay.settings``).
Per-run state lives in ``config.stash`` / ``item.stash``. Heavy imports (vcrpy,
the openai stack) happen inside the fixture, not when pytest loads the plugin.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Generator, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pytest

from streamtest._cassette.scrub import POLICY_KEYS
from streamtest._exceptions import UsageError
from streamtest._plugin.notes import note
from streamtest._plugin.paths import ACTIVE_CASSETTE_PATH, PENDING_FILES, SCRUB_POLICY, cassette_files
from streamtest._replay.settings import LIST_KEYS

if TYPE_CHECKING:
    from streamtest._cassette.scrub import ScrubPolicy
    from streamtest._replay.cassette import Cassette
    from streamtest._replay.settings import Settings
    from streamtest._server.local import LocalLLMServer  # noqa: F401 - used in a string annotation

_RECORD_MODES = ("all", "missing", "verify")

pytest_plugins = ["streamtest._plugin.golden", "streamtest._plugin.report", "streamtest._plugin.expiry"]
_SERVER_URL_ENV = "STREAMTEST_LOCAL_SERVER_URL"

_ACTIVE = pytest.StashKey["Cassette"]()
_SETTINGS = pytest.StashKey["Settings"]()
_INI_SETTINGS = pytest.StashKey["Settings"]()
_UNPLAYED = pytest.StashKey[str]()
_SERVER = pytest.StashKey["LocalLLMServer"]()
_SAVED_ENV = pytest.StashKey[dict[str, str | None]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("streamtest", "record and replay LLM streams")
    group.addoption(
        "--record",
        dest="streamtest_record",
        nargs="?",
        const="all",
        default=None,
        metavar="MODE",
        help="record the LLM calls of tests marked streamtest: 'all' (the default when the flag is "
        "given: rewrite every cassette from scratch), 'missing' (only tests without a cassette) or "
        "'verify' (replay, and also send each request live and fail on a change in the stream's shape). "
        "Without --record, cassettes are replayed offline.",
    )
    group.addoption(
        "--llm-server",
        dest="streamtest_llm_server",
        choices=("local",),
        default=None,
        help="with --record (any mode): start the embedded llama.cpp server (Gemma 3 270M, needs "
        "'streamtest[local]') and point the openai clients at it; no API key needed.",
    )
    group.addoption(
        "--replay-pace",
        dest="streamtest_replay_pace",
        default=None,
        metavar="PACE",
        help="how fast replays stream: 'fast' (default: at once), 'recorded' (each event at its recorded "
        "time) or a speed factor ('2': twice as fast as recorded).",
    )
    parser.addini("streamtest_cassette_dir", "folder for cassettes, relative to rootdir (default: cassettes/ beside each test file)", default="")
    parser.addini("streamtest_unplayed", "recorded interactions never replayed: 'fail' (default) or 'warn'", default="fail")
    parser.addini("streamtest_block_network", "block IP sockets in tests under replay", type="bool", default=True)
    parser.addini("streamtest_replay_pace", "replay speed: 'fast' (default), 'recorded' or a speed factor", default="fast")
    for key, kind in POLICY_KEYS.items():
        parser.addini(f"streamtest_{key}", _POLICY_HELP[key], type=kind, default=[])


_POLICY_HELP = {
    "drop_request_headers": "extra request headers never written to cassettes",
    "drop_query_params": "extra query parameters (and form fields) never written to cassettes",
    "scrub_fields": "extra JSON field names whose values are replaced by <scrubbed> in request and response bodies",
    "keep_response_headers": "extra response headers written to cassettes",
    "secret_env": "extra environment variables whose values must never be written",
    "public_env": "environment variables named like credentials whose values are not secret",
    "secret_patterns": "extra regexes (one per line) that must never be written",
}


@pytest.hookimpl(tryfirst=True)  # before hypothesis reads --hypothesis-profile
def pytest_configure(config: pytest.Config) -> None:
    if "hypothesis" in sys.modules or config.getoption("--hypothesis-profile", None):
        # Registered, not loaded: `pytest --hypothesis-profile=streamtest-ci` selects it. Hypothesis
        # registers them on import (our entry point); this covers HYPOTHESIS_NO_PLUGINS.
        from streamtest._profiles import register_profiles

        register_profiles()
    config.addinivalue_line(
        "markers",
        "streamtest(cassette=None, unplayed=None, replay_pace=None, faults=None): record/replay this test's "
        "LLM calls. cassette: file name under the cassette dir (default <module>/<test>.yaml); unplayed: "
        "'fail' or 'warn'; replay_pace: 'fast', 'recorded' or a speed factor; faults: streamtest.faults "
        "to inject into the replay.",
    )
    mode = config.getoption("streamtest_record")
    if mode is not None and mode not in _RECORD_MODES:
        raise pytest.UsageError(f"--record={mode!r}: expected one of {', '.join(_RECORD_MODES)}")
    from streamtest._replay.pacing import Pace

    for source, pace in (("--replay-pace", config.getoption("streamtest_replay_pace")), ("streamtest_replay_pace", config.getini("streamtest_replay_pace"))):
        try:
            Pace.parse(pace)
        except UsageError as error:
            raise pytest.UsageError(f"{source}: {error}") from None
    if config.getoption("streamtest_llm_server") and mode is None:
        raise pytest.UsageError("--llm-server=local only applies while recording: add --record")


# ---------------------------------------------------------------------- before test modules import


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """Fix ``--record PATH`` and set up the environment before any conftest or test imports.

    ``--record`` takes an optional value, so argparse would read
    ``pytest --record tests/`` as mode ``tests/``; rewrite it to
    ``--record=all tests/``. Apps build their models and clients at import
    time (as the seed does), so the local server must run and a key must exist
    before conftest files are imported. Requests are pointed at the server by
    the recording transport, not by OPENAI_BASE_URL (see ``streamtest._replay.transport``).
    """
    for index, arg in enumerate(args[:-1]):
        if arg == "--record" and args[index + 1] not in _RECORD_MODES:
            args[index] = "--record=all"
    namespace = parser.parse_known_args(args)
    saved: dict[str, str | None] = {}
    early_config.stash[_SAVED_ENV] = saved
    recording = namespace.streamtest_record is not None
    if recording and namespace.streamtest_llm_server == "local":
        url = os.environ.get(_SERVER_URL_ENV)
        if url is None:  # the xdist controller starts one server; workers inherit its URL
            from streamtest._server.local import LocalLLMServer

            server = LocalLLMServer()
            url = server.start()
            early_config.stash[_SERVER] = server
            _set_env(saved, _SERVER_URL_ENV, url)
    # Replay and the local server need no key, but clients built at import time
    # (openai, anthropic, google-genai...) refuse to exist without one. Recording
    # refuses to send the placeholder to a real provider (see _replay.transport).
    from streamtest._cassette.scrub import DUMMY_API_KEY
    from streamtest._wire.registry import placeholder_env

    for name, value in placeholder_env(os.environ, DUMMY_API_KEY, replaying=not recording).items():
        _set_env(saved, name, value)


def _set_env(saved: dict[str, str | None], name: str, value: str) -> None:
    saved.setdefault(name, os.environ.get(name))
    os.environ[name] = value


def _local_server_url(config: pytest.Config) -> str | None:
    if config.getoption("streamtest_llm_server") != "local":
        return None
    return os.environ.get(_SERVER_URL_ENV)


def pytest_unconfigure(config: pytest.Config) -> None:
    server = config.stash.get(_SERVER, None)
    if server is not None:
        server.stop()
    for name, value in config.stash.get(_SAVED_ENV, {}).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def pytest_report_header(config: pytest.Config) -> str:
    mode = config.getoption("streamtest_record")
    pace = config.getoption("streamtest_replay_pace") or config.getini("streamtest_replay_pace")
    paced = "" if pace == "fast" else f", at pace {pace}"
    if mode is None:
        return f"streamtest: replaying cassettes offline{paced} (record with --record)"
    server = _local_server_url(config)
    if mode == "verify":
        target = f"the local llama.cpp server at {server}" if server else "the live provider"
        return f"streamtest: replaying cassettes{paced}, and verifying their stream shapes against {target}"
    return f"streamtest: recording ({mode})" + (f" against the local llama.cpp server at {server}" if server else "")


# ---------------------------------------------------------------------- settings


def _settings(ini: Mapping[str, Any], fixture: Mapping[str, Any], marker: Mapping[str, Any]) -> Settings:
    """Merge settings: marker arguments > ``streamtest_config`` fixture > ini (see ``_replay.settings``).

    ``ini`` holds the command line's value where one was given (``--replay-pace``
    over ``streamtest_replay_pace``): a test that asks for a pace needs it, the
    command line sets it for the rest.
    """
    from streamtest._replay.settings import merge_settings

    return merge_settings(ini, ("streamtest_config fixture", fixture), ("streamtest marker", marker))


def _ini_settings(config: pytest.Config) -> dict[str, Any]:
    return {
        "cassette": None,
        "unplayed": config.getini("streamtest_unplayed"),
        "block_network": config.getini("streamtest_block_network"),
        **{key: config.getini(f"streamtest_{key}") for key in LIST_KEYS},
        "replay_pace": config.getoption("streamtest_replay_pace") or config.getini("streamtest_replay_pace"),
        "faults": (),
    }


def _ini_only(config: pytest.Config) -> Settings:
    """The settings of a test that sets none of its own: the ini's, merged once per session (a merge is pure)."""
    settings = config.stash.get(_INI_SETTINGS, None)
    if settings is None:
        settings = config.stash[_INI_SETTINGS] = _settings(_ini_settings(config), {}, {})
    return settings


def _marker_settings(item: pytest.Item) -> dict[str, Any]:
    marker = item.get_closest_marker("streamtest")
    if marker is None:
        return {}
    if marker.args:
        raise UsageError(f"{item.nodeid}: @pytest.mark.streamtest takes keyword arguments only, got {marker.args!r}")
    return dict(marker.kwargs)


# ---------------------------------------------------------------------- fixtures and hooks


@pytest.fixture
def streamtest_config() -> dict[str, Any]:
    """Override to set streamtest options for a module or a folder (a dict of marker keywords)."""
    return {}


def _test_settings(request: pytest.FixtureRequest) -> Settings:
    """This test's settings (marker > ``streamtest_config`` > ini), merged once per test.

    Its scrub policy is kept in the stash for the final write. A function, not
    a fixture the cassette depends on: every fixture with ``request`` costs
    pytest about 50 us to set up, on every marked test (bench row 3).
    ``streamtest_config`` is read with ``getfixturevalue``; the fixtures a test
    can ask for (``cassette`` and the two below) name it in their signatures,
    so that a parametrized ``streamtest_config`` is in the test's closure and
    parametrizes it.
    """
    item = request.node
    settings = item.stash.get(_SETTINGS, None)
    if settings is None:
        config, marker = request.getfixturevalue("streamtest_config"), _marker_settings(item)
        settings = _settings(_ini_settings(item.config), config, marker) if config or marker else _ini_only(item.config)
        item.stash[_SETTINGS] = settings
        item.stash[SCRUB_POLICY] = settings.scrub_policy()
    return settings


@pytest.fixture
def _streamtest_settings(request: pytest.FixtureRequest, streamtest_config: dict[str, Any]) -> Settings:
    """This test's settings (see ``_test_settings``)."""
    return _test_settings(request)


@pytest.fixture
def _streamtest_scrub_policy(request: pytest.FixtureRequest, streamtest_config: dict[str, Any]) -> ScrubPolicy:
    """What this test's files are scrubbed with and checked against (the golden fixture uses it too)."""
    _test_settings(request)
    return request.node.stash[SCRUB_POLICY]


def _activate(request: pytest.FixtureRequest) -> Iterator[Cassette]:
    """Open this test's cassette (replaying, or recording under ``--record``), yield it active, close it."""
    from streamtest._plugin.expiry import check_age
    from streamtest._replay.cassette import open_cassette

    item = request.node
    settings = _test_settings(request)
    mode = item.config.getoption("streamtest_record") or "none"
    # A pytest-recording cassette may sit beside `path` under its own name: replay it; --record replaces it.
    path, source = cassette_files(item, settings.cassette)
    opened = path if mode == "all" else source
    active = open_cassette(
        opened,
        record=mode,
        settings=settings,
        rerecord_hint=f"pytest --record {shlex.quote(item.nodeid)}",
        upstream=_local_server_url(item.config),
        replaces=source if source != path else None,
        test_id=item.nodeid,
    )
    if not active.recording:
        note(item, "replayed", opened, active.dialect or "")
        check_age(item, active)
    item.stash[ACTIVE_CASSETTE_PATH] = opened
    item.stash[_ACTIVE] = active
    item.stash[_UNPLAYED] = settings.unplayed
    with active:
        yield active
    if not active.recording and item.config.getoption("streamtest_unused", False):
        played = sorted(set(range(1, len(active) + 1)) - set(active.unplayed))
        note(item, "played", opened, f"{len(active)}:{','.join(map(str, played))}")
    del item.stash[_ACTIVE]


@pytest.fixture
def cassette(request: pytest.FixtureRequest, streamtest_config: dict[str, Any]) -> Iterator[Cassette]:
    """The active cassette of this test: replaying, or recording under ``--record``."""
    active = request.node.stash.get(_ACTIVE, None)
    if active is not None:  # a marked test's: opened by the marker's fixture, which runs first (autouse)
        yield active
        return
    yield from _activate(request)


@pytest.fixture(autouse=True)
def _streamtest_marker(request: pytest.FixtureRequest) -> Iterator[None]:
    """Activate the cassette for tests carrying ``@pytest.mark.streamtest`` (the ``cassette`` fixture returns it)."""
    if request.node.get_closest_marker("streamtest") is None:
        yield
        return
    for _ in _activate(request):
        yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """After a passing test: write its files (cassette, golden transcripts), or fail on interactions never replayed.

    Every file the test writes is written here, all through the leak guard at
    once: when one would hold a credential, none is written. A failed test
    (``yield`` raises) writes nothing.
    """
    result = yield
    active = item.stash.get(_ACTIVE, None)
    pending = item.stash.get(PENDING_FILES, [])
    if active is not None:
        if not active.recording and not active.faults and active.unplayed:
            note(item, "unplayed", str(active.path), "#" + ", #".join(map(str, active.unplayed)))
        _, line, _ = item.location  # the warning points at the test (0-based line of its def)
        active.finish(
            fail_on_unplayed=item.stash.get(_UNPLAYED, "fail") == "fail",
            also_write=pending,
            warn_at=(str(item.path), (line or 0) + 1),
        )
        if active.recording and active.path is not None:
            note(item, "written", active.path, str(active.replaces or ""))
    elif pending:
        from streamtest._cassette.files import write_guarded

        write_guarded(pending, item.stash[SCRUB_POLICY])
    for written in pending:
        note(item, "golden", written.path)
    return result


__all__ = ["cassette", "streamtest_config"]
