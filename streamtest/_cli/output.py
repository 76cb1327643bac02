"""Where the command writes: plain text, or colour through ``rich`` when it is installed and useful.

``rich`` is optional (``pip install 'streamtest[cli]'``): colour goes to a
terminal only, never to a pipe or a file, and ``NO_COLOR`` turns it off. Every
line is readable without it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

__all__ = ["Output"]

Part = tuple[str, str | None]
"""A piece of a line and its style (a rich style name such as ``"red"``, or ``None``)."""


class Output:
    """Writes lines; styled pieces are coloured only when rich is available and the stream is a terminal."""

    def __init__(self, stream: TextIO | None = None, *, color: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        self._console: Any = None
        if color is None:
            color = self.stream.isatty() and not os.environ.get("NO_COLOR")
        if color:
            try:
                from rich.console import Console
            except ImportError:  # the cli extra is not installed: plain text
                pass
            else:
                self._console = Console(file=self.stream, force_terminal=True, highlight=False, soft_wrap=True)

    def line(self, text: str = "", style: str | None = None) -> None:
        self.parts([(text, style)])

    def parts(self, parts: Sequence[Part]) -> None:
        """One line made of pieces, each with its own style."""
        if self._console is None:
            self.stream.write("".join(text for text, _ in parts) + "\n")
            return
        from rich.text import Text

        line = Text()
        for text, style in parts:
            line.append(text, style=style or "")
        self._console.print(line)
