"""``vardia statement`` and ``vardia report``: a customer's month and a technician's week."""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import tzinfo
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from core.calendar import ATHENS
from core.errors import InputError
from core.i18n import _, days_text, ngettext
from core.periods import IsoWeek, Month
from core.statement_flags import document_options
from tui.cli import Env, emit, json_option, pass_env, reports_errors
from tui.format import hours, numeric_at, slug, text_width, weekday_date

if TYPE_CHECKING:
    from rich.console import Console

    from core.letterhead import Letterhead
    from core.models import Customer
    from core.reports import WeekReport
    from core.rules import Rules
    from core.statements import CsvDialect, Statement

__all__ = [
    "COMMANDS",
    "render_report",
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


def render_report(rep: WeekReport, tz: tzinfo = ATHENS) -> str:
    """The week's report as a person reads it in the terminal, with a bar per day."""
    from rich.table import Table

    out = io.StringIO()
    console = _console(out)
    who = rep.technician or _("the team")
    console.print(
        _("Week {week} — {who}").format(week=days_text(rep.days[0].day, rep.days[-1].day), who=who)
    )
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
def _output(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    try:
        with path.open("w", encoding="utf-8", newline="") as handle:
            yield handle
    except OSError as error:
        raise InputError(
            _("{path} cannot be written ({reason}); choose another file.").format(
                path=path, reason=error.strerror
            )
        ) from None


@dataclass(frozen=True)
class _Form:
    """How a statement is written: text, JSON, CSV in a dialect, or the HTML document."""

    as_json: bool
    as_csv: bool
    as_html: bool
    dialect: CsvDialect | None
    letterhead: Letterhead | None

    @property
    def suffix(self) -> str:
        return (
            "csv" if self.as_csv else "json" if self.as_json else "html" if self.as_html else "txt"
        )

    def write(self, st: Statement, customer: Customer, out: TextIO, rules: Rules) -> None:
        from core.documents import statement_html, statement_text
        from core.statements import write_statement_csv

        if self.as_csv:
            write_statement_csv(st, out, self.dialect)
        elif self.as_json:
            out.write(st.model_dump_json(indent=2) + "\n")
        elif self.letterhead is not None:
            out.write(statement_html(st, customer, self.letterhead, rules.plans, rules.timezone))
        else:
            text = statement_text(st, rules.plans, rules.timezone, text_width(widest=160))
            out.write(text + "\n")


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
@click.option(
    "--csv",
    "as_csv",
    is_flag=True,
    help=_("CSV for a spreadsheet (UTF-8, with a byte-order mark)."),
)
@document_options
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    metavar="PATH",
    help=_("Write to this file instead of stdout."),
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
    dialect: str | None,
    as_html: bool,
    output: Path | None,
) -> None:
    from core.statements import statement_options

    statement_options(customer_id, every, as_json, as_csv, output, as_html=as_html, dialect=dialect)
    from core.intake import find_stored_customer
    from core.rules import load_letterhead
    from core.statements import CsvDialect
    from core.sync.statements import held_statement, statement_for

    the_month = Month.parse(month)
    form = _Form(
        as_json,
        as_csv,
        as_html,
        CsvDialect(dialect) if dialect else None,
        load_letterhead(env.paths.config_dir) if as_html else None,
    )
    with env.desk(read_only=True) as (store, rules), env.client(store) as client:
        unsent = store.pending_count() if client is not None else 0

        def best(wanted: str) -> Statement:
            """The server's statement (every technician's sessions), else this device's."""
            nonlocal unsent
            found, reason = statement_for(
                client,
                lambda: held_statement(store, rules, wanted, the_month),
                wanted,
                the_month,
                issue=as_html,
            )
            if reason is not None:
                click.echo(
                    _("vardia: {reason} The statement shows what this device holds.").format(
                        reason=reason
                    ),
                    err=True,
                )
            elif unsent:
                # Read-only, this command cannot send them: the app or `vardia sync` does.
                click.echo(
                    ngettext(
                        "vardia: {n} change on this device is not on the server yet; the "
                        "statement leaves it out until `vardia sync` sends it.",
                        "vardia: {n} changes on this device are not on the server yet; the "
                        "statement leaves them out until `vardia sync` sends them.",
                        unsent,
                    ).format(n=unsent),
                    err=True,
                )
                unsent = 0  # said once, for --all too
            return found

        if customer_id is not None:
            customer = find_stored_customer(store, customer_id)
            st = best(customer.id)
            with _output(output) as out:
                form.write(st, customer, out, rules)
            return
        assert output is not None  # checked above, with a sentence for the person
        output.mkdir(parents=True, exist_ok=True)
        taken: set[str] = set()
        idle = 0
        for customer in store.customers():
            st = best(customer.id)
            if not st.lines and not st.totals.credit_bought:
                idle += 1  # nothing to bill and nothing bought: no document to send
                continue
            name = statement_file(customer, the_month, form.suffix)
            if name in taken:
                name = f"{slug(customer.name)}-{customer.id}-{the_month}.{form.suffix}"
            taken.add(name)
            with _output(output / name) as out:
                form.write(st, customer, out, rules)
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
