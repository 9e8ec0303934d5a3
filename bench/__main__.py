"""``python -m bench [--scale N] [--only NAME] [--json] [--check]``: every SPEC §9 budget.

Data is generated first (or found in the cache, see ``bench/data.py``), each in a
process of its own whose build time is recorded. Then each section runs in a fresh
process of its own, so the peak memory of what it measures in-process is its own:

- ``durable``   timer start and session save against the durable-write floor
- ``command``   ``vardia --help`` and ``vardia timer status``, CPU of the whole process
- ``app``       first frame and idle output of the real ``vardia`` in a pty; the tick
- ``sync``      push from the store's outbox to a local server; acknowledgements
- ``statement`` ``vardia statement`` against ``watson report`` on the same sessions

``--only`` takes a section or a budget key (which runs its section); it may be given
more than once. The results go to ``bench/results.json`` (one stable key per budget,
with the scale and the machine; a run with ``--only`` replaces only what it measured)
and to ``bench/results/scale-N.json``, which ``--markdown`` turns into README rows.
The table goes to stdout, or the JSON with ``--json``. The exit status is 0 even when
a budget is missed, unless ``--check`` is given.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import data
from bench.budgets import BUDGETS, markdown, notes, table
from bench.proc import REPO, Usage, run

SECTIONS = {
    "durable": "bench.durable",
    "command": "bench.commands",
    "app": "bench.app",
    "sync": "bench.sync",
    "statement": "bench.statement",
}
RESULTS = Path(__file__).with_name("results.json")
_SIZES = ("sessions", "open_incidents", "customers", "ops", "outboxes")


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="data size; 1 is 50,000 sessions")
    parser.add_argument("--only", action="append", default=[], metavar="NAME")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--check", action="store_true", help="exit 1 if a budget is missed")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write the JSON")
    parser.add_argument("--cache", type=Path, default=data.CACHE, help="the generated data")
    parser.add_argument("--markdown", action="store_true", help="README rows of saved runs")
    parser.add_argument("--section", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", help=argparse.SUPPRESS)
    parser.add_argument("--emit", type=Path, help=argparse.SUPPRESS)
    found = parser.parse_args(argv)
    if found.scale <= 0:
        parser.error("--scale must be above 0")
    for name in found.only:
        if name not in SECTIONS and name not in BUDGETS:
            parser.error(f"--only {name}: not a section ({', '.join(SECTIONS)}) nor a budget key")
    return found


def _repeats(scale: float) -> int:
    """Runs per figure: the least disturbed of three, one in a smoke test (tiny scales)."""
    return 1 if scale < 0.1 else 3


def _machine() -> dict[str, Any]:
    def first(path: str, prefix: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return ""

    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": first("/proc/cpuinfo", "model name"),
        "cpus": os.cpu_count(),
        "memory": first("/proc/meminfo", "MemTotal"),
        "python": platform.python_version(),
        "commit": commit,
    }


def _section_main(name: str, scale: data.Scale, emit: Path) -> int:
    module = importlib.import_module(SECTIONS[name])
    datasets = {}
    for wanted in module.DATASETS:
        found = data.locate(wanted, scale)
        if found is None:
            raise SystemExit(f"the dataset {wanted} is not built; run python -m bench")
        datasets[wanted] = found
    entries = module.measure(datasets, _repeats(scale.factor))
    emit.write_text(json.dumps(entries, indent=2), "utf-8")
    return 0


def _prepare(names: list[str], scale: data.Scale) -> dict[str, Any]:
    """Build what is missing, each in a process of its own, side by side; what each cost."""
    missing = [name for name in names if data.locate(name, scale) is None]

    def build(name: str) -> Usage:
        print(f"== generating {name} at scale {scale.label}", file=sys.stderr, flush=True)
        argv = [sys.executable, "-m", "bench", "--prepare", name, "--scale", scale.label]
        return run(argv, dict(os.environ), cwd=REPO, stdout=sys.stderr)

    with ThreadPoolExecutor(max_workers=max(1, len(missing))) as pool:
        built = dict(zip(missing, pool.map(build, missing), strict=True))
    found = {}
    for name in names:
        dataset = data.locate(name, scale)
        assert dataset is not None
        manifest = dataset.manifest
        usage = built.get(name)
        found[name] = {
            "key": manifest["key"],
            "bytes": manifest["bytes"],
            "build_seconds": manifest["build_seconds"],
            "built_in_this_run": usage is not None,
            **({"build_peak_rss_mib": round(usage.peak_rss_mib, 1)} if usage else {}),
            **{k: manifest[k] for k in _SIZES if k in manifest},
        }
    if len(missing) > 1:
        for name in missing:
            found[name]["built_alongside"] = [n for n in missing if n != name]
    return found


def _measure(name: str, scale: data.Scale) -> dict[str, Any]:
    print(f"== {name}", file=sys.stderr, flush=True)
    keys = [key for key in BUDGETS if SECTIONS[name] == SECTIONS.get(key.split(".")[0], "")]
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="vardia-bench-") as tmp:
        emit = Path(tmp) / "entries.json"
        argv = [sys.executable, "-m", "bench", "--section", name, "--scale", scale.label]
        try:
            usage = run([*argv, "--emit", str(emit)], dict(os.environ), cwd=REPO, stdout=sys.stderr)
            entries: dict[str, Any] = json.loads(emit.read_text("utf-8"))
        except (RuntimeError, OSError, ValueError) as error:
            return {key: {"error": f"the {name} section failed: {error}"} for key in keys}
    measured_at = datetime.now(UTC).isoformat(timespec="seconds")
    print(f"   {name}: {usage.wall:.1f} s", file=sys.stderr, flush=True)
    for entry in entries.values():
        entry.setdefault("peak_rss_mib", round(usage.peak_rss_mib, 1))
        entry["measured_at"] = measured_at
        entry["section_seconds"] = round(usage.wall, 1)
        entry["load_average"] = [load_before, os.getloadavg()[0]]
    return entries


def _previous(path: Path, scale: float) -> dict[str, Any]:
    try:
        found = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) and found.get("scale") == scale else {}


def _write(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", "utf-8")
    os.replace(partial, path)


def _print_markdown(results: Path) -> int:
    runs = []
    for path in sorted((results.parent / "results").glob("scale-*.json")):
        runs.append(json.loads(path.read_text("utf-8")))
    runs.sort(key=lambda found: found["scale"])
    if not runs:
        print(f"no saved runs in {results.parent / 'results'}; run python -m bench first")
        return 1
    print(markdown(runs))
    return 0


def main(argv: list[str]) -> int:
    args = _arguments(argv)
    os.environ["VARDIA_BENCH_CACHE"] = str(args.cache.resolve())
    data.CACHE = args.cache.resolve()
    scale = data.Scale(args.scale)
    if args.section:
        return _section_main(args.section, scale, args.emit)
    if args.prepare:
        data.build(args.prepare, scale)
        return 0
    if args.markdown:
        return _print_markdown(args.results)
    names = [
        n
        for n in SECTIONS
        if not args.only or n in args.only or any(k.split(".")[0] == n for k in args.only)
    ]
    load_start = os.getloadavg()
    needed = [d for n in names for d in importlib.import_module(SECTIONS[n]).DATASETS]
    datasets = _prepare(list(dict.fromkeys(needed)), scale)
    if "statement" in names:
        from bench.statement import ensure_watson

        ensure_watson()
    budgets: dict[str, Any] = {}
    for name in names:
        budgets.update(_measure(name, scale))
    # The last run at this scale, which --only completes: results.json may hold another scale.
    saved = args.results.parent / "results" / f"scale-{scale.label}.json"
    previous = _previous(saved, args.scale) if args.only else {}
    document = {
        "scale": args.scale,
        "data": {**previous.get("data", {}), **datasets},
        "machine": _machine(),
        "load_average": {"start": load_start, "end": os.getloadavg()},
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "repeats": _repeats(args.scale),
        "budgets": {
            key: entry
            for key in BUDGETS
            if (entry := budgets.get(key) or previous.get("budgets", {}).get(key)) is not None
        },
    }
    _write(args.results, document)
    _write(saved, document)
    if args.json:
        print(json.dumps(document, indent=2, sort_keys=True))
    else:
        print(f"scale {scale.label}: {_describe(document)}")
        print(table(document["budgets"]))
        print(notes(document["budgets"]))
        print(f"results written to {args.results}")
    failed = [k for k, e in document["budgets"].items() if e.get("ok") is False or "error" in e]
    return 1 if args.check and failed else 0


def _describe(document: dict[str, Any]) -> str:
    desk = document["data"].get("desk", {})
    machine = document["machine"]
    load = document["load_average"]
    parts = []
    if desk:
        parts.append(
            f"{desk['sessions']:,} sessions, {desk['open_incidents']:,} open incidents, "
            f"{desk['customers']:,} customers"
        )
    parts.append(f"{machine['cpus']} × {machine['processor'] or machine['machine']}")
    parts.append(f"Python {machine['python']}")
    parts.append(f"load {load['start'][0]:.2f} → {load['end'][0]:.2f}")
    return "; ".join(parts)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
