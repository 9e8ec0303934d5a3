"""A technician's (or the team's) week on screen: a bar chart of hours per day, then the detail."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Static
from textual_plotext import PlotextPlot

from core.i18n import _, days_text, ngettext
from core.models import Channel
from core.periods import IsoWeek
from core.reports import Breakdown, WeekReport
from tui.format import CHANNEL_LABELS, hours, weekday_day
from tui.screens.dialogs import ChoiceDialog
from tui.screens.period import PeriodScreen

__all__ = ["ReportLoader", "ReportScreen", "hour_axis"]

_NUMBER_COLUMNS = 3
_NUMBER_WIDTH = 8
"""Each of In, After and Total as DataTable draws it: up to ``999.99`` and a cell's padding."""

ReportLoader = Callable[[IsoWeek, str | None], WeekReport]
"""Reads a week's report for a technician, or the team with None; called in a worker thread."""


def hour_axis(top_hours: float) -> tuple[list[float], list[str]]:
    """Whole-hour ticks from 0 to at least the busiest day (1 h for an empty week), as labels."""
    top = max(1, math.ceil(top_hours))
    step = max(1, math.ceil(top / 6))
    ticks = [float(t) for t in range(0, top + step, step)]
    return ticks, [_("{n} h").format(n=int(t)) for t in ticks]


class ReportScreen(PeriodScreen[WeekReport]):
    """A week's hours, customers, channels and incidents; ``[`` and ``]`` step through weeks."""

    CSS_PATH = "report.tcss"
    TITLE_SELECTOR = "#report-title"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", _("Back"), id="report.close"),
        Binding("left_square_bracket", "week(-1)", _("Prev week"), id="report.prev"),
        Binding("right_square_bracket", "week(1)", _("Next week"), id="report.next"),
        Binding("T", "technician", _("Whose week"), id="report.technician"),
    ]

    def __init__(
        self,
        loader: ReportLoader,
        week: IsoWeek,
        technician: str | None = None,
        technicians: Callable[[IsoWeek], list[str]] = lambda _week: [],
    ) -> None:
        super().__init__()
        self.loader = loader
        self.week = week
        self.technician = technician
        self.technicians = technicians
        """Whose weeks can be shown, around a week (``Desk.week_technicians``)."""
        self.report: WeekReport | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="report-body"):
            yield Static(_("Loading…"), id="report-title")
            yield PlotextPlot(id="report-chart")
            with Horizontal(id="report-tables"):
                yield DataTable(id="report-customers", cursor_type="row")
                yield DataTable(id="report-channels", cursor_type="row")
            yield Static(id="report-incidents")
        yield Footer()

    def on_mount(self) -> None:
        for selector, first in (
            ("#report-customers", _("Customer")),
            ("#report-channels", _("Channel")),
        ):
            self.query_one(selector, DataTable).add_columns(first, _("In"), _("After"), _("Total"))
        self.load()

    def fetch(self) -> WeekReport:
        return self.loader(self.week, self.technician)

    def loading_text(self) -> str:
        return _("Week {week} — loading…").format(
            week=days_text(self.week.days[0], self.week.days[-1])
        )

    def show(self, rep: WeekReport) -> None:
        """Fill the screen with a week's report."""
        self.report = rep
        self.query_one("#report-title", Static).update(
            _("Week {week} — {who}\n{total} h ({after} after hours) · {sessions}").format(
                week=days_text(rep.days[0].day, rep.days[-1].day),
                who=rep.technician or _("the team"),
                total=hours(rep.total_minutes),
                after=hours(rep.after_hours_minutes),
                sessions=ngettext("{n} session", "{n} sessions", rep.sessions).format(
                    n=rep.sessions
                ),
            )
        )
        chart = self.query_one(PlotextPlot)
        plt = chart.plt
        plt.clear_data()
        plt.clear_figure()
        labels = [weekday_day(d.day) for d in rep.days]
        plt.stacked_bar(
            labels,
            [
                [float(d.in_hours_minutes / 60) for d in rep.days],
                [float(d.after_hours_minutes / 60) for d in rep.days],
            ],
            # plotext takes `labels` here; the stub textual-plotext ships names it `label`.
            labels=[_("in hours"), _("after hours")],  # type: ignore[call-arg]
        )
        ticks, tick_labels = hour_axis(
            max((float(d.total_minutes / 60) for d in rep.days), default=0)
        )
        plt.ylim(0, ticks[-1])
        plt.yticks(ticks, tick_labels)
        chart.refresh()
        self._fill("#report-customers", rep.customers)
        self._fill("#report-channels", rep.channels, lambda b: CHANNEL_LABELS[Channel(b.key)])
        lines = []
        for title, entries in (
            (_("Opened"), rep.opened),
            (_("Resolved"), rep.resolved),
            (_("SLA breaches"), rep.breaches),
        ):
            refs = ", ".join(e.ref for e in entries[:6]) + (" …" if len(entries) > 6 else "")
            lines.append(f"{title}: {len(entries)}  {refs}".rstrip())
        self.query_one("#report-incidents", Static).update("\n".join(lines))

    def _fill(
        self,
        selector: str,
        parts: tuple[Breakdown, ...],
        name: Callable[[Breakdown], str] = lambda b: b.label,
    ) -> None:
        table = self.query_one(selector, DataTable)
        table.clear()
        # Long customer names are cut so that Total stays on screen at 80 columns.
        room = table.size.width - 2 - _NUMBER_COLUMNS * _NUMBER_WIDTH
        width = max(8, room)
        for b in parts:
            text = name(b)
            label = text if len(text) <= width else text[: width - 1] + "…"
            table.add_row(
                label,
                hours(b.in_hours_minutes),
                hours(b.after_hours_minutes),
                hours(b.total_minutes),
                key=b.key,
            )

    def action_close(self) -> None:
        self.dismiss()

    def action_technician(self) -> None:
        """Pick whose week: a technician's, or the team's."""
        choices: list[tuple[str, str | None]] = [
            *((name, name) for name in self.technicians(self.week)),
            (_("the team"), None),
        ]
        values = [value for _label, value in choices]
        initial = values.index(self.technician) if self.technician in values else 0

        def picked(choice: tuple[str | None] | None) -> None:
            if choice is not None:
                self.technician = choice[0]
                self.load()

        self.app.push_screen(
            ChoiceDialog(
                _("Whose week?"),
                [(label, (value,)) for label, value in choices],
                initial=initial,
            ),
            picked,
        )

    def action_week(self, step: int) -> None:
        self.week = IsoWeek.of(self.week.days[0] + timedelta(weeks=step))
        self.load()
