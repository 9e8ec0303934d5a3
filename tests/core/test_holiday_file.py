"""A year's holidays are kept on disk: a later process reads them and never loads the package."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from importlib.metadata import version
from pathlib import Path

import pytest

from core.holiday_file import keep, kept

GREEK_2026 = frozenset(
    date.fromisoformat(day)
    for day in (
        "2026-01-01", "2026-01-06", "2026-02-23", "2026-03-25", "2026-04-10", "2026-04-13",
        "2026-05-01", "2026-06-01", "2026-08-15", "2026-10-28", "2026-12-25", "2026-12-26",
    )
)  # fmt: skip

INSTALLED = version("holidays")

PROBE = """
import sys
from datetime import date
from core.rules import load_rules
rules = load_rules(None)
print(rules.calendar.is_working_day(date(2026, 4, 13)), "holidays" in sys.modules)
"""


def _probe(home: Path) -> str:
    env = {**os.environ, "VARDIA_HOME": str(home)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def test_a_second_process_reads_the_holidays_without_the_package(tmp_path: Path) -> None:
    assert _probe(tmp_path) == "False True"  # Easter Monday 2026: computed, then kept
    assert kept(tmp_path / "cache", "GR", None, 2026) == GREEK_2026
    assert _probe(tmp_path) == "False False"


def test_a_damaged_file_is_computed_again_and_rewritten(tmp_path: Path) -> None:
    _probe(tmp_path)
    (kept_file,) = (tmp_path / "cache").glob("holidays-GR-2026.json")
    kept_file.write_text('{"package": ')
    assert kept(tmp_path / "cache", "GR", None, 2026) is None
    assert _probe(tmp_path) == "False True"
    assert _probe(tmp_path) == "False False"


def test_a_file_of_another_version_than_the_installed_is_not_read(tmp_path: Path) -> None:
    """As a process that loaded the package before an upgrade writes it: under its own."""
    keep(tmp_path, "GR", None, 2026, GREEK_2026, INSTALLED)
    assert kept(tmp_path, "GR", None, 2026) == GREEK_2026
    keep(tmp_path, "GR", None, 2026, frozenset(), "0.1")
    assert kept(tmp_path, "GR", None, 2026) is None
    (kept_file,) = tmp_path.glob("holidays-*.json")
    assert json.loads(kept_file.read_text())["package"] == "0.1"


def test_a_folder_that_cannot_be_written_keeps_nothing_and_fails_nothing(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    keep(blocked, "GR", None, 2026, GREEK_2026, INSTALLED)
    assert kept(blocked, "GR", None, 2026) is None


@pytest.mark.parametrize(("country", "subdivision"), [("../GR", None), ("GR", "a/b")])
def test_a_name_that_is_no_plain_code_is_never_a_path(
    tmp_path: Path, country: str, subdivision: str | None
) -> None:
    keep(tmp_path / "cache", country, subdivision, 2026, GREEK_2026, INSTALLED)
    assert not (tmp_path / "cache").exists()
    assert kept(tmp_path / "cache", country, subdivision, 2026) is None
