"""Starting the TUI on a damaged data file stops before the app runs, with one sentence."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.clock import FrozenClock
from core.store import Store
from tests.tui.data import NOW


def test_a_damaged_data_file_stops_the_start_with_one_sentence(tmp_path: Path) -> None:
    with Store.open(tmp_path, clock=FrozenClock(NOW)) as store:
        store.import_records(customers=[], incidents=[])
    (tmp_path / "open.json").write_text('{"_default": {"1": {"broken', "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "tui"],
        env={**os.environ, "VARDIA_HOME": str(tmp_path), "TERM": "dumb"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1  # a damaged file, not a mistake in what was typed (SPEC §10)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "open.json is damaged" in lines[0]
