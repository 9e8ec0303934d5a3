"""``vardia statement`` and ``vardia report``: a customer's month and a technician's week."""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import tzinfo
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from core.calendar import ATHENS
from core.errors import InputError
from core.i18n import _, ngettext
from core.periods import IsoWeek, Month
from tui.cli import Env, emit, json_option, pass_env, reports_errors
from tui.format import (
    PROVISIONAL_MARK,
    PROVISIONAL_NOTE,
    hours,
    numeric_at,
    partial_header,
    slug,
    weekday_date,
)

if TYPE_CHECKING:
    from rich.console import Console

    from core.models import Customer
    from core.reports import WeekReport
    from core.statements import Statement

__all__ = [
    "COMMANDS",
    "render_report",
    "render_statement",
    "report",
    "statement",
    "statement_file",
]


def statement_file(customer: Customer, month: Month, suffix: str) -> str:
    """``<name slug>-<id prefix>-YYYY-MM.<suffix>``: readable, and unique by the id prefix."""
    return f"{slug(customer.name)}-{customer.id[:8]}-{month}.{suffix}"


def _console(out: io.StringIO) -> Console:
    from rich.console import Console

    width = min(shutil.get_terminal_size((100, 24)).columns, 160)
    return Console(file=out, width=width, no_color=True, highlight=False, emoji=False)


def render_statement(st: Statement, tz: tzinfo = ATHENS) -> str:
    """The statement as a person reads it in the terminal."""
    from rich.table import Table

    from core.statements import OVERLAP_MARK, credit_text, minutes_text, overlap_note

    t = st.totals
    out = io.StringIO()
    console = _console(out)
    console.print(
        _("Statement {month} — {name} ({id}), plan {plan}").format(
            month=st.month, name=st.customer_name, id=st.customer_id, plan=st.plan or _("none")
        )
    )
    if st.partial:
        console.print(partial_header(st.as_of))
    table = Table(box=None, pad_edge=False, header_style="bold")
    for title, justify in (
        (_("Date"), "left"),
        (_("Incident"), "left"),
        (_("Technician"), "left"),
        (_("Channel"), "left"),
        (_("In hours"), "right"),
        (_("After"), "right"),
        (_("Billed"), "right"),
        (_("Effective"), "right"),
        (_("Incl. h"), "right"),
        (_("Expenses"), "right"),
        (_("Amount"), "right"),
    ):
        table.add_column(title, justify=justify)  # type: ignore[arg-type]
    for ln in st.lines:
        edited = (
            " "
            + _("(edited {at:%d/%m} by {by}: {reason}; was {old})").format(
                at=ln.edits[-1].at.astimezone(tz),
                by=ln.edits[-1].by,
                reason=ln.edits[-1].reason,
                old=ln.edits[-1].old_amount,
            )
            if ln.edits
            else ""
        )
        mark = (PROVISIONAL_MARK if ln.provisional else "") + (OVERLAP_MARK if ln.overlaps else "")
        table.add_row(
            f"{ln.date:%d/%m}",
            f"{ln.incident_ref}{mark} {ln.incident_subject}{edited}",
            ln.technician,
            ln.channel.value + (" ☾" if ln.after_hours else ""),
            hours(ln.in_hours_minutes),
            hours(ln.after_hours_minutes),
            _("{minutes} min").format(minutes=minutes_text(ln.billable_minutes)),
            hours(ln.effective_minutes),
            f"{ln.included_hours_debited:.2f}",
            f"{ln.expenses}",
            f"{ln.amount}",
        )
    if st.lines:
        console.print(table)
        if any(ln.provisional for ln in st.lines):
            console.print(PROVISIONAL_NOTE)
        if any(ln.overlaps for ln in st.lines):
            console.print(overlap_note())
    else:
        console.print(_("No sessions this month."))
    console.print()
    for a in st.allowances:
        console.print(
            _(
                "Included {channel}: {used:.2f} of {total:.2f} h used this contract year, "
                "{left:.2f} h left"
            ).format(
                channel=a.channel.value, used=a.used_to_date, total=a.included_hours, left=a.left
            )
        )
    if st.premium is not None:
        p = st.premium
        console.print(
            _("Premium incidents ({pack}): {used} of {total} used, {left} left").format(
                pack=p.pack, used=p.used_to_date, total=p.incidents, left=p.left
            )
        )
    summary = Table(box=None, show_header=False, pad_edge=False)
    summary.add_column()
    summary.add_column(justify="right")
    rows = [
        (_("Support time"), t.time_charges),
        (_("Expenses and out-of-office fees"), t.expenses),
        (_("Net"), t.net),
        (_("Prepaid credit applied"), -t.credit_applied if t.credit_applied else t.credit_applied),
        (_("Net due"), t.net_due),
        (_("VAT {rate} %").format(rate=(t.vat_rate * 100).normalize()), t.vat),
        (_("Total"), t.total),
    ]
    for label, value in rows:
        summary.add_row(label, str(value))
    console.print(summary)
    console.print(credit_text(t))
    return out.getvalue().rstrip()


