"""A customer's month statement on screen: the sessions line by line, what is left, the totals.

The lines fit the screen's width: on a narrow terminal (80 columns) a line shows its day,
incident, channel, amount, billed time and technician, and its subject cut to what is left;
a wide one shows every figure. ``s`` saves the month as CSV and ``h`` as the HTML document
``vardia statement --html`` writes, numbered by the server when it can be reached.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Static

from core.documents import partial_header
from core.errors import VardiaError
from core.i18n import N_, _, day_month, fit, month_name, ngettext
from core.periods import Month
from core.statements import (
    OVERLAP_MARK,
    Statement,
    StatementLine,
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

DocumentMaker = Callable[[str, Month], tuple[Statement, str]]
"""Issues a customer's statement for a month as a document: the statement (numbered by the
server, else a draft) and its HTML page; called in a worker thread."""

_WIDE = 110
"""From this width on, a line shows every figure; below it, the subject takes what is left."""

_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("day", N_("Day"), False),
    ("incident", N_("Incident"), False),
    ("channel", N_("Channel"), False),
    ("amount", N_("Amount"), False),
    ("billed", N_("Billed"), False),
    ("effective", N_("Eff."), True),
    ("in", N_("In"), True),
    ("after", N_("After"), True),
    ("included", N_("Incl. h"), True),
    ("expenses", N_("Exp."), True),
    ("technician", N_("Tech"), False),
    ("subject", N_("Subject"), False),
)
"""The lines' columns, the money first and the subject last; ``True``: on a wide screen only."""

