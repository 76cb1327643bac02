"""``python -m streamtest``: the same command as the ``streamtest`` console script."""

from __future__ import annotations

import sys

from streamtest._cli.main import main

if __name__ == "__main__":
    sys.exit(main())