def render_report(rep: WeekReport, tz: tzinfo = ATHENS) -> str:
    """The week's report as a person reads it in the terminal, with a bar per day."""
    from rich.table import Table

    out = io.StringIO()
    console = _console(out)
    who = rep.technician or _("the team")
    console.print(_("Week {week} — {who}").format(week=rep.week, who=who))
    days = Table(box=None, pad_edge=False, header_style="bold")
    for title in (_("Day"), _("In hours"), _("After"), _("Total"), ""):
        days.add_column(title)
    peak = max((d.total_minutes for d in rep.days), default=Decimal(0)) or Decimal(1)
    for d in rep.days:
        bar = "█" * int(d.in_hours_minutes / peak * 30) + "▒" * int(
            d.after_hours_minutes / peak * 30
        )
        days.add_row(
            weekday_date(d.day) + ("" if d.working_day else " ·"),
            hours(d.in_hours_minutes),
            hours(d.after_hours_minutes),
            hours(d.total_minutes),
            bar,
        )
    days.add_row(
        _("Week"),
        hours(rep.in_hours_minutes),
        hours(rep.after_hours_minutes),
        hours(rep.total_minutes),
        _("{n} sessions").format(n=rep.sessions),
    )
    console.print(days)
    for title, parts in ((_("Per customer"), rep.customers), (_("Per channel"), rep.channels)):
        table = Table(title=title, title_justify="left", box=None, pad_edge=False)
        for column in ("", _("In hours"), _("After"), _("Total"), _("Sessions")):
            table.add_column(column)
        for b in parts:
            table.add_row(
                b.label,
                hours(b.in_hours_minutes),
                hours(b.after_hours_minutes),
                hours(b.total_minutes),
                str(b.sessions),
            )
        console.print(table)
    for title, entries in (
        (_("Opened"), rep.opened),
        (_("Resolved"), rep.resolved),
        (_("SLA breaches"), rep.breaches),
    ):
        console.print(f"{title}: {len(entries)}")
        for e in entries:
            console.print(f"  {e.ref}  {numeric_at(e.at, tz)}  {e.subject}")
    return out.getvalue().rstrip()


@contextmanager
def _output(path: Path | None, encoding: str = "utf-8") -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    try:
        with path.open("w", encoding=encoding, newline="") as handle:
            yield handle
    except OSError as error:
        raise InputError(
            _("{path} cannot be written ({reason}); choose another file.").format(
                path=path, reason=error.strerror
            )
        ) from None


def _write(st: Statement, as_json: bool, as_csv: bool, out: TextIO, tz: tzinfo) -> None:
    from core.statements import write_statement_csv

    if as_csv:
        write_statement_csv(st, out)
    elif as_json:
        out.write(st.model_dump_json(indent=2) + "\n")
    else:
        out.write(render_statement(st, tz) + "\n")


