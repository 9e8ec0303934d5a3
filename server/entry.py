"""The ``vardia-server`` script: one sentence, not a traceback, when the server extra is absent."""

from __future__ import annotations

import sys

from core.errors import EXIT_FAILED
from server import missing_stack

__all__ = ["main"]


def main() -> None:
    missing = missing_stack()
    if missing is not None:
        print(f"vardia-server: {missing}", file=sys.stderr)
        sys.exit(EXIT_FAILED)
    from server.__main__ import main as run

    run()
