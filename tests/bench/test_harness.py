"""``python -m bench`` runs end to end at a tiny scale and writes every budget's key.

No figure is asserted here (timings belong to ``make bench``); what is checked is that
the harness keeps working as the store, the CLI and the server change under it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.budgets import BUDGETS, finish, table

REPO = Path(__file__).resolve().parents[2]
FIELDS = {"value", "baseline", "ratio", "budget", "unit", "ok", "peak_rss_mib", "measured_at"}


@pytest.mark.slow
@pytest.mark.timeout(900)  # a dozen processes; slow on a loaded machine, never hung
def test_the_harness_runs_every_section_and_writes_every_key(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    where = ["--results", str(results), "--cache", str(tmp_path / "cache")]
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--scale", "0.01", "--json", *where],
        cwd=REPO,
        env={**os.environ, "VARDIA_TEST_POSTGRES_URL": ""},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=850,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    written = json.loads(results.read_text("utf-8"))
    assert json.loads(done.stdout) == written
    assert written["scale"] == 0.01
    assert {"machine", "data", "load_average", "measured_at"} <= set(written)
    assert set(written["budgets"]) == set(BUDGETS)
    for key, entry in written["budgets"].items():
        assert "error" not in entry, (key, entry)
        assert set(entry) >= FIELDS, (key, sorted(FIELDS - set(entry)))
        assert entry["value"] > 0, key
    assert (tmp_path / "results" / "scale-0.01.json").exists()
    shown = subprocess.run(
        [sys.executable, "-m", "bench", "--markdown", "--results", str(results)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert sum(line.startswith("| ") for line in shown.splitlines()) == len(BUDGETS) + 1


def test_a_ratio_is_read_the_way_its_budget_says() -> None:
    floor = finish("durable.session_save", 0.004, 0.001)
    assert (floor["ratio"], floor["ok"]) == (4.0, False)
    push = finish("sync.push", 2.0, 120.0)
    assert (push["ratio"], push["ok"]) == (60.0, True)
    memory = finish("statement.memory", 100.0, 100.0)
    assert (memory["ratio"], memory["ok"]) == (1.0, False)
    cpu = finish("command.help", 0.1, None)
    assert (cpu["ratio"], cpu["ok"]) == (None, True)
    later = finish("statement.memory", 200.0, 100.0, applies=False)
    assert later["ok"] is None


def test_the_table_marks_each_budget_met_or_missed() -> None:
    shown = table(
        {
            "command.help": finish("command.help", 0.1, None, peak_rss_mib=40.0),
            "sync.push": finish("sync.push", 10.0, 100.0),
        }
    )
    lines = shown.splitlines()
    assert lines[0].split()[0] == "budget" and len(lines) == 4
    assert lines[2].startswith("command.help") and lines[2].endswith("✓")
    assert lines[3].startswith("sync.push") and lines[3].endswith("✗")


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_only_completes_the_saved_run_of_its_own_scale(tmp_path: Path) -> None:
    """``--only`` keeps the other lines of its scale's run, whatever scale ran last."""
    results = tmp_path / "results.json"
    saved = tmp_path / "results" / "scale-0.01.json"
    kept = finish("statement.speed", 0.25, 1.0)
    saved.parent.mkdir()
    saved.write_text(json.dumps({"scale": 0.01, "budgets": {"statement.speed": kept}}))
    results.write_text(json.dumps({"scale": 10.0, "budgets": {}}))  # another scale ran last
    where = ["--results", str(results), "--cache", str(tmp_path / "cache")]
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--scale", "0.01", "--only", "command", *where],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=550,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    budgets = json.loads(saved.read_text("utf-8"))["budgets"]
    assert budgets["statement.speed"] == kept
    assert {"command.help", "command.timer_status"} <= budgets.keys()
