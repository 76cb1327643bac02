"""Every file streamtest writes: checked by the leak guard all together, then written atomically.

A test's files (its cassette, its golden transcripts; ``streamtest import`` and
``lint --fix`` output too) are written by one call,
:func:`write_guarded`, at the end of a passing test: every text is checked
first, and when one holds a credential none is written, so a refused test
leaves nothing behind. Each file is written through a temporary file in the
same folder and ``os.replace``: readers (and a Ctrl-C, and xdist workers) see
the old file or the new one. A temporary file left by a killed run
(``.<name>.<pid>.<random>.tmp``) is removed the next time that file is written.

Which names are cassettes, golden transcripts and temporary files is decided
here too (:data:`CASSETTE_SUFFIXES`, :data:`GOLDEN_SUFFIX`, :func:`temp_target`),
for everything that looks at a folder of them: the run summary, the golden
fixture, ``streamtest lint`` and ``streamtest import``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISDIR, S_ISREG

from streamtest._cassette.scrub import Leak, ScrubPolicy, locate_leaks
from streamtest._exceptions import CassetteNotFoundError, SecretLeakError

__all__ = [
    "CASSETTE_SUFFIXES",
    "GOLDEN_SUFFIX",
    "TEMP_SUFFIX",
    "PendingFile",
    "atomic_write",
    "cassette_file",
    "check_guarded",
    "file_stat",
    "is_cassette_name",
    "regular_file",
    "remove_stale_temps",
    "temp_target",
    "write_guarded",
]

CASSETTE_SUFFIXES = (".yaml", ".yml", ".json", ".toml")
"""Suffixes of cassette files: streamtest's and vcrpy's YAML, pytest-recording's JSON, cassetter's TOML."""
GOLDEN_SUFFIX = ".transcript.yaml"
"""A golden transcript beside its cassette: ``<cassette stem>[.<name>].transcript.yaml``."""
TEMP_SUFFIX = ".tmp"
# `.<target>.<pid>.<mkstemp's random part>.tmp`; files written before the pid was in the name have none.
_TEMP_NAME = re.compile(r"\.(?P<target>.+?)(?:\.(?P<pid>\d+))?\.[A-Za-z0-9_]+" + re.escape(TEMP_SUFFIX))


@dataclass(frozen=True)
class PendingFile:
    """A file about to be written.

    ``parts`` are the texts it is made of as they were before serializing
    (``("request 1", ...)``, ``("the golden transcript", ...)``): the leak
    guard reads them as well as ``text``, and says which part a credential is in.
    Neither is in the repr: pytest prints the arguments of every frame of a
    failing test's traceback, and these may hold the very credential refused.
    """

    path: Path
    text: str = field(repr=False)
    parts: tuple[tuple[str, str], ...] = field(default=(), repr=False)


def write_guarded(files: Sequence[PendingFile], policy: ScrubPolicy, environ: Mapping[str, str] | None = None) -> None:
    """Write every file, or none: ``SecretLeakError`` when any would hold a credential."""
    __tracebackhide__ = True  # pytest: the message says it all; the arguments are the test's files
    check_guarded(files, policy, environ)
    for f in files:
        atomic_write(f.path, f.text)


def check_guarded(files: Sequence[PendingFile], policy: ScrubPolicy, environ: Mapping[str, str] | None = None) -> None:
    """What :func:`write_guarded` checks before writing (a dry run asks it alone): ``SecretLeakError`` on a credential."""
    __tracebackhide__ = True
    refused = [(f, leaks) for f in files if (leaks := locate_leaks(f.parts, policy, environ, whole=f.text))]
    if refused:
        found = tuple(dict.fromkeys(leak.what for _, leaks in refused for leak in leaks))
        raise SecretLeakError(_refusal(refused, len(files)), found=found)


_ADVICE = {
    "request": (
        "in a request (what your code sent): drop the header with streamtest_drop_request_headers, the query "
        "parameter with streamtest_drop_query_params, scrub the JSON field with streamtest_scrub_fields, or keep "
        "the value out of the prompt."
    ),
    "response": (
        "in a response only: the server sent it back, it is not in the request as recorded. Scrub the JSON "
        "field it came back in with streamtest_scrub_fields (response bodies and each SSE event are scrubbed "
        "too), or record against a server that does not return it."
    ),
    "golden": (
        "in a golden transcript (the graph's input, state or stream): keep the value out of the graph's state, "
        "or scrub its field with streamtest_scrub_fields."
    ),
    "file": "in the serialized file: add a pattern with streamtest_secret_patterns if this is a false alarm.",
}


def _kind(where: str) -> str:
    return next((kind for kind in ("request", "response", "golden") if kind in where), "file")


def _refusal(refused: Sequence[tuple[PendingFile, list[Leak]]], total: int) -> str:
    names = ", ".join(str(f.path) for f, _ in refused)
    every = "" if total == 1 else f" (none of this test's {total} files)"
    lines = [f"refused to write {names}: it would hold a credential. Nothing was written{every}."]
    kinds: list[str] = []
    for pending, leaks in refused:
        found = "; ".join(f"{leak.what} in {leak.where}" for leak in leaks)
        lines.append(f"  {pending.path.name}: {found}")
        kinds.extend(_kind(leak.where) for leak in leaks)
    for kind in dict.fromkeys(kinds):
        lines.append(f"  Found {_ADVICE[kind]}")
    if any(leak.what.startswith("the value of $") for _, leaks in refused for leak in leaks):
        lines.append("  A variable whose value is not a secret can be listed in streamtest_public_env.")
    return "\n".join(lines)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def cassette_file(path: str | os.PathLike[str], *, test_id: str | None = None) -> Path:
    """``path`` when it is a file to read a cassette from; ``CassetteNotFoundError`` when it is missing or a folder."""
    path = Path(path)
    regular_file(path, file_stat(path), test_id=test_id)
    return path


def file_stat(path: str | os.PathLike[str]) -> os.stat_result | None:
    """``os.stat(path)``, or ``None`` where ``Path.exists`` would say it does not exist.

    One system call where ``is_dir``, ``is_file`` and ``exists`` make one each:
    a test's set-up asks all three of its cassette (bench row 3).
    """
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return None
    except OSError as exc:
        if exc.errno in (errno.EBADF, errno.ELOOP):
            return None
        raise


def regular_file(path: Path, stat: os.stat_result | None, *, test_id: str | None = None) -> os.stat_result:
    """``stat`` when it is a file's; ``CassetteNotFoundError`` for a missing path or a folder."""
    if stat is None or not S_ISREG(stat.st_mode):
        raise CassetteNotFoundError(path, test_id=test_id, folder=stat is not None and S_ISDIR(stat.st_mode))
    return stat


