"""Hypothesis settings profiles streamtest ships, registered when hypothesis is imported.

Registered through hypothesis's own plugin hook (the ``hypothesis`` entry
point in pyproject.toml: hypothesis calls :func:`register_profiles` at the
end of its import), so ``settings.load_profile("streamtest-ci")`` works in any
process where hypothesis is, and a suite that never imports hypothesis never
imports it for streamtest (about 60 ms of start-up, bench row 8). The pytest
plugin registers them too when hypothesis was imported before it configured
(``HYPOTHESIS_NO_PLUGINS`` set), and :mod:`streamtest.strategies` on import.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["CI_PROFILE", "DEV_PROFILE", "load_ci_profile_if_ci", "register_profiles"]

CI_PROFILE = "streamtest-ci"
DEV_PROFILE = "streamtest-dev"


def register_profiles() -> None:
    """Register the hypothesis settings profiles streamtest ships (idempotent).

    ``streamtest-ci``: derandomized (the same examples on every run, so a red
    CI is reproducible and a green one is not luck), no deadline (a stream
    through the SDK, ChatOpenAI and a graph takes milliseconds, and the first
    example pays for imports and warm-up), no example database, the failing
    example printed as a reproduce blob, and the too-slow health check off.
    ``streamtest-dev``: random as usual, no deadline. Select one with
    ``pytest --hypothesis-profile=streamtest-ci`` or ``settings.load_profile``.
    """
    # Imported here, not at the top: hypothesis calls this function while it is being imported
    # (our entry point), and importing this module must not import hypothesis (a cycle).
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        CI_PROFILE,
        derandomize=True,
        deadline=None,
        database=None,
        print_blob=True,
        max_examples=100,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.register_profile(DEV_PROFILE, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def load_ci_profile_if_ci(environ: Any = None) -> bool:
    """Load ``streamtest-ci`` when the ``CI`` environment variable is set and non-empty."""
    from hypothesis import settings

    environ = os.environ if environ is None else environ
    register_profiles()
    if environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        settings.load_profile(CI_PROFILE)
        return True
    return False
