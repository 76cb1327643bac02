"""The project's pytest configuration file, found the way pytest finds it, for the scrub and leak settings.

``streamtest lint`` and ``streamtest import`` must scrub and guard with what
``pytest --record`` would: the ``streamtest_<key>`` settings of
:data:`streamtest._cassette.scrub.POLICY_KEYS`, from the file pytest reads.
pytest's search (``_pytest.config.findpaths.locate_config``, private, so
followed here rather than imported): from each path given, up through its
parents, the first folder holding one of ``pytest.toml``, ``.pytest.toml``
(pytest 9), ``pytest.ini``, ``.pytest.ini`` (always taken, even without a
``[pytest]`` section), ``pyproject.toml`` with ``[tool.pytest]`` or
``[tool.pytest.ini_options]``, ``tox.ini`` with ``[pytest]``, ``setup.cfg``
with ``[tool:pytest]``, in that order. The command says which file it read.
"""

from __future__ import annotations

import shlex
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from streamtest._cassette.scrub import POLICY_KEYS
from streamtest._exceptions import UsageError

__all__ = ["PytestConfig", "find_pytest_config"]


@dataclass(frozen=True)
class PytestConfig:
    """The file pytest would read (``None``: none found) and its options (``key -> str | list``)."""

    path: Path | None
    section: str = ""
    options: Mapping[str, object] = field(default_factory=dict)

    def policy_settings(self) -> dict[str, list[str]]:
        """The scrub and leak keys it sets, without their ``streamtest_`` prefix, read as pytest reads them."""
        settings = {}
        for key, kind in POLICY_KEYS.items():
            value = self.options.get(f"streamtest_{key}")
            if value is None:
                continue
            if isinstance(value, str):
                value = shlex.split(value) if kind == "args" else [line.strip() for line in value.splitlines() if line.strip()]
            if not isinstance(value, list):
                raise UsageError(f"{self.path}: streamtest_{key} = {value!r}: expected a list of strings")
            settings[key] = [str(item) for item in value]
        return settings

    def describe(self) -> str:
        """One line for the command's output: which file the settings came from."""
        if self.path is None:
            return "scrub and leak settings: streamtest's defaults (no pytest configuration file found)"
        return f"scrub and leak settings: streamtest_* keys of {self.path} [{self.section}]"


def _toml(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None


def _ini_section(path: Path, names: Iterable[str]) -> tuple[str, dict[str, object]] | None:
    from iniconfig import IniConfig, ParseError  # pytest's own ini parser (a pytest dependency)

    try:
        parsed = IniConfig(str(path))
    except ParseError as exc:
        raise UsageError(f"{path}: {exc}") from None
    for name in names:
        if name in parsed:
            return name, dict(parsed[name].items())
    return None


def _pytest_toml(path: Path) -> tuple[str, dict[str, object]] | None:
    table = _toml(path).get("pytest", {})
    return "pytest", dict(table) if isinstance(table, dict) else {}


def _pytest_ini(path: Path) -> tuple[str, dict[str, object]] | None:
    return _ini_section(path, ["pytest"]) or ("pytest", {})


def _pyproject(path: Path) -> tuple[str, dict[str, object]] | None:
    tool = _toml(path).get("tool", {})
    table = tool.get("pytest") if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        return None
    native = {key: value for key, value in table.items() if key != "ini_options"}
    if native:
        return "tool.pytest", native
    if isinstance(table.get("ini_options"), dict):
        return "tool.pytest.ini_options", dict(table["ini_options"])
    return None


def _pytest_9() -> bool:
    try:
        return int(version("pytest").split(".")[0]) >= 9
    except (PackageNotFoundError, ValueError):
        return True


def _loaders() -> list[tuple[str, Callable[[Path], tuple[str, dict[str, object]] | None]]]:
    toml = [("pytest.toml", _pytest_toml), (".pytest.toml", _pytest_toml)] if _pytest_9() else []
    return [
        *toml,
        ("pytest.ini", _pytest_ini),
        (".pytest.ini", _pytest_ini),
        ("pyproject.toml", _pyproject),
        ("tox.ini", lambda path: _ini_section(path, ["pytest"])),
        ("setup.cfg", lambda path: _ini_section(path, ["tool:pytest"])),
    ]


def find_pytest_config(paths: Iterable[Path]) -> PytestConfig:
    """The configuration pytest would use for a run on ``paths`` (the current folder when there are none)."""
    starts = [path.absolute() for path in paths] or [Path.cwd()]
    loaders = _loaders()
    for start in starts:
        for folder in (start, *start.parents):
            for name, loader in loaders:
                candidate = folder / name
                if candidate.is_file() and (found := loader(candidate)) is not None:
                    return PytestConfig(candidate, *found)
    return PytestConfig(None)
