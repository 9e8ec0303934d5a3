"""``vardia incident`` and ``vardia queue``: open, show and change incidents, list the queue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import click

from core.i18n import _
from core.models import Answer, Category, Channel, IncidentStatus
from tui.cli import (
    Env,
    StatusWord,
    choice,
    emit,
    json_option,
    pass_env,
    reports_errors,
    session_json,
)
from tui.format import (
    CHANNEL_LABELS,
    PROVISIONAL,
    SLA_MARKS,
    STATUS_LABELS,
    figure,
    price_notes,
    short_at,
    table,
)
from tui.stopwatch import elapsed as stopwatch

if TYPE_CHECKING:
    from core.models import Incident, Session
    from core.rules import Rules
    from core.store import Store

__all__ = ["COMMANDS"]


@click.group(help=_("Open, show and change incidents."))
def incident() -> None:
    pass


def _render_incident(
    rules: Rules, found: Incident, customer: str, sessions: Sequence[Session] = ()
) -> str:
    from core.statements import minutes_text

    e = found.eligibility
    lines = [
        f"{found.ref}  {found.subject}",
        _("customer   {name}").format(name=customer),
        _("status     {status}   plan {plan}   via {via}   category {category}").format(
            status=STATUS_LABELS[found.status],
            plan=rules.plans.label(found.plan),
            via=found.requested_via.value,
            category=found.category.value,
        ),
        _("opened     {at} by {who}").format(
            at=short_at(found.opened_at, rules.timezone), who=found.opened_by
        ),
        _("warn at    {warn}   deadline {deadline}").format(
            warn=short_at(found.warn_at, rules.timezone),
            deadline=short_at(found.deadline, rules.timezone),
        ),
        _("assignee   {who}").format(who=found.assignee or "—"),
    ]
    if e.blocked:
        lines.append(
            _("OVERRIDE   overdue {amount} €: {why}").format(
                amount=figure(e.overdue_amount), why=e.override_reason
            )
        )
    if e.out_of_scope:
        lines.append(
            _("OUT OF SCOPE {why}").format(why=e.scope_override_reason or _("billed at free rates"))
        )
    if e.premium_used:
        lines.append(_("premium    one incident used, {left} left").format(left=e.premium_left))
    lines.extend(
        f"  {short_at(note.at, rules.timezone)}  {note.author}: {note.text}" for note in found.notes
    )
    if sessions:
        from core.ledger import billed_quote, is_provisional

        lines.append(_("sessions"))
        owed = [billed_quote(s) for s in sessions]
        for s, quote in zip(sessions, owed, strict=True):
            lines.append(
                _(
                    "  {at}  {who:<10} {channel:<8} {worked} worked, {billed} min billed, "
                    "net {net} €, total {total} €{provisional}"
                ).format(
                    at=short_at(s.started_at, rules.timezone),
                    who=s.technician,
                    channel=CHANNEL_LABELS[s.channel],
                    worked=stopwatch(sum((g.end - g.start for g in s.segments), timedelta())),
                    billed=minutes_text(quote.billable_minutes),
                    net=figure(quote.net),
                    total=figure(quote.total),
                    provisional=f" ({PROVISIONAL})" if is_provisional(s) else "",
                )
            )
            lines.extend(f"      {note}" for note in price_notes(s) if not is_provisional(s))
        lines.append(
            _("  total    net {net} €, total {total} €").format(
                net=figure(sum((q.net for q in owed), Decimal(0))),
                total=figure(sum((q.total for q in owed), Decimal(0))),
            )
        )
    return "\n".join(lines)


def _customer_name(store: Store, customer_id: str) -> str:
    from core.errors import VardiaError

    try:
        return store.customer(customer_id).name
    except VardiaError:
        return customer_id


@incident.command("open", help=_("Open an incident for a customer under the intake rules."))
@click.option(
    "--customer",
    "customer_id",
    required=True,
    help=_("The customer: its id, the start of its id or part of its name."),
)
@click.option("--subject", required=True, help=_("What is wrong, in a few words."))
@click.option("--description", default="", help=_("More detail."))
@click.option("--channel", type=choice(Channel), default="phone", help=_("How it was requested."))
@click.option("--category", type=choice(Category), default="software")
@click.option(
    "--backups", type=choice(Answer), default="unknown", help=_("Reliable backups exist.")
)
@click.option(
    "--no-third-party",
    "no_third_party",
    type=choice(Answer),
    default="unknown",
    help=_("No third party has touched the installation or data."),
)
@click.option("--override-reason", default=None, help=_("Why a blocked customer is served anyway."))
@click.option(
    "--scope-override-reason",
    default=None,
    help=_("Why an out-of-scope incident is served under the plan."),
)
@click.option(
    "--bill-without-premium",
    is_flag=True,
    help=_("With the premium pack used up, bill hourly at free rates."),
)
@json_option
@reports_errors
@pass_env
def incident_open(
    env: Env,
    customer_id: str,
    subject: str,
    description: str,
    channel: str,
    category: str,
    backups: str,
    no_third_party: str,
    override_reason: str | None,
    scope_override_reason: str | None,
    bill_without_premium: bool,
    as_json: bool,
) -> None:
    from core.errors import NoPremiumLeftError
    from core.intake import IntakeRequest, find_customer, open_incident
    from core.models import Prerequisites

    with env.desk() as (store, rules):
        request = IntakeRequest(
            customer_id=find_customer(store.customers(), customer_id).id,
            subject=subject,
            description=description,
            category=Category(category.lower()),
            requested_via=Channel(channel.lower()),
            prerequisites=Prerequisites(
                backups=Answer(backups), no_third_party=Answer(no_third_party)
            ),
            override_reason=override_reason,
            scope_override_reason=scope_override_reason,
            bill_without_premium=bill_without_premium,
        )
        try:
            opened = open_incident(store, rules, request)
        except NoPremiumLeftError as error:
            raise NoPremiumLeftError(
                str(error).rstrip(".")
                + _(" (add --bill-without-premium to bill it hourly at free rates).")
            ) from None
        name = _customer_name(store, opened.customer_id)
    emit(opened, as_json, lambda: _render_incident(rules, opened, name))


@incident.command("show", help=_("Show an incident by its reference or id."))
@click.argument("ref")
@json_option
@reports_errors
@pass_env
def incident_show(env: Env, ref: str, as_json: bool) -> None:
    with env.desk(read_only=True) as (store, rules):
        found = store.incident(ref)
        name = _customer_name(store, found.customer_id)
        sessions = store.sessions(customer_id=found.customer_id, incident_id=found.id)
    emit(
        {**found.model_dump(mode="json"), "sessions": [session_json(s) for s in sessions]},
        as_json,
        lambda: _render_incident(rules, found, name, sessions),
    )


@incident.command("status", help=_("Move an incident to another status."))
@click.argument("ref")
@click.argument("status", type=StatusWord())
@json_option
@reports_errors
@pass_env
def incident_status(env: Env, ref: str, status: IncidentStatus, as_json: bool) -> None:
    from core.incidents import change_status

    with env.store() as store:
        changed = change_status(store, ref, status)
    emit(changed, as_json, lambda: f"{changed.ref}: {STATUS_LABELS[changed.status]}")


@incident.command("note", help=_("Add a note to an incident."))
@click.argument("ref")
@click.argument("text")
@json_option
@reports_errors
@pass_env
def incident_note(env: Env, ref: str, text: str, as_json: bool) -> None:
    from core.incidents import add_note

    with env.desk() as (store, rules):
        note = add_note(store, rules, ref, text)
    emit(note, as_json, lambda: _("Note added."))


@incident.command("assign", help=_("Give an incident to a technician (empty: to nobody)."))
@click.argument("ref")
@click.argument("technician", default="")
@json_option
@reports_errors
@pass_env
def incident_assign(env: Env, ref: str, technician: str, as_json: bool) -> None:
    from core.incidents import assign

    with env.desk() as (store, rules):
        changed = assign(store, rules, ref, technician)
    emit(changed, as_json, lambda: f"{changed.ref}: {changed.assignee or '—'}")


@click.command(help=_("The open incidents in queue order, with their due times."))
@json_option
@reports_errors
@pass_env
def queue(env: Env, as_json: bool) -> None:
    from core.sla import due_at, queue_order, state

    with env.desk(read_only=True) as (store, rules):
        now = store.clock.now()
        names = {c.id: c.name for c in store.customers()}
        ordered = queue_order(store.open_incidents(), now)
    rows: list[dict[str, Any]] = [
        {
            "ref": i.ref,
            "id": i.id,
            "customer_id": i.customer_id,
            "customer": names.get(i.customer_id, i.customer_id),
            "subject": i.subject,
            "status": i.status.value,
            "plan": i.plan,
            "sla": state(i, now).value,
            "due_at": due_at(i),
        }
        for i in ordered
    ]

    def render() -> str:
        if not rows:
            return _("The queue is empty.")
        return table(
            [_("SLA"), _("due"), _("ref"), _("status"), _("customer"), _("subject")],
            (
                [
                    SLA_MARKS[r["sla"]],
                    short_at(r["due_at"], rules.timezone),
                    r["ref"],
                    STATUS_LABELS[IncidentStatus(r["status"])],
                    str(r["customer"]),
                    r["subject"],
                ]
                for r in rows
            ),
            caps=[None, None, None, 11, 20],
        )

    emit(rows, as_json, render)


COMMANDS: list[click.Command] = [incident, queue]
