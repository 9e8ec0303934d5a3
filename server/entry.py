"""The ``vardia-server`` script: one sentence, not a traceback, when the server extra is absent.

``--lang`` is applied here, before the commands' module loads and translates its help, and
click's own words are made to speak it (``core.click_words``).
"""

from __future__ import annotations

import sys

from core.click_words import speak_through_vardia
from core.errors import EXIT_FAILED
from core.i18n import use_lang_option
from server import missing_stack

__all__ = ["main"]


def main() -> None:
    speak_through_vardia()
    use_lang_option(sys.argv[1:])
    missing = missing_stack()
    if missing is not None:
        print(f"vardia-server: {missing}", file=sys.stderr)
        sys.exit(EXIT_FAILED)
    from server.__main__ import main as run

    run()
