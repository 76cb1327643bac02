"""A cassette's settings, merged from where they are given: one merge for the plugin and ``use_cassette``.

The pytest plugin layers ini keys (and ``--replay-pace``), the
``streamtest_config`` fixture and the ``@pytest.mark.streamtest`` marker;
``streamtest.use_cassette`` layers its keywords over the defaults. Both call
:func:`merge_settings`, so a keyword means the same thing, is checked the same
way and fails with the same message wherever it is written. Pure: nothing here
touches a file or the network (fault and pace values are parsed, not applied).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from streamtest._cassette.scrub import POLICY_KEYS, WEAKENING_KEYS, ScrubPolicy, string_list
from streamtest._exceptions import UsageError

if TYPE_CHECKING:
    from streamtest._replay.faults import Fault
    from streamtest._replay.pacing import Pace

__all__ = ["DEFAULTS", "LIST_KEYS", "SETTING_KEYS", "UNPLAYED_CHOICES", "Settings", "default_settings", "merge_settings"]

UNPLAYED_CHOICES = ("fail", "warn")


@dataclass(frozen=True)
class Settings:
    """What a cassette runs with, checked and parsed."""

    cassette: str | None
    unplayed: str
    block_network: bool
    drop_request_headers: tuple[str, ...]
    drop_query_params: tuple[str, ...]
    scrub_fields: tuple[str, ...]
    keep_response_headers: tuple[str, ...]
    secret_env: tuple[str, ...]
    public_env: tuple[str, ...]
    secret_patterns: tuple[str, ...]
    replay_pace: Pace
    faults: tuple[Fault, ...]

    def scrub_policy(self) -> ScrubPolicy:
        """The default scrub policy extended with these settings' names and patterns.

        Built once per distinct set of lists (a policy is immutable): every test
        of a suite shares its ini's, instead of compiling its patterns again.
        """
        return _scrub_policy(tuple(getattr(self, key) for key in POLICY_KEYS))


@functools.lru_cache(maxsize=64)
def _scrub_policy(lists: tuple[tuple[str, ...], ...]) -> ScrubPolicy:
    return ScrubPolicy.from_settings(dict(zip(POLICY_KEYS, lists, strict=True)))


SETTING_KEYS = frozenset(Settings.__dataclass_fields__)
"""Every key the marker, the ``streamtest_config`` fixture and ``use_cassette`` take (``use_cassette`` names its file by path, not ``cassette``)."""
LIST_KEYS = tuple(POLICY_KEYS)
"""The settings that are lists of strings: the scrub policy's."""

DEFAULTS: Mapping[str, Any] = {
    "cassette": None,
    "unplayed": "fail",
    "block_network": True,
    **{key: () for key in LIST_KEYS},
    "replay_pace": "fast",
    "faults": (),
}
"""Each setting's value when nobody gives one (the plugin's ini defaults are these too)."""


def merge_settings(base: Mapping[str, Any], *layers: tuple[str, Mapping[str, Any]]) -> Settings:
    """``base`` (every key, e.g. the ini values) overlaid by ``layers`` (``(source name, values)``, lowest first).

    A key given in a later layer wins, except the scrub lists that protect
    (``scrub_fields``, ``secret_env``...: all but ``scrub.WEAKENING_KEYS``),
    which add up across ``base`` and every layer. Unknown keys and values of
    the wrong type raise ``UsageError`` naming the source and showing the value.
    """
    from streamtest._replay.faults import by_call
    from streamtest._replay.pacing import Pace

    for source, values in layers:
        if unknown := set(values) - SETTING_KEYS:
            raise UsageError(f"{source}: unknown key(s) {sorted(unknown)}; known: {sorted(SETTING_KEYS)}")
    merged = dict(base)
    lists = {key: string_list(key, base[key]) for key in LIST_KEYS}
    for _, values in layers:
        merged.update(values)
        for key in (key for key in LIST_KEYS if key in values):
            given = string_list(key, values[key])
            lists[key] = given if key in WEAKENING_KEYS else tuple(dict.fromkeys((*lists[key], *given)))
    if merged["unplayed"] not in UNPLAYED_CHOICES:
        raise UsageError(f"unplayed={merged['unplayed']!r}: expected 'fail' or 'warn'")
    if not isinstance(merged["block_network"], bool):
        raise UsageError(f"block_network={merged['block_network']!r}: expected True or False")
    if merged["cassette"] is not None and not isinstance(merged["cassette"], str | os.PathLike):
        raise UsageError(f"cassette={merged['cassette']!r}: expected a file name")
    faults = merged.get("faults") or ()
    return Settings(
        cassette=None if merged["cassette"] is None else os.fspath(merged["cassette"]),
        unplayed=merged["unplayed"],
        block_network=merged["block_network"],
        replay_pace=Pace.parse(merged["replay_pace"]),
        faults=tuple(by_call(faults).values()),
        **lists,
    )


@functools.cache
def default_settings() -> Settings:
    """:data:`DEFAULTS` merged, once: a merge is pure and ``Settings`` immutable (``open_cassette`` without settings)."""
    return merge_settings(DEFAULTS)