_TECHNICIAN_ROOM = 12
_CHROME = 4
"""The columns a line cannot use: the screen's padding and the table's scroll bar."""


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

    MONTHS = Binding.Group(_("Month"), compact=True)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", _("Back"), id="statement.close"),
        Binding(
            "left_square_bracket", "month(-1)", _("Prev month"), id="statement.prev", group=MONTHS
        ),
        Binding(
            "right_square_bracket", "month(1)", _("Next month"), id="statement.next", group=MONTHS
        ),
        Binding("s", "save_csv", _("Save CSV"), id="statement.save_csv"),
        Binding("h", "save_html", _("Save HTML"), id="statement.save_html"),
        Binding(
            "o",
            "other_customer",
            _("Customer…"),
            tooltip=_("Another customer's statement"),
            id="statement.other",
        ),
    ]

    class OtherCustomer(Message):
        """The technician wants another customer's statement: the app offers the list."""

    class DocumentSaved(Message):
        """The month's HTML document was written (by the screen's worker)."""

        def __init__(self, statement: Statement, path: Path) -> None:
            super().__init__()
            self.statement = statement
            self.path = path

    class DocumentFailed(Message):
        """The month's HTML document could not be made or written: why, in a sentence."""

        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(
        self,
        loader: StatementLoader,
        customer_id: str,
        month: Month,
        *,
        export_dir: Path | None = None,
        plan_label: Callable[[str], str] = str,
        document: DocumentMaker | None = None,
    ) -> None:
        super().__init__()
        self.plan_label = plan_label
        self.document = document
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
        self.load()

    def fetch(self) -> Statement:
        return self.loader(self.customer_id, self.month)

    def loading_text(self) -> str:
        return _("Statement {month} — loading…").format(month=month_name(self.month.first_day))

    def show(self, st: Statement) -> None:
        """Fill the screen with a statement."""
        self.statement = st
        self.query_one("#statement-title", Static).update(
            ngettext(
                "Statement {month} — {name} ({id}) · plan {plan} · {n} session",
                "Statement {month} — {name} ({id}) · plan {plan} · {n} sessions",
                st.totals.sessions,
            ).format(
                month=month_name(Month.parse(st.month).first_day),
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
        self._show_lines(st)
        left, money = statement_summary(st, self.plan_label)
        self.query_one("#statement-left", Static).update(left)
        self.query_one("#statement-money", Static).update(money)

    def _show_lines(self, st: Statement) -> None:
        """The lines in the columns the screen's width holds, the subject cut to what is left."""
        wide = self.size.width >= _WIDE
        columns = [(key, _(title)) for key, title, wide_only in _COLUMNS if wide or not wide_only]
        rows = [_cells(ln) for ln in st.lines]
        widths = {
            key: max([len(title), *(len(row[key]) for row in rows)]) for key, title in columns
        }
        widths["technician"] = min(widths["technician"], max(_TECHNICIAN_ROOM, len(_("Tech"))))
        taken = sum(w + 2 for key, w in widths.items() if key != "subject")  # 2: cell padding
        widths["subject"] = max(len(_("Subject")), self.size.width - _CHROME - taken - 2)
        table = self.query_one("#statement-lines", DataTable)
        table.clear(columns=True)
        for key, title in columns:
            table.add_column(title, key=key, width=widths[key])
        for ln, row in zip(st.lines, rows, strict=True):
            table.add_row(*(fit(row[key], widths[key]) for key, _t in columns), key=ln.session_id)

    def on_resize(self, event: events.Resize) -> None:
        if self.statement is not None:
            self._show_lines(self.statement)

    def action_close(self) -> None:
        self.dismiss()

    def action_other_customer(self) -> None:
        self.post_message(self.OtherCustomer())

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

    def action_save_html(self) -> None:
        if self.document is None:
            self.notify(_("This screen cannot write the statement as a document."))
            return
        self.notify(
            _("Issuing the statement for {month}…").format(month=month_name(self.month.first_day))
        )
        self._write_document(self.customer_id, self.month)

    @work(thread=True, exclusive=True, exit_on_error=False, group="statement-document")
    def _write_document(self, customer_id: str, month: Month) -> None:
        assert self.document is not None  # checked by the action
        folder = self.export_dir or Path.cwd()
        target = folder / f"statement-{month}-{customer_id}.html"
        try:
            statement, page = self.document(customer_id, month)
            target.write_text(page, encoding="utf-8")
        except VardiaError as error:
            self.post_message(self.DocumentFailed(str(error)))
            return
        except OSError as error:
            reason = _("{path} cannot be written ({reason}).")
            self.post_message(
                self.DocumentFailed(reason.format(path=target, reason=error.strerror))
            )
            return
        self.post_message(self.DocumentSaved(statement, target))

    @on(DocumentFailed)
    def _document_failed(self, message: DocumentFailed) -> None:
        self.notify(message.reason, severity="error")

    @on(DocumentSaved)
    def _document_saved(self, message: DocumentSaved) -> None:
        document = message.statement.document
        if document is not None:
            said = _("Statement {number} written to {path}").format(
                number=document.number, path=message.path
            )
        else:
            said = _(
                "Draft statement, without a number (the server could not be reached), written "
                "to {path}"
            ).format(path=message.path)
        self.notify(said)


def _cells(ln: StatementLine) -> dict[str, str]:
    """A statement line's cells by column key, in the language's words and numbers."""
    mark = (
        (" ✎" if ln.edits else "")
        + (PROVISIONAL_MARK if ln.provisional else "")
        + (OVERLAP_MARK if ln.overlaps else "")
    )
    return {
        "day": day_month(ln.date),
        "incident": f"{ln.incident_ref}{mark}",
        "channel": CHANNEL_LABELS[ln.channel] + (" ☾" if ln.after_hours else ""),
        "amount": figure(ln.amount),
        "billed": _("{minutes} min").format(minutes=minutes_text(ln.billable_minutes)),
        "effective": hours(ln.effective_minutes),
        "in": hours(ln.in_hours_minutes),
        "after": hours(ln.after_hours_minutes),
        "included": figure(ln.included_hours_debited),
        "expenses": figure(ln.expenses),
        "technician": ln.technician,
        "subject": ln.incident_subject,
    }
