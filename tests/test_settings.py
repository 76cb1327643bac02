"""The one settings merge (``_replay.settings``) the plugin and ``use_cassette`` share: precedence, lists, checks."""

from __future__ import annotations

from typing import Any

import pytest

from streamtest._exceptions import UsageError
from streamtest._replay.settings import DEFAULTS, merge_settings


def merged(ini: dict[str, Any] | None = None, fixture: dict[str, Any] | None = None, marker: dict[str, Any] | None = None) -> Any:
    return merge_settings({**DEFAULTS, **(ini or {})}, ("streamtest_config fixture", fixture or {}), ("streamtest marker", marker or {}))


@pytest.mark.parametrize("key", ["drop_request_headers", "drop_query_params", "scrub_fields", "secret_env", "secret_patterns"])
def test_a_per_test_list_adds_to_the_projects_protection(key: str) -> None:
    """A marker or fixture list never drops what the project protects: the lists that protect are unioned."""
    settings = merged(ini={key: ["from_ini"]}, fixture={key: ["from_fixture"]}, marker={key: ["from_marker", "from_ini"]})
    assert getattr(settings, key) == ("from_ini", "from_fixture", "from_marker")


def test_the_scrub_policy_keeps_the_ini_field_when_the_marker_adds_one() -> None:
    policy = merged(ini={"scrub_fields": ["tenant_pin"], "secret_env": ["DB_URL"]}, marker={"scrub_fields": ["x"], "secret_env": []}).scrub_policy()
    assert policy.is_credential_field("tenant_pin") and policy.is_credential_field("x")
    assert "DB_URL" in policy.secret_env


@pytest.mark.parametrize("key", ["keep_response_headers", "public_env"])
def test_lists_that_weaken_the_policy_are_replaced_by_the_closest_setting(key: str) -> None:
    """Keeping a header or trusting a variable is the one test's choice: the closest list wins, [] included."""
    assert getattr(merged(ini={key: ["a"]}, fixture={key: ["b"]}), key) == ("b",)
    assert getattr(merged(ini={key: ["a"]}, fixture={key: ["b"]}, marker={key: []}), key) == ()
    assert getattr(merged(ini={key: ["a"]}), key) == ("a",)


def test_scalars_take_the_closest_value() -> None:
    settings = merged(ini={"unplayed": "fail", "replay_pace": "2"}, fixture={"unplayed": "warn"}, marker={"replay_pace": "recorded"})
    assert settings.unplayed == "warn" and str(settings.replay_pace) == "recorded"


def test_unknown_keys_name_their_source() -> None:
    with pytest.raises(UsageError, match=r"streamtest marker: unknown key\(s\) \['casette'\]"):
        merged(marker={"casette": "x"})


@pytest.mark.parametrize("value", ["false", "no", 0, None])
def test_block_network_takes_a_bool_only(value: object) -> None:
    """``block_network="false"`` used to keep the guard on (a non-empty string is true)."""
    with pytest.raises(UsageError, match=rf"block_network={value!r}: expected True or False"):
        merged(marker={"block_network": value})
    assert merged(marker={"block_network": False}).block_network is False


def test_faults_given_as_a_string_say_so() -> None:
    """``faults="cut"`` used to report ``'c' is not a fault``."""
    with pytest.raises(UsageError, match=r"faults='cut': expected a fault or a list of faults"):
        merged(marker={"faults": "cut"})


# ---------------------------------------------------------------------- use_cassette: the marker's keywords, the same merge


def test_use_cassette_takes_the_markers_keywords_with_the_same_defaults() -> None:
    import inspect

    from streamtest import use_cassette
    from streamtest._replay.settings import SETTING_KEYS

    parameters = inspect.signature(use_cassette).parameters
    keywords = {name: p.default for name, p in parameters.items() if name not in ("path", "record")}
    assert set(keywords) == SETTING_KEYS - {"cassette"}  # the file is the path
    assert keywords == {key: DEFAULTS[key] for key in keywords}


def test_use_cassette_checks_its_keywords_as_the_marker_does(tmp_path: Any) -> None:
    from streamtest import use_cassette

    with pytest.raises(UsageError, match=r"unplayed='sometimes': expected 'fail' or 'warn'"), use_cassette(tmp_path / "x.yaml", unplayed="sometimes"):
        pass
    with pytest.raises(UsageError, match=r"scrub_fields='pin': expected a list of strings"), use_cassette(tmp_path / "x.yaml", scrub_fields="pin"):
        pass


def test_use_cassette_records_with_its_scrub_lists(tmp_path: Any) -> None:
    import openai

    from streamtest import use_cassette
    from tests.edge_server import Route, chat_chunks, edge_server

    path = tmp_path / "c.yaml"
    with edge_server({"/v1/chat/completions": Route(chunks=chat_chunks(["Hi"]))}) as server:
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="sk-test-0123456789abcdef", max_retries=0)
        with use_cassette(path, record="all", scrub_fields=["tenant_pin"]):
            list(client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}], stream=True, extra_body={"tenant_pin": "pin-4321"}))
    text = path.read_text()
    assert "tenant_pin: <scrubbed>" in text and "pin-4321" not in text
