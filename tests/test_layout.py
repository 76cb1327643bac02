"""CONTRIBUTING's import rules ("Imports point down"), checked on the source so they stay true.

Every module of ``streamtest/`` is parsed (``ast``, nothing imported) and each
``import`` of ours is held against :data:`MAY_IMPORT`, the package graph
CONTRIBUTING.md draws, with the few named :data:`EXCEPTIONS`. Lazy imports (inside
functions) count too: a layer that reaches up lazily still depends on what it
reaches. Also checked: private packages' ``__init__`` import nothing; no module
imports another's underscore name or another package's underscore module; and
loading ``streamtest``, the plugin or ``streamtest.strategies`` imports no HTTP
library, SDK, YAML or langgraph at module level (statically, and once for real in a
fresh interpreter).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Package (the first name under streamtest; "__init__" is streamtest itself) -> the packages
# its modules may import. Each package may import itself; nothing imports plugin or _cli.
MAY_IMPORT: dict[str, frozenset[str]] = {
    name: frozenset(targets)
    for name, targets in {
        "plugin": {"_plugin", "assertions", "_transcript", "_replay", "_cassette", "_wire", "_server", "_exceptions",
                   "_profiles", "__init__"},
        "_cli": {"_cassette", "_wire", "_replay", "_exceptions"},
        "__main__": {"_cli"},
        "__init__": {"_exceptions"},  # and anything lazily: the public names load on first use
        "strategies": {"_strategies", "_profiles"},
        "faults": {"_replay"},
        "_plugin": {"assertions", "_transcript", "_replay", "_cassette", "_wire", "_exceptions"},
        "assertions": {"_transcript", "_wire", "_exceptions"},
        "_transcript": {"_wire", "_exceptions"},
        "_replay": {"_cassette", "_wire", "_exceptions", "_server"},
        "_cassette": {"_wire", "_exceptions"},
        "_strategies": {"_wire", "_exceptions"},
        "_wire": {"_exceptions"},
        "_server": {"_exceptions"},
        "_exceptions": set(),
        "_profiles": set(),
    }.items()
}

# (module, package it imports) -> why the rule bends there. CONTRIBUTING names each one.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("_transcript.transcript", "assertions"): "Transcript offers the assertions as methods",
    ("_strategies.faults", "_replay"): "faults are _replay.faults' values (a module that loads no vcrpy)",
    ("_strategies.faults", "_cassette"): "the cassette faults are drawn against, read at the first draw",
}

HEAVY = frozenset(
    {"vcr", "openai", "langgraph", "langchain_core", "langchain", "anthropic", "httpx", "httpx2", "botocore",
     "boto3", "google", "ollama", "rich", "yaml", "xllamacpp"}
)


@dataclass(frozen=True)
class Import:
    line: int
    target: str  # the module imported (a "from pkg import module" resolved to the module)
    names: tuple[str, ...]
    module_level: bool  # not inside a function
    type_only: bool  # under `if TYPE_CHECKING:`


@dataclass(frozen=True)
class Module:
    name: str  # "streamtest._wire.sse"
    path: Path
    imports: tuple[Import, ...]

    @property
    def package(self) -> str:
        parts = self.name.split(".")
        return parts[1] if len(parts) > 1 else "__init__"

    @property
    def is_private_init(self) -> bool:
        return self.path.name == "__init__.py" and self.name != "streamtest" and self.package.startswith("_")


def _package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _is_module(root: Path, dotted: str) -> bool:
    path = root.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _imports(tree: ast.Module, root: Path) -> Iterator[Import]:
    def visit(node: ast.AST, module_level: bool, type_only: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for sub in child.body:
                    yield from visit_one(sub, module_level, True)
                for sub in child.orelse:
                    yield from visit_one(sub, module_level, type_only)
            else:
                yield from visit_one(child, module_level, type_only)

    def visit_one(child: ast.AST, module_level: bool, type_only: bool) -> Iterator[Import]:
        if isinstance(child, ast.Import):
            for alias in child.names:
                yield Import(child.lineno, alias.name, (), module_level, type_only)
        elif isinstance(child, ast.ImportFrom):
            base = child.module or ""
            names = tuple(alias.name for alias in child.names)
            modules = [f"{base}.{name}" for name in names if _is_module(root, f"{base}.{name}")]
            if base.startswith("streamtest") and modules:
                for module, name in zip(modules, names, strict=False):
                    yield Import(child.lineno, module, (name,), module_level, type_only)
                rest = tuple(name for name in names if f"{base}.{name}" not in modules)
                if rest:
                    yield Import(child.lineno, base, rest, module_level, type_only)
            else:
                yield Import(child.lineno, base, names, module_level, type_only)
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from visit(child, False, type_only)
        else:
            yield from visit(child, module_level, type_only)

    yield from visit(tree, True, False)


def modules(root: Path) -> list[Module]:
    """Every module under ``root/streamtest`` with its imports."""
    found = []
    for path in sorted((root / "streamtest").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        found.append(Module(".".join(parts), path, tuple(_imports(tree, root))))
    return found


def violations(root: Path) -> list[str]:
    """Every break of the rules, one line each (``path:line: what``); empty when the tree keeps them."""
    out = []
    graph: dict[str, set[str]] = {}
    for module in modules(root):
        where = module.path.relative_to(root)
        sub = ".".join(module.name.split(".")[1:3])
        graph[module.name] = set()
        for imp in module.imports:
            ours = imp.target == "streamtest" or imp.target.startswith("streamtest.")
            if not ours:
                if imp.module_level and not imp.type_only and imp.target.split(".")[0] in HEAVY:
                    graph[module.name].add("heavy:" + imp.target.split(".")[0])
                continue
            if imp.module_level and not imp.type_only:
                graph[module.name].add(imp.target)
            for name in imp.names:
                if name.startswith("_") and imp.target != module.name:
                    out.append(f"{where}:{imp.line}: imports the underscore name {name} of {imp.target}")
            parts = imp.target.split(".")
            if len(parts) >= 3 and parts[2].startswith("_") and parts[1] != module.package:
                out.append(f"{where}:{imp.line}: imports {imp.target}, an underscore module of {parts[1]}/")
            if module.is_private_init and not imp.type_only:
                out.append(f"{where}:{imp.line}: a private package's __init__ imports {imp.target}")
            target = _package_of(imp.target)
            if target == module.package or (sub, target) in EXCEPTIONS:
                continue
            lazily_fine = module.package == "__init__" and (imp.type_only or not imp.module_level)
            if target in ("plugin", "_cli") and module.package != "__main__":
                out.append(f"{where}:{imp.line}: imports {imp.target}: nothing imports the plugin or the command")
            elif target not in MAY_IMPORT.get(module.package, frozenset()) and not lazily_fine:
                how = " (lazily)" if not imp.module_level else " (for types)" if imp.type_only else ""
                out.append(f"{where}:{imp.line}: {module.package} -> {target}{how}: {imp.target}")
    for start in ("streamtest", "streamtest.plugin", "streamtest.strategies"):
        seen = {start: ""}
        todo = [start]
        while todo:
            current = todo.pop()
            parents = [".".join(current.split(".")[:i]) for i in range(1, current.count(".") + 1)]
            for dependency in sorted(graph.get(current, set())) + parents:
                if dependency.startswith("heavy:"):
                    out.append(f"loading {start} imports {dependency[6:]} at module level (in {current})")
                elif dependency not in seen:
                    seen[dependency] = current
                    todo.append(dependency)
    return out


def test_streamtest_keeps_the_import_rules() -> None:
    found = violations(ROOT)
    assert not found, "import rules (CONTRIBUTING.md, 'Imports point down') broken:\n" + "\n".join(found)


def test_every_exception_is_still_used_and_named_in_contributing() -> None:
    """An exception nobody needs any more is a hole in the rules; each one is written down."""
    used = {
        (".".join(module.name.split(".")[1:3]), _package_of(imp.target))
        for module in modules(ROOT)
        for imp in module.imports
        if imp.target.startswith("streamtest.")
    }
    assert set(EXCEPTIONS) <= used
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for module, package in EXCEPTIONS:
        assert f"`{module}` -> `{package}`" in contributing, (module, package)


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "streamtest" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"_wire/__init__.py": "", "_wire/sse.py": "from streamtest._cassette.events import CODECS\n",
          "_cassette/__init__.py": "", "_cassette/events.py": "CODECS = {}\n"},
         "_wire -> _cassette"),
        ({"_wire/__init__.py": "", "_wire/sse.py": "def f():\n    from streamtest._replay.tape import Tape\n",
          "_replay/__init__.py": "", "_replay/tape.py": "Tape = 1\n"},
         "_wire -> _replay (lazily)"),
        ({"_wire/__init__.py": "from streamtest._wire.sse import x\n", "_wire/sse.py": "x = 1\n"},
         "a private package's __init__ imports streamtest._wire.sse"),
        ({"_wire/__init__.py": "", "_wire/sse.py": "_x = 1\n", "_wire/ndjson.py": "from streamtest._wire.sse import _x\n"},
         "underscore name _x"),
        ({"assertions/__init__.py": "", "assertions/_render.py": "x = 1\n", "_transcript/__init__.py": "",
          "_transcript/events.py": "from streamtest.assertions._render import x\n"},
         "an underscore module of assertions/"),
        ({"__init__.py": "import streamtest._wire.sse\n", "_wire/__init__.py": "", "_wire/sse.py": "import yaml\n"},
         "loading streamtest imports yaml"),
        ({"_cassette/__init__.py": "", "_cassette/files.py": "from streamtest.plugin import x\n", "plugin.py": "x = 1\n"},
         "nothing imports the plugin"),
    ],
)
def test_the_checker_sees_each_kind_of_break(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    found = violations(_tree(tmp_path, files))
    assert any(expected in line for line in found), found


def test_the_checker_accepts_what_the_rules_allow(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "__init__.py": "def f():\n    from streamtest._replay.tape import Tape\n",
            "_replay/__init__.py": "",
            "_replay/tape.py": "from streamtest._cassette.events import CODECS\nTape = 1\n",
            "_cassette/__init__.py": "",
            "_cassette/events.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import yaml\nCODECS = {}\n",
        },
    )
    assert violations(root) == []


def test_importing_the_public_modules_loads_no_http_library_sdk_or_yaml() -> None:
    """What the static check says, once for real: a fresh interpreter, its sys.modules afterwards."""
    probe = (
        "import json, sys\n"
        "import streamtest, streamtest.plugin, streamtest.strategies, streamtest.faults, streamtest.assertions\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True,
                                       cwd=ROOT).stdout)
    assert sorted(HEAVY & set(loaded)) == []
