"""The rules on the command line: ``vardia quote`` prices a session, ``vardia sla`` dates one."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import click

from core.calendar import typed_instant, typed_segment
from core.clock import SystemClock
from core.i18n import _
from core.models import Expenses, Quote
from core.money import entered_amount, typed_number
from core.plans import PriceList
from core.pricing import price_session
from core.rules import Rules
from core.sla import SlaTargets, targets
from core.statements import minutes_text, number
from tui.cli import Env, emit, json_option, pass_env, reports_errors
from tui.format import ATHENS, CHANNEL_LABELS, cents, figure, long_at, quantity

__all__ = ["COMMANDS", "quote_json", "sla_json"]


def quote_json(quote: Quote) -> dict[str, Any]:
    """A quote as ``vardia quote --json`` (SPEC §10); money as strings, time as numbers."""
    return {
        "plan": quote.plan,
        "channel": quote.channel.value,
        "in_hours_minutes": number(quote.in_hours_minutes),
        "after_hours_minutes": number(quote.after_hours_minutes),
        "billable_minutes": number(quote.billable_minutes),
        "effective_minutes": number(quote.effective_minutes),
        "included_hours_debited": number(quote.included_hours_debited),
        "after_hours": quote.after_hours,
        "lines": [
            {
                "kind": line.kind,
                "label": line.label,
                "minutes": None if line.minutes is None else number(line.minutes),
                "rate": None if line.rate is None else cents(line.rate),
                "amount": cents(line.amount),
            }
            for line in quote.lines
        ],
        "net": cents(quote.net),
        "vat": cents(quote.vat),
        "total": cents(quote.total),
        "credit_debited": cents(quote.credit_debited),
        "due": cents(quote.due),
    }


def _quote_text(quote: Quote, vat_rate: Decimal, plans: PriceList) -> str:
    rows = [
        _(
            "{plan}, {channel}: {inside} min in hours, {after} min after hours,"
            " {billable} min billed"
        ).format(
            plan=plans.label(quote.plan),
            channel=CHANNEL_LABELS[quote.channel],
            inside=minutes_text(quote.in_hours_minutes),
            after=minutes_text(quote.after_hours_minutes),
            billable=minutes_text(quote.billable_minutes),
        ),
        "",
    ]
    for line in quote.lines:
        minutes = (
            ""
            if line.minutes is None
            else _("{minutes} min").format(minutes=minutes_text(line.minutes))
        )
        rate = "" if line.rate is None else _("× {rate}/h").format(rate=figure(line.rate))
        rows.append(f"  {line.label:<44} {minutes:>9} {rate:>12} {figure(line.amount):>10}")
    money = [
        (_("Net"), quote.net),
        (_("VAT {rate}%").format(rate=quantity(vat_rate * 100)), quote.vat),
        (_("Total"), quote.total),
    ]
    if quote.credit_debited:
        # The credit is net: the VAT it spares is shown too, so the figures add up.
        spared = quote.total - quote.credit_debited - quote.due
        money.append((_("Prepaid credit debited"), -quote.credit_debited))
        if spared:
            money.append((_("VAT on the credit"), -spared))
        money.append((_("Due"), quote.due))
    rows.append("")
    rows += [f"  {label:<67} {figure(amount):>10}" for label, amount in money]
    if quote.included_hours_debited:
        rows.append(
            _("  Included hours debited: {hours}").format(
                hours=quantity(quote.included_hours_debited)
            )
        )
    return "\n".join(rows)


@click.command(
    help=_("Price a session: split at support hours, round, surcharge, included hours, VAT.")
)
@click.option("--plan", required=True, help=_("Plan id, e.g. free, basic, business."))
@click.option("--channel", required=True, help=_("phone, remote, office, onsite or written."))
@click.option(
    "--segment",
    "segments",
    multiple=True,
    required=True,
    metavar="START/END",
    help=_(
        "A stretch of work, START/END in ISO 8601 (Athens time without an offset); "
        "repeat for pauses."
    ),
)
@click.option("--included-used", default="0", metavar="HOURS", help=_("Included hours used."))
@click.option("--credit", default="0", metavar="EUR", help=_("Prepaid credit left (free plan)."))
@click.option("--out-of-town", is_flag=True, help=_("An on-site visit outside the city."))
@click.option("--travel", default="0", metavar="EUR", help=_("Travel cost of the visit."))
@click.option("--parking", default="0", metavar="EUR", help=_("Parking cost of the visit."))
@click.option("--lodging", default="0", metavar="EUR", help=_("Lodging cost of the visit."))
@json_option
@reports_errors
@pass_env
def quote(
    env: Env,
    plan: str,
    channel: str,
    segments: tuple[str, ...],
    included_used: str,
    credit: str,
    out_of_town: bool,
    travel: str,
    parking: str,
    lodging: str,
    as_json: bool,
) -> None:
    rules = env.rules()
    bounds = rules.bounds
    expenses = Expenses(
        travel=entered_amount(bounds, travel, _("travel expense (--travel)"), expense=True),
        parking=entered_amount(bounds, parking, _("parking expense (--parking)"), expense=True),
        lodging=entered_amount(bounds, lodging, _("lodging expense (--lodging)"), expense=True),
    )
    # A quote may price planned work, so its dates may lie ahead as far as planning goes.
    now = SystemClock().now()
    parsed = bounds.check_segments(
        [typed_segment(text, rules.timezone, now) for text in segments], now, planned=True
    )
    priced = price_session(
        rules,
        plan,
        channel,
        parsed,
        included_used_hours=bounds.check_hours(
            typed_number(included_used, "--included-used"), _("included hours used")
        ),
        credit=entered_amount(bounds, credit, _("prepaid credit (--credit)")),
        expenses=expenses,
        out_of_town=out_of_town,
    )
    bounds.check_expenses(expenses, priced.channel)
    emit(
        quote_json(priced),
        as_json,
        lambda: _quote_text(priced, rules.billing.vat_rate, rules.plans),
    )


def sla_json(plan: str, opened: datetime, found: SlaTargets, rules: Rules) -> dict[str, Any]:
    """Targets as ``vardia sla --json`` prints them (SPEC §10), in the business time zone."""
    return {
        "plan": plan,
        "clock": rules.plans.plan(plan).sla.clock.value,
        "opened": opened.astimezone(rules.timezone).isoformat(),
        "warn_at": found.warn_at.isoformat(),
        "deadline": found.deadline.isoformat(),
        "resolve_by": None if found.resolve_by is None else found.resolve_by.isoformat(),
    }


def _sla_text(data: dict[str, Any]) -> str:
    def local(iso: str) -> str:
        at = datetime.fromisoformat(iso)  # already in the rules' time zone
        return long_at(at, at.tzinfo or ATHENS)

    rows = [
        _("{plan}, opened {opened} ({clock} clock)").format(
            plan=data["plan"], opened=local(data["opened"]), clock=data["clock"]
        ),
        f"  {_('warn at'):<11} {local(data['warn_at'])}",
        f"  {_('deadline'):<11} {local(data['deadline'])}",
    ]
    if data["resolve_by"]:
        rows.append(f"  {_('resolve by'):<11} {local(data['resolve_by'])}")
    return "\n".join(rows)


@click.command(help=_("When an incident opened on a plan is due: warning, deadline, resolve-by."))
@click.option("--plan", required=True, help=_("Plan id, e.g. free, basic, business."))
@click.option(
    "--opened",
    required=True,
    metavar="ISO",
    help=_("When it was opened (Athens time without an offset)."),
)
@json_option
@reports_errors
@pass_env
def sla(env: Env, plan: str, opened: str, as_json: bool) -> None:
    rules = env.rules()
    now = SystemClock().now()
    at = rules.bounds.check_planned(
        typed_instant(opened, _("opening time"), rules.timezone, now), _("opening time"), now
    )
    data = sla_json(plan, at, targets(rules, plan, at), rules)
    emit(data, as_json, lambda: _sla_text(data))


COMMANDS: list[click.Command] = [quote, sla]
