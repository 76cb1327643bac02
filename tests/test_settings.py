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