def is_cassette_name(path: Path) -> bool:
    """Whether a file of this name may be a cassette (not a golden transcript, not hidden); its content decides the rest."""
    return path.suffix in CASSETTE_SUFFIXES and not path.name.endswith(GOLDEN_SUFFIX) and not path.name.startswith(".")


def temp_target(path: Path) -> Path | None:
    """The file that ``path``, a temporary file :func:`atomic_write` left behind, was written for; else ``None``.

    A temp file names its writer's pid: one whose process is gone (or that is
    this process: its writes are not running concurrently with this one) is
    stale, and its target is returned. A temp file of a live process is
    another writer's, in flight: ``None``, as for any other file.
    """
    match = _TEMP_NAME.fullmatch(path.name)
    if match is None:
        return None
    pid = match["pid"]
    if pid is not None and int(pid) != os.getpid() and _alive(int(pid)):
        return None
    return path.with_name(match["target"])


def remove_stale_temps(path: Path) -> list[Path]:
    """Delete temporary files a killed writer left for ``path``; return what was removed (see :func:`temp_target`)."""
    removed = []
    with contextlib.suppress(OSError):
        for candidate in path.parent.iterdir():
            if candidate.name.startswith(f".{path.name}.") and temp_target(candidate) == path:
                with contextlib.suppress(OSError):
                    candidate.unlink()
                    removed.append(candidate)
    return removed


def atomic_write(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder, fsync, then ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=TEMP_SUFFIX)
    try:
        # mkstemp makes the file 0600; these are normal files to commit.
        os.chmod(temp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