@click.command(help=_("A customer's statement for a month: sessions, included hours, VAT, total."))
@click.option(
    "--customer",
    "customer_id",
    help=_("The customer: its id, the start of its id or part of its name."),
)
@click.option(
    "--all", "every", is_flag=True, help=_("Every customer, one file each in --output (a folder).")
)
@click.option("--month", required=True, help=_("The month, YYYY-MM (Europe/Athens)."))
@json_option
@click.option("--csv", "as_csv", is_flag=True, help=_("CSV for a spreadsheet (UTF-8)."))
@click.option(
    "--output", type=click.Path(path_type=Path), help=_("Write to this file instead of stdout.")
)
@reports_errors
@pass_env
def statement(
    env: Env,
    customer_id: str | None,
    every: bool,
    month: str,
    as_json: bool,
    as_csv: bool,
    output: Path | None,
) -> None:
    from core.statements import statement_options

    statement_options(customer_id, every, as_json, as_csv, output)
    from core.intake import find_stored_customer
    from core.statements import CSV_ENCODING
    from core.sync.statements import held_statement, statement_for

    the_month = Month.parse(month)
    encoding = CSV_ENCODING if as_csv else "utf-8"
    with env.desk(read_only=True) as (store, rules), env.client(store) as client:

        def best(wanted: str) -> Statement:
            """The server's statement (every technician's sessions), else this device's."""
            found, reason = statement_for(
                client, lambda: held_statement(store, rules, wanted, the_month), wanted, the_month
            )
            if reason is not None:
                click.echo(
                    _("vardia: {reason} The statement shows what this device holds.").format(
                        reason=reason
                    ),
                    err=True,
                )
            return found

        if customer_id is not None:
            st = best(find_stored_customer(store, customer_id).id)
            with _output(output, encoding) as out:
                _write(st, as_json, as_csv, out, rules.timezone)
            return
        assert output is not None  # checked above, with a sentence for the person
        output.mkdir(parents=True, exist_ok=True)
        suffix = "csv" if as_csv else "json" if as_json else "txt"
        taken: set[str] = set()
        idle = 0
        for customer in store.customers():
            st = best(customer.id)
            if not st.lines and not st.totals.credit_bought:
                idle += 1  # nothing to bill and nothing bought: no document to send
                continue
            name = statement_file(customer, the_month, suffix)
            if name in taken:
                name = f"{slug(customer.name)}-{customer.id}-{the_month}.{suffix}"
            taken.add(name)
            with _output(output / name, encoding) as out:
                _write(st, as_json, as_csv, out, rules.timezone)
        click.echo(
            ngettext(
                "Wrote {n} statement to {folder}.", "Wrote {n} statements to {folder}.", len(taken)
            ).format(n=len(taken), folder=output)
            + " "
            + ngettext(
                "{n} customer had nothing this month, so no statement.",
                "{n} customers had nothing this month, so no statement.",
                idle,
            ).format(n=idle)
        )


@click.command(help=_("A technician's week: hours per day and customer, incidents, SLA breaches."))
@click.option("--week", help=_("The ISO week, YYYY-Www; this week when left out."))
@click.option("--technician", help=_("Whose week; the whole team when left out."))
@json_option
@reports_errors
@pass_env
def report(env: Env, week: str | None, technician: str | None, as_json: bool) -> None:
    from core.reports import load_week_report

    with env.desk(read_only=True) as (store, rules):
        the_week = (
            IsoWeek.parse(week)
            if week
            else IsoWeek.of(rules.calendar.local_date(store.clock.now()))
        )
        rep = load_week_report(store, rules, the_week, technician)
    if technician is not None and rep.sessions == 0 and not as_json:
        click.echo(
            _("No sessions for {who} in {week}; `vardia report` shows the whole team.").format(
                who=technician, week=the_week
            ),
            err=True,
        )
        return
    emit(rep, as_json, lambda: render_report(rep, rules.timezone))


COMMANDS: list[click.Command] = [statement, report]
