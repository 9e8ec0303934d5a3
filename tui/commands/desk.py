"""The desk on the command line: incidents, the queue, the timer, customers and the demo set."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import click

from core.clock import SystemClock
from core.customer_csv import COLUMNS, read_customers_csv
from core.demo import seed_store
from core.errors import InputError, NoPremiumLeftError, VardiaError
from core.i18n import _
from core.incidents import add_note, assign, change_status
from core.intake import IntakeRequest, contract_in_force_at, find_customer, open_incident
from core.models import (
    Answer,
    Category,
    Channel,
    Customer,
    Incident,
    IncidentStatus,
    Prerequisites,
    Session,
    Timer,
)
from core.rules import Rules
from core.settings import Paths, technician_name
from core.sla import due_at, queue_order, state
from core.statements import minutes_text
from core.store import Store
from core.sync.price_list import load_rules_for
from core.timer import IfRunning, elapsed, pause, resume, start, stop
from tui.cli import emit, json_option, reports_errors

__all__ = ["COMMANDS"]


@contextmanager
def _desk(read_only: bool = False) -> Iterator[tuple[Store, Rules]]:
    paths = Paths.from_env()
    with Store.open(
        paths, clock=SystemClock(), read_only=read_only, technician=technician_name()
    ) as store:
        yield store, load_rules_for(paths.config_dir, store)


def _choice(values: type[StrEnum]) -> click.Choice[str]:
    return click.Choice([v.value for v in values], case_sensitive=False)


def _local(rules: Rules, at: datetime | None) -> str:
    return "—" if at is None else at.astimezone(rules.timezone).strftime("%a %d %b %H:%M")


def _hms(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


# ----------------------------------------------------------------------------- incident


@click.group(help=_("Open, show and change incidents."))
def incident() -> None:
    pass


def _render_incident(
    rules: Rules, found: Incident, customer: str, sessions: Sequence[Session] = ()
) -> str:
    e = found.eligibility
    lines = [
        f"{found.ref}  {found.subject}",
        _("customer   {name}").format(name=customer),
        _("status     {status}   plan {plan}   via {via}   category {category}").format(
            status=found.status.value,
            plan=found.plan,
            via=found.requested_via.value,
            category=found.category.value,
        ),
        _("opened     {at} by {who}").format(
            at=_local(rules, found.opened_at), who=found.opened_by
        ),
        _("warn at    {warn}   deadline {deadline}").format(
            warn=_local(rules, found.warn_at), deadline=_local(rules, found.deadline)
        ),
        _("assignee   {who}").format(who=found.assignee or "—"),
    ]
    if e.blocked:
        lines.append(
            _("OVERRIDE   overdue {amount} €: {why}").format(
                amount=e.overdue_amount, why=e.override_reason
            )
        )
    if e.out_of_scope:
        lines.append(
            _("OUT OF SCOPE {why}").format(why=e.scope_override_reason or _("billed at free rates"))
        )
    if e.premium_used:
        lines.append(_("premium    one incident used, {left} left").format(left=e.premium_left))
    lines.extend(f"  {_local(rules, note.at)}  {note.author}: {note.text}" for note in found.notes)
    if sessions:
        lines.append(_("sessions"))
        lines.extend(
            _(
                "  {at}  {who:<10} {channel:<8} {worked} worked, {billed} min billed, "
                "net {net} €, total {total} €"
            ).format(
                at=_local(rules, s.started_at),
                who=s.technician,
                channel=s.channel.value,
                worked=_hms(sum((g.end - g.start for g in s.segments), timedelta())),
                billed=minutes_text(s.quote.billable_minutes),
                net=f"{s.quote.net:.2f}",
                total=f"{s.quote.total:.2f}",
            )
            for s in sessions
        )
        lines.append(
            _("  total    net {net:.2f} €, total {total:.2f} €").format(
                net=sum((s.quote.net for s in sessions), Decimal(0)),
                total=sum((s.quote.total for s in sessions), Decimal(0)),
            )
        )
    return "\n".join(lines)


def _customer_name(store: Store, customer_id: str) -> str:
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
@click.option("--channel", type=_choice(Channel), default="phone", help=_("How it was requested."))
@click.option("--category", type=_choice(Category), default="software")
@click.option(
    "--backups", type=_choice(Answer), default="unknown", help=_("Reliable backups exist.")
)
@click.option(
    "--no-third-party",
    "no_third_party",
    type=_choice(Answer),
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
def incident_open(
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
    with _desk() as (store, rules):
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
def incident_show(ref: str, as_json: bool) -> None:
    with _desk(read_only=True) as (store, rules):
        found = store.incident(ref)
        name = _customer_name(store, found.customer_id)
        sessions = store.sessions(incident_id=found.id)
    emit(
        {**found.model_dump(mode="json"), "sessions": sessions},
        as_json,
        lambda: _render_incident(rules, found, name, sessions),
    )


@incident.command("status", help=_("Move an incident to another status."))
@click.argument("ref")
@click.argument("status", type=_choice(IncidentStatus))
@json_option
@reports_errors
def incident_status(ref: str, status: str, as_json: bool) -> None:
    with _desk() as (store, _rules):
        changed = change_status(store, ref, IncidentStatus(status.lower()))
    emit(changed, as_json, lambda: f"{changed.ref}: {changed.status.value}")


@incident.command("note", help=_("Add a note to an incident."))
@click.argument("ref")
@click.argument("text")
@json_option
@reports_errors
def incident_note(ref: str, text: str, as_json: bool) -> None:
    with _desk() as (store, _rules):
        note = add_note(store, ref, text)
    emit(note, as_json, lambda: _("Note added."))


@incident.command("assign", help=_("Give an incident to a technician (empty: to nobody)."))
@click.argument("ref")
@click.argument("technician", default="")
@json_option
@reports_errors
def incident_assign(ref: str, technician: str, as_json: bool) -> None:
    with _desk() as (store, _rules):
        changed = assign(store, ref, technician)
    emit(changed, as_json, lambda: f"{changed.ref}: {changed.assignee or '—'}")


# -------------------------------------------------------------------------------- queue


@click.command(help=_("The open incidents in queue order, with their due times."))
@json_option
@reports_errors
def queue(as_json: bool) -> None:
    with _desk(read_only=True) as (store, rules):
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
        return "\n".join(
            f"{r['sla']:<9} {_local(rules, r['due_at']):<16} {r['ref']:<9} "
            f"{r['status']:<12} {str(r['customer'])[:28]:<28} {r['subject']}"
            for r in rows
        )

    emit(rows, as_json, render)


# -------------------------------------------------------------------------------- timer


@click.group(help=_("The timer: one running at a time, on disk from its first second."))
def timer() -> None:
    pass


def _timer_view(store: Store, found: Timer | None) -> dict[str, Any] | None:
    if found is None:
        return None
    on = store.incident(found.incident_id)
    return {
        "incident_id": on.id,
        "ref": on.ref,
        "subject": on.subject,
        "channel": found.channel.value,
        "running": found.running_since is not None,
        "running_since": found.running_since,
        "elapsed_seconds": int(elapsed(found, store.clock.now()).total_seconds()),
        "segments": found.segments,
    }


def _render_timer(view: dict[str, Any] | None) -> str:
    if view is None:
        return _("No timer is running.")
    shown = _("running") if view["running"] else _("paused")
    worked = _hms(timedelta(seconds=view["elapsed_seconds"]))
    return f"{view['ref']} {view['channel']} {shown} {worked}  {view['subject']}"


def _timer_command(name: str, help_text: str, action: Callable[[Store], Timer]) -> click.Command:
    @click.command(name, help=help_text)
    @json_option
    @reports_errors
    def command(as_json: bool) -> None:
        with _desk() as (store, _rules):
            view = _timer_view(store, action(store))
        emit(view, as_json, lambda: _render_timer(view))

    return command


@timer.command("start", help=_("Start the timer on an incident."))
@click.argument("ref")
@click.option("--channel", type=_choice(Channel), required=True)
@click.option("--stop-running", is_flag=True, help=_("Stop and save a running timer first."))
@click.option("--discard-running", is_flag=True, help=_("Throw a running timer away first."))
@json_option
@reports_errors
def timer_start(
    ref: str, channel: str, stop_running: bool, discard_running: bool, as_json: bool
) -> None:
    if stop_running and discard_running:
        raise InputError(_("Choose one of --stop-running and --discard-running."))
    if_running = IfRunning.STOP if stop_running else IfRunning.DISCARD if discard_running else None
    with _desk() as (store, rules):
        view = _timer_view(
            store, start(store, rules, ref, Channel(channel.lower()), if_running=if_running)
        )
    emit(view, as_json, lambda: _render_timer(view))


timer.add_command(_timer_command("pause", _("Pause the running timer."), pause))
timer.add_command(_timer_command("resume", _("Resume the paused timer."), resume))


@timer.command("stop", help=_("Stop the timer: price the session and save it."))
@click.option("--note", default="", help=_("What was done."))
@json_option
@reports_errors
def timer_stop(note: str, as_json: bool) -> None:
    with _desk() as (store, rules):
        session = stop(store, rules, note=note)
        ref = store.incident(session.incident_id).ref
    q = session.quote
    emit(
        session,
        as_json,
        lambda: _(
            "Saved a session on {ref}: {minutes} min billed, net {net} €, total {total} €."
        ).format(ref=ref, minutes=minutes_text(q.billable_minutes), net=q.net, total=q.total),
    )


@timer.command("status", help=_("The running timer, if any."))
@json_option
@reports_errors
def timer_status(as_json: bool) -> None:
    with _desk(read_only=True) as (store, _rules):
        view = _timer_view(store, store.timer())
    emit(view, as_json, lambda: _render_timer(view))


# ----------------------------------------------------------------------------- customer


@click.group(help=_("List, show and import customers."))
def customer() -> None:
    pass


def _customer_view(rules: Rules, c: Customer, now: datetime) -> dict[str, Any]:
    return {
        **c.model_dump(mode="json"),
        "contract_in_force": contract_in_force_at(rules, c, now),
    }


def _customer_row(c: Customer, in_force: bool) -> str:
    plan = c.contract.plan if c.contract else _("no contract")
    if c.contract and c.contract.premium_pack:
        plan += f"+{c.contract.premium_pack}"
    flags = " ".join(
        flag
        for flag, on in (
            (_("expired"), c.contract is not None and not in_force),
            (_("overdue"), c.overdue_amount > 0),
            (_("out-of-town"), c.out_of_town),
        )
        if on
    )
    return f"{c.id}  {c.name:<36} {plan:<24} {c.city:<14} {flags}"


@customer.command("list", help=_("Every customer with plan and flags."))
@json_option
@reports_errors
def customer_list(as_json: bool) -> None:
    with _desk(read_only=True) as (store, rules):
        now = store.clock.now()
        customers = store.customers()
        found = [_customer_view(rules, c, now) for c in customers]
    emit(
        found,
        as_json,
        lambda: (
            "\n".join(
                _customer_row(c, v["contract_in_force"])
                for c, v in zip(customers, found, strict=True)
            )
            or _("No customers yet.")
        ),
    )


@customer.command("show", help=_("A customer's contract, entitlements and incidents."))
@click.argument("customer")
@json_option
@reports_errors
def customer_show(customer: str, as_json: bool) -> None:
    with _desk(read_only=True) as (store, rules):
        found = find_customer(store.customers(), customer)
        incidents = store.incidents_for_customer(found.id)
        view = _customer_view(rules, found, store.clock.now())
    in_force = bool(view["contract_in_force"])

    def render() -> str:
        lines = [_customer_row(found, in_force)]
        if found.contract:
            lines.append(
                _("contract {plan} valid {start} to {end}{expired}").format(
                    plan=found.contract.plan,
                    start=found.contract.valid_from,
                    end=found.contract.valid_until,
                    expired="" if in_force else _(" — not in force (expired), served as free"),
                )
            )
        if found.entitlements:
            used = ", ".join(
                f"{c.value} {h} h" for c, h in found.entitlements.included_used_hours.items()
            )
            lines.append(
                _("used in {year}: {used}; premium incidents {premium}").format(
                    year=found.entitlements.year,
                    used=used or "—",
                    premium=found.entitlements.premium_incidents_used,
                )
            )
        lines.append(
            _("credit {credit} €, overdue {overdue} €").format(
                credit=found.prepaid_credit, overdue=found.overdue_amount
            )
        )
        lines.extend(
            f"  {i.ref:<9} {i.status.value:<12} {_local(rules, i.opened_at)}  {i.subject}"
            for i in incidents
        )
        return "\n".join(lines)

    emit({"customer": view, "incidents": incidents}, as_json, render)


@customer.command(
    "import",
    help=_("Import customers from a CSV file (UTF-8) with a header row; the columns: ")
    + ", ".join(COLUMNS),
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@reports_errors
def customer_import(file: Path, as_json: bool) -> None:
    with _desk() as (store, rules):
        customers = read_customers_csv(file, rules.plans)
        store.import_records(customers=customers)
    emit(
        {"imported": len(customers)},
        as_json,
        lambda: _("Imported {n} customers.").format(n=len(customers)),
    )


# --------------------------------------------------------------------------------- demo


@click.command(help=_("A throwaway data directory with a realistic demo data set, then the TUI."))
@click.option("--seed-only", is_flag=True, help=_("Only fill the data directory ($VARDIA_HOME)."))
@click.option("--seed", default=7, show_default=True, help=_("The random seed of the data set."))
@reports_errors
def demo(seed_only: bool, seed: int) -> None:
    data_dir = (
        Paths.from_env().data_dir if seed_only else Path(tempfile.mkdtemp(prefix="vardia-demo-"))
    )
    with Store.open(data_dir, clock=SystemClock(), technician=technician_name()) as store:
        data = seed_store(store, load_rules_for(Paths.from_env().config_dir, store), seed)
    if seed_only:
        click.echo(
            _("Seeded {dir}: {c} customers, {i} incidents, {s} sessions.").format(
                dir=data_dir, c=len(data.customers), i=len(data.incidents), s=len(data.sessions)
            )
        )
        return
    from tui.launch import run_demo

    run_demo(data_dir)
    click.echo(
        _(
            "The demo's data stays in {dir}: VARDIA_HOME={dir} vardia opens it again "
            "(a running timer included); delete the folder when you are done."
        ).format(dir=data_dir)
    )


COMMANDS: list[click.Command] = [incident, queue, timer, customer, demo]
