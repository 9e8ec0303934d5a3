"""The domain stays free of the UI: importing every core module never loads textual or the server.

rich is not on the list: httpx loads it for its own command line whenever it is installed.
"""

from __future__ import annotations

import subprocess
import sys

IMPORT_ALL_OF_CORE = """
import importlib, pkgutil, sys
import core
for info in pkgutil.walk_packages(core.__path__, "core."):
    importlib.import_module(info.name)
print(",".join(m for m in ("textual", "tui", "server", "fastapi", "sqlalchemy")
               if m in sys.modules))
"""


def test_core_loads_no_ui_and_no_server() -> None:
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL_OF_CORE], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def test_the_check_sees_a_ui_import() -> None:
    """Guards the guard: the same probe reports textual once something imports it."""
    out = subprocess.run(
        [sys.executable, "-c", "import textual\n" + IMPORT_ALL_OF_CORE],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "textual" in out.stdout
