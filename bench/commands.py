"""Command start: ``vardia --help`` and ``vardia timer status``, CPU of the whole process.

Each runs as the user runs it, the installed ``vardia`` from a fresh process (imports
included), on the desk at the run's scale with a timer running. The figure is the
least disturbed run's user + system CPU seconds; wall time and peak memory are kept.
"""

from __future__ import annotations

from typing import Any

from bench.budgets import finish
from bench.data import Dataset, scratch
from bench.proc import base_env, best, run, vardia, warm_up

__all__ = ["DATASETS", "measure"]

DATASETS = ("desk",)
COMMANDS = {
    "command.help": ["--help"],
    "command.timer_status": ["timer", "status"],
}


def measure(datasets: dict[str, Dataset], repeats: int) -> dict[str, dict[str, Any]]:
    desk = datasets["desk"]
    found = {}
    with scratch("commands") as tmp:
        env = base_env(desk.home, tmp)  # both only read the store: the cache serves as it is
        for key, args in COMMANDS.items():
            runs = [run([*vardia(), *args], env) for _ in range(warm_up(repeats) + repeats)]
            runs = runs[warm_up(repeats) :]
            cpu, peak = best(runs, lambda u: u.cpu)
            wall, _peak = best(runs, lambda u: u.wall)
            found[key] = finish(
                key,
                cpu,
                None,
                peak_rss_mib=peak,
                wall_seconds=wall,
                samples=repeats,
                sessions=desk.manifest["sessions"],
                measured="whole process, from fork to exit; the best of the runs after a warm-up",
            )
    return found
