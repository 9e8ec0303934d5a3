"""A month's statement, against ``watson report`` over the same sessions as Watson frames.

Both are whole processes a user waits for, started fresh, run in turn in the same
run: ``vardia statement --customer C --month 2026-10 --json`` on the desk, and
``watson report --from 2026-10-01 --to 2026-10-31 --project C`` on the desk's
sessions as frames (the same customer's month: the same question). The figure is the
least disturbed run's wall time; CPU and peak memory are kept for both. Watson lives
in its own virtual environment, ``bench/.venv-watson``, installed from PyPI at a
pinned version on first use, so it never enters vardia's dependencies.
"""

from __future__ import annotations

import calendar
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

from bench.budgets import finish
from bench.data import Dataset, scratch
from bench.proc import Usage, base_env, best, run, vardia, warm_up

__all__ = ["DATASETS", "WATSON", "ensure_watson", "measure"]

DATASETS = ("desk",)
WATSON = "td-watson==2.1.0"
WATSON_VENV = Path(__file__).with_name(".venv-watson")


def ensure_watson() -> Path:
    """The ``watson`` executable in its own venv, installed on first use."""
    exe = WATSON_VENV / "bin" / "watson"
    if not exe.exists():
        venv.create(WATSON_VENV, with_pip=True, clear=True)
        pip = [str(WATSON_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, WATSON], check=True, stdout=sys.stderr)
    return exe


def _alternating(commands: list[list[str]], env: dict[str, str], repeats: int) -> list[list[Usage]]:
    """Runs of each command in turn, so both meet the same load, after a warm-up round.

    The warm-up round puts the files in the page cache, as a second statement finds them.
    """
    found: list[list[Usage]] = [[] for _ in commands]
    skip = warm_up(repeats)
    for round_ in range(skip + repeats):
        for runs, argv in zip(found, commands, strict=True):
            usage = run(argv, env)
            if round_ >= skip:
                runs.append(usage)
    return found


def measure(datasets: dict[str, Dataset], repeats: int) -> dict[str, dict[str, Any]]:
    desk = datasets["desk"]
    wanted = desk.manifest["statement"]
    customer, month = wanted["customer"], wanted["month"]
    year, number = map(int, month.split("-"))
    last = calendar.monthrange(year, number)[1]
    with scratch("statement") as tmp:
        env = base_env(desk.home, tmp, WATSON_DIR=str(desk.path / "watson"))
        window = ["--from", f"{month}-01", "--to", f"{month}-{last}", "--project", customer]
        ours, watson = _alternating(
            [
                [*vardia(), "statement", "--customer", customer, "--month", month, "--json"],
                [str(ensure_watson()), "report", *window],
            ],
            env,
            repeats,
        )
    wall, peak = best(ours, lambda u: u.wall)
    watson_wall, watson_peak = best(watson, lambda u: u.wall)
    common = {
        "sessions": desk.manifest["sessions"],
        "month": month,
        "customer": customer,
        "customer_sessions_in_month": wanted["sessions"],
        "samples": repeats,
        "measured": "whole processes, fork to exit; the best of the runs after a warm-up",
    }
    return {
        "statement.speed": finish(
            "statement.speed",
            wall,
            watson_wall,
            peak_rss_mib=peak,
            cpu_seconds=best(ours, lambda u: u.cpu)[0],
            baseline_peak_rss_mib=watson_peak,
            baseline_cpu_seconds=best(watson, lambda u: u.cpu)[0],
            **common,
        ),
        "statement.memory": finish(
            "statement.memory",
            peak,
            watson_peak,
            applies=desk.manifest["sessions"] >= 500_000,
            note="SPEC asks for it at scale 10",
            **common,
        ),
    }
