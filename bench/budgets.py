"""SPEC §9 as data: one stable key per budget, how its ratio is read, and how it is shown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["BUDGETS", "Budget", "finish", "markdown", "notes", "table"]


@dataclass(frozen=True)
class Budget:
    """One line of SPEC §9.

    ``on`` says what the limit applies to: the measured ``value`` (below ``limit``) or
    the ``ratio`` to the same run's baseline. For a ratio, ``at_least`` budgets are
    speed-ups (ratio = baseline / value), the others are costs (ratio = value / baseline).
    """

    label: str
    unit: str
    on: str
    limit: float
    baseline_label: str
    at_least: bool = False
    strict: bool = False
    """The ratio must stay below the limit, not reach it (peak memory below watson's)."""

    def text(self, limit: float | None = None) -> str:
        limit = self.limit if limit is None else limit
        if self.on == "value":
            return f"< {_quantity(limit, self.unit)}"
        sign = "≥" if self.at_least else ("<" if self.strict else "≤")
        return f"{sign} {limit:g}×"


BUDGETS: dict[str, Budget] = {
    "durable.timer_start": Budget(
        "start a timer, durably", "s", "ratio", 3, "the durable-write floor"
    ),
    "durable.session_save": Budget(
        "save a session into a populated month, durably",
        "s",
        "ratio",
        3,
        "the durable-write floor",
    ),
    "command.help": Budget("`vardia --help`, CPU", "s", "value", 0.15, "—"),
    "command.timer_status": Budget("`vardia timer status`, CPU", "s", "value", 0.15, "—"),
    "app.first_frame": Budget(
        "first frame of the queue, from process start", "s", "value", 1.0, "one open incident"
    ),
    "app.tick": Budget(
        "countdown tick with a re-sort (threshold crossed), CPU",
        "s",
        "value",
        0.020,
        "tick without a re-sort",
    ),
    "app.idle_output": Budget(
        "idle queue at 80x24, terminal output", "B/s", "value", 500, "one open incident"
    ),
    "sync.push": Budget(
        "push the queued operations from the store's outbox",
        "s",
        "ratio",
        50,
        "one request per operation",
        at_least=True,
    ),
    "sync.acknowledge": Budget(
        "acknowledge 100,000 operations", "s", "ratio", 12, "acknowledge 10,000"
    ),
    "statement.speed": Budget(
        "a month's statement, whole process", "s", "ratio", 5, "`watson report`", at_least=True
    ),
    "statement.memory": Budget(
        "a month's statement, peak memory", "MiB", "ratio", 1, "`watson report`", strict=True
    ),
}


def finish(
    key: str,
    value: float,
    baseline: float | None,
    *,
    limit: float | None = None,
    applies: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """A results entry: the value, its baseline, the ratio the budget reads, and the verdict.

    ``limit`` replaces the budget's own where SPEC gives one per data size; a budget
    that does not apply at this scale keeps its figures with ``ok`` None.
    """
    budget = BUDGETS[key]
    limit = budget.limit if limit is None else limit
    ratio = None
    if baseline:
        ratio = baseline / value if budget.at_least else value / baseline
    if not applies:
        ok = None
    elif budget.on == "value":
        ok = value < limit
    elif ratio is None:
        ok = False
    elif budget.at_least:
        ok = ratio >= limit
    else:
        ok = ratio < limit if budget.strict else ratio <= limit
    return {
        "label": budget.label,
        "value": value,
        "unit": budget.unit,
        "baseline": baseline,
        "baseline_label": extra.pop("baseline_label", budget.baseline_label),
        "ratio": ratio,
        "budget": limit,
        "budget_on": budget.on,
        "budget_text": budget.text(limit),
        "ok": ok,
        **extra,
    }


def _quantity(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        if value < 1:
            return f"{value * 1000:.3g} ms"
        return f"{value:.3g} s"
    if unit == "B/s":
        return f"{value:,.0f} B/s"
    if unit == "MiB":
        return f"{value:,.0f} MiB"
    return f"{value:g} {unit}"


def _ratio(entry: Mapping[str, Any]) -> str:
    ratio = entry.get("ratio")
    return "—" if ratio is None else f"{ratio:,.3g}×"


def _verdict(entry: Mapping[str, Any]) -> str:
    return {True: "✓", False: "✗", None: "–"}[entry.get("ok")]


def _rows(entries: Mapping[str, Mapping[str, Any]]) -> list[list[str]]:
    rows = []
    for key in BUDGETS:
        entry = entries.get(key)
        if entry is None:
            continue
        if "error" in entry:
            rows.append([key, "error", entry["error"][:60], "", BUDGETS[key].text(), "✗"])
            continue
        unit = entry["unit"]
        memory = entry.get("peak_rss_mib")
        value = _quantity(entry["value"], unit) + (
            f" ({memory:,.0f} MiB)" if memory and unit != "MiB" else ""
        )
        baseline = entry["baseline_label"]
        if entry.get("baseline") is not None:
            baseline = f"{baseline}: {_quantity(entry['baseline'], unit)}"
        rows.append([key, value, baseline, _ratio(entry), entry["budget_text"], _verdict(entry)])
    return rows


def table(entries: Mapping[str, Mapping[str, Any]]) -> str:
    """The human-readable table: budget, value (peak memory), baseline, ratio, limit, ✓/✗."""
    header = ["budget", "value (peak memory)", "baseline, same run", "ratio", "limit", "ok"]
    rows = [header, *_rows(entries)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def notes(entries: Mapping[str, Mapping[str, Any]]) -> str:
    """How each figure was taken, one line per way, naming the budgets it serves."""
    ways: dict[str, list[str]] = {}
    for key in BUDGETS:
        how = entries.get(key, {}).get("measured")
        if how:
            ways.setdefault(how, []).append(key)
    return "\n".join(f"{', '.join(keys)}: {how}" for how, keys in ways.items())


def markdown(runs: Sequence[Mapping[str, Any]]) -> str:
    """README rows: a line per budget, a column per scale: value (memory) vs baseline = ratio."""
    header = ["budget (SPEC §9)", "baseline, same run", "limit"]
    header += [f"scale {run['scale']:g}" for run in runs]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for key, budget in BUDGETS.items():
        found = [run.get("budgets", {}).get(key) or {} for run in runs]
        limits = {entry["budget_text"]: None for entry in found if "budget_text" in entry}
        baselines = {entry["baseline_label"]: None for entry in found if "baseline_label" in entry}
        cells = [
            budget.label,
            " / ".join(baselines) or budget.baseline_label,
            " / ".join(limits) or budget.text(),
        ]
        for entry in found:
            if "value" not in entry:
                cells.append("—")
                continue
            unit, memory = entry["unit"], entry.get("peak_rss_mib")
            text = _quantity(entry["value"], unit)
            if memory and unit != "MiB":
                text += f" ({memory:,.0f} MiB)"
            if entry.get("baseline") is not None:
                text += f" vs {_quantity(entry['baseline'], unit)}"
            if entry.get("ratio") is not None:
                text += f" = {_ratio(entry)}"
            cells.append(f"{text} {_verdict(entry)}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
