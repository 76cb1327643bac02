"""What every row gets: the run's size, a scratch folder, a logger, and the source stream."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench._streams import Source, load_source

__all__ = ["Context"]


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Context:
    quick: bool
    workdir: Path
    profile: bool = True
    refresh_stream: bool = False
    log: Callable[[str], None] = _log
    _source: Source | None = field(default=None, repr=False)

    def source(self) -> Source:
        if self._source is None:
            self._source = load_source(refresh=self.refresh_stream, log=self.log)
        return self._source

    def pick(self, quick: int, full: int) -> int:
        """A count for this run's size."""
        return quick if self.quick else full
