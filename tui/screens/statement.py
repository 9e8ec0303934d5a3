"""A customer's month statement on screen: the sessions line by line, what is left, the totals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Static

from core.documents import partial_header
from core.i18n import _, ngettext
from core.periods import Month
from core.statements import (
    OVERLAP_MARK,
    Statement,
    credit_text,
    minutes_text,
    overlap_note,
    write_statement_csv,
)
from tui.format import CHANNEL_LABELS, PROVISIONAL_MARK, PROVISIONAL_NOTE, figure, hours
from tui.screens.period import PeriodScreen

__all__ = ["StatementLoader", "StatementScreen", "statement_summary"]

StatementLoader = Callable[[str, Month], Statement]
"""Reads a customer's statement for a month (the server's, else the store's, partial); called
in a worker thread."""


def statement_summary(st: Statement, plan_label: Callable[[str], str] = str) -> tuple[str, str]:
    """What is left of the contract, and the money, as two blocks of text."""
    left = [
        _("{channel}: {used} of {total} h used, {left} h left").format(
            channel=CHANNEL_LABELS[a.channel],
            used=figure(a.used_to_date),
            total=figure(a.included_hours),
            left=figure(a.left),
        )
        for a in st.allowances
    ]
    if st.premium is not None:
        p = st.premium
        left.append(
            _("{pack}: {used} of {total} incidents used, {left} left").format(
                pack=plan_label(p.pack), used=p.used_to_date, total=p.incidents, left=p.left
            )
        )
    t = st.totals
    left.append(credit_text(t))
    if any(ln.provisional for ln in st.lines):
        left.append(PROVISIONAL_NOTE)
    if any(ln.overlaps for ln in st.lines):
        left.append(overlap_note())
    vat = (t.vat_rate * 100).normalize()
    money = [
        _("Support time {v:>10}").format(v=figure(t.time_charges)),
        _("Expenses     {v:>10}").format(v=figure(t.expenses)),
        _("Credit used  {v:>10}").format(
            v=figure(-t.credit_applied if t.credit_applied else t.credit_applied)
        ),
        _("Net due      {v:>10}").format(v=figure(t.net_due)),
        _("VAT {rate:>2} %     {v:>10}").format(rate=vat, v=figure(t.vat)),
        _("Total        {v:>10}").format(v=figure(t.total)),
    ]
    return "\n".join(left), "\n".join(money)


class StatementScreen(PeriodScreen[Statement]):
    """One customer's month; ``[`` and ``]`` step through months, ``s`` saves it as CSV."""

    CSS_PATH = "statement.tcss"
    TITLE_SELECTOR = "#statement-title"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", _("Back"), id="statement.close"),
        Binding("left_square_bracket", "month(-1)", _("Prev month"), id="statement.prev"),
        Binding("right_square_bracket", "month(1)", _("Next month"), id="statement.next"),
        Binding("s", "save_csv", _("Save CSV"), id="statement.save_csv"),
    ]

    def __init__(
        self,
        loader: StatementLoader,
        customer_id: str,
        month: Month,
        *,
        export_dir: Path | None = None,
        plan_label: Callable[[str], str] = str,
    ) -> None:
        super().__init__()
        self.plan_label = plan_label
        self.loader = loader
        self.customer_id = customer_id
        self.month = month
        self.export_dir = export_dir
        self.statement: Statement | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="statement-body"):
            yield Static(_("Loading…"), id="statement-title")
            yield Static("", id="statement-partial")
            yield DataTable(id="statement-lines", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="statement-foot"):
                yield Static(id="statement-left")
                yield Static(id="statement-money")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#statement-lines", DataTable)
        # The money first and the subject last: at 80 columns the amounts stay in view.
        table.add_columns(
            _("Date"),
            _("Incident"),
            _("Channel"),
            _("Amount"),
            _("Billed"),
            _("Eff."),
            _("In"),
            _("After"),
            _("Incl. h"),
            _("Exp."),
            _("Tech"),
            _("Subject"),
        )
        self.load()

    def fetch(self) -> Statement:
        return self.loader(self.customer_id, self.month)

    def loading_text(self) -> str:
        return _("Statement {month} — loading…").format(month=self.month)

    def show(self, st: Statement) -> None:
        """Fill the screen with a statement."""
        self.statement = st
        self.query_one("#statement-title", Static).update(
            ngettext(
                "Statement {month} — {name} ({id}) · plan {plan} · {n} session",
                "Statement {month} — {name} ({id}) · plan {plan} · {n} sessions",
                st.totals.sessions,
            ).format(
                month=st.month,
                name=st.customer_name,
                id=st.customer_id,
                plan=self.plan_label(st.plan) if st.plan else _("none"),
                n=st.totals.sessions,
            )
        )
        self.query_one("#statement-partial", Static).update(
            partial_header(st.as_of) if st.partial else ""
        )
        self.set_class(st.partial, "-partial")
        table = self.query_one("#statement-lines", DataTable)
        table.clear()
        for ln in st.lines:
            mark = (
                (" ✎" if ln.edits else "")
                + (PROVISIONAL_MARK if ln.provisional else "")
                + (OVERLAP_MARK if ln.overlaps else "")
            )
            table.add_row(
                f"{ln.date:%d/%m}",
                f"{ln.incident_ref}{mark}",
                CHANNEL_LABELS[ln.channel] + (" ☾" if ln.after_hours else ""),
                figure(ln.amount),
                _("{minutes} min").format(minutes=minutes_text(ln.billable_minutes)),
                hours(ln.effective_minutes),
                hours(ln.in_hours_minutes),
                hours(ln.after_hours_minutes),
                figure(ln.included_hours_debited),
                figure(ln.expenses),
                ln.technician,
                ln.incident_subject,
                key=ln.session_id,
            )
        left, money = statement_summary(st, self.plan_label)
        self.query_one("#statement-left", Static).update(left)
        self.query_one("#statement-money", Static).update(money)

    def action_close(self) -> None:
        self.dismiss()

    def action_month(self, step: int) -> None:
        self.month = self.month.next if step > 0 else self.month.previous
        self.load()

    def action_save_csv(self) -> None:
        if self.statement is None:
            return
        folder = self.export_dir or Path.cwd()
        target = folder / f"statement-{self.statement.month}-{self.statement.customer_id}.csv"
        try:
            with target.open("w", encoding="utf-8", newline="") as out:
                write_statement_csv(self.statement, out)
        except OSError as error:
            self.notify(
                _("{path} cannot be written ({reason}).").format(
                    path=target, reason=error.strerror
                ),
                severity="error",
            )
            return
        self.notify(_("Saved {path}").format(path=target))
