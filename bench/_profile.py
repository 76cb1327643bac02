"""Where the time goes: pyinstrument self time, summed by the package that owns the code.

Sampling (not tracing) so the call-heavy LangChain layers are not inflated as
much as under cProfile (some inflation remains: pyinstrument hooks every call).
Each frame's self time goes to the top-level package its file belongs to
(``langchain_core``, ``langgraph``, ``openai``, ``httpx2``, ``pydantic``,
``vcr``, ``yaml``, ``streamtest``...); standard-library code is ``stdlib:<module>``.
This is how the table says what is ours and what belongs to LangChain/LangGraph.
"""

from __future__ import annotations

import sysconfig
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["by_package", "compare_lines", "package_of"]

# Shown even when small: the code under test and its peer.
_ALWAYS = ("streamtest", "vcr", "cassetter", "yaml")

_STREAMTEST = str(Path(__import__("streamtest").__file__ or ".").parent)
_BENCH = str(Path(__file__).parent)
_STDLIB = sysconfig.get_paths()["stdlib"]


def package_of(path: str | None) -> str:
    if not path:
        return "(unattributed)"
    if path.startswith(_STREAMTEST):
        return "streamtest"
    if path.startswith(_BENCH):
        return "bench (the app)"
    if "site-packages/" in path:
        top = path.split("site-packages/", 1)[1].split("/", 1)[0]
        return top.removesuffix(".py")
    if path.startswith("<frozen"):
        return "stdlib:" + path.strip("<>").split()[-1].split(".")[0]
    if path.startswith(_STDLIB):
        rest = path[len(_STDLIB) :].lstrip("/")
        return "stdlib:" + rest.split("/", 1)[0].removesuffix(".py")
    return "(unattributed)"


def _walk(frame: Any, totals: dict[str, float], owner: str) -> None:
    # Synthetic frames ([self], [await]) and C functions (<built-in>, <string>
    # lambdas) are charged to the Python code that called them.
    file_path = frame.file_path or ""
    inherits = frame.is_synthetic or (file_path.startswith("<") and not file_path.startswith("<frozen"))
    package = owner if inherits else package_of(file_path)
    self_time = frame.time - sum(child.time for child in frame.children)
    totals[package] += self_time
    for child in frame.children:
        _walk(child, totals, package)


def by_package(run: Callable[[], Any], repeat: int) -> dict[str, float]:
    """Seconds of self time per package, per call of ``run``, over ``repeat`` calls."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005, async_mode="disabled")
    profiler.start()
    try:
        for _ in range(repeat):
            run()
    finally:
        session = profiler.stop()
    totals: dict[str, float] = defaultdict(float)
    root = session.root_frame(trim_stem=False)
    if root is not None:
        _walk(root, totals, "(unattributed)")
    return {name: seconds / repeat for name, seconds in totals.items()}


def compare_lines(profiles: dict[str, dict[str, float]], *, top: int = 9) -> list[str]:
    """Context lines: ms per run by package, one column per contender, biggest first."""
    names = list(profiles)
    packages = sorted(
        {p for prof in profiles.values() for p in prof},
        key=lambda p: -max(prof.get(p, 0) for prof in profiles.values()),
    )
    shown = packages[:top] + [p for p in packages[top:] if p in _ALWAYS]
    rest = [p for p in packages if p not in shown]
    width = max(len(p) for p in shown + ["the rest", "sampled total"])
    lines = [
        "where the time goes (pyinstrument self time by package, ms per run; sampling overhead inflates call-heavy code, "
        "so compare the columns with each other, not with the timings above):",
        f"{'':<{width}}  " + "  ".join(f"{n:>12}" for n in names),
    ]
    for package in shown:
        lines.append(f"{package:<{width}}  " + "  ".join(f"{profiles[n].get(package, 0) * 1e3:>12.1f}" for n in names))
    if rest:
        lines.append(
            f"{'the rest':<{width}}  "
            + "  ".join(f"{sum(profiles[n].get(p, 0) for p in rest) * 1e3:>12.1f}" for n in names)
        )
    lines.append(
        f"{'sampled total':<{width}}  " + "  ".join(f"{sum(profiles[n].values()) * 1e3:>12.1f}" for n in names)
    )
    return lines
