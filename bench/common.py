"""Shared helpers of ``make bench``: timing, discovery, and ``bench/results.json`` by section."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["RESULTS", "discover", "per_second", "record", "timed"]

RESULTS = Path(__file__).with_name("results.json")
_NOT_BENCHMARKS = {"__main__", "common"}


def timed(func: Callable[[], object], repeat: int = 3) -> float:
    """The best wall-clock seconds of ``repeat`` calls: the least disturbed run."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - started)
    return best


def per_second(func: Callable[[], object], items: int, repeat: int = 3) -> float:
    """Items per second when one call of ``func`` handles ``items`` items."""
    return items / timed(func, repeat)


def discover() -> list[str]:
    """The names of the bench modules that define ``run() -> dict``, alphabetically."""
    import bench

    names = []
    for info in pkgutil.iter_modules(bench.__path__):
        if info.name in _NOT_BENCHMARKS:
            continue
        if callable(getattr(load(info.name), "run", None)):
            names.append(info.name)
    return sorted(names)


def load(name: str) -> ModuleType:
    return importlib.import_module(f"bench.{name}")


def record(section: str, data: dict[str, Any], path: Path = RESULTS) -> None:
    """Write one benchmark's section into the results file, keeping the others' sections."""
    try:
        results = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        results = {}
    if not isinstance(results, dict):
        results = {}
    results[section] = {
        **data,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", "utf-8")
    os.replace(partial, path)  # another bench reading the file never sees half of it
