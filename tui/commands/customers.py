"""``vardia customer``: list and show customers, and import them from a CSV."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from core.customer_csv import COLUMNS
from core.i18n import N_, _, date_text
from tui.cli import Env, emit, json_option, pass_env, reports_errors
from tui.format import (
    CHANNEL_LABELS,
    STATUS_LABELS,
    customer_details,
    figure,
    quantity,
    short_at,
    table,
)

if TYPE_CHECKING:
    from core.models import Customer
    from core.plans import PriceList
    from core.rules import Rules

__all__ = ["COMMANDS"]


@click.group(help=_("List, show and import customers."))
def customer() -> None:
    pass


def _customer_view(rules: Rules, c: Customer, now: datetime) -> dict[str, Any]:
    from core.intake import contract_in_force_at

    return {
        **c.model_dump(mode="json"),
        "contract_in_force": contract_in_force_at(rules, c, now),
    }


CUSTOMER_HEADERS = [N_("id"), N_("name"), N_("plan"), N_("city"), N_("flags")]


def _customer_row(c: Customer, in_force: bool, plans: PriceList) -> list[str]:
    plan = plans.label(c.contract.plan) if c.contract else _("no contract")
    if c.contract and c.contract.premium_pack:
        plan += f"+{plans.label(c.contract.premium_pack)}"
    flags = " ".join(
        flag
        for flag, on in (
            (_("expired"), c.contract is not None and not in_force),
            (_("overdue"), c.overdue_amount > 0),
            (_("out-of-town"), c.out_of_town),
        )
        if on
    )
    return [c.id, c.name, plan, c.city, flags]


def _customer_table(rows: list[list[str]]) -> str:
    return table([_(h) for h in CUSTOMER_HEADERS], rows, caps=[None, 32, 22, 14])


@customer.command("list", help=_("Every customer with plan and flags."))
@json_option
@reports_errors
@pass_env
def customer_list(env: Env, as_json: bool) -> None:
    with env.desk(read_only=True) as (store, rules):
        now = store.clock.now()
        customers = store.customers()
        found = [_customer_view(rules, c, now) for c in customers]
    emit(
        found,
        as_json,
        lambda: (
            _customer_table(
                [
                    _customer_row(c, v["contract_in_force"], rules.plans)
                    for c, v in zip(customers, found, strict=True)
                ]
            )
            if customers
            else _("No customers yet.")
        ),
    )


@customer.command("show", help=_("A customer's contract, entitlements and incidents."))
@click.argument("customer")
@json_option
@reports_errors
@pass_env
def customer_show(env: Env, customer: str, as_json: bool) -> None:
    from core.intake import find_customer

    with env.desk(read_only=True) as (store, rules):
        found = find_customer(store.customers(), customer)
        incidents = store.incidents_for_customer(found.id)
        view = _customer_view(rules, found, store.clock.now())
    in_force = bool(view["contract_in_force"])

    def render() -> str:
        lines = [
            _customer_table([_customer_row(found, in_force, rules.plans)]),
            *customer_details(found),
        ]
        if found.contract:
            lines.append(
                _("contract {plan} valid {start} to {end}{expired}").format(
                    plan=rules.plans.label(found.contract.plan),
                    start=date_text(found.contract.valid_from),
                    end=date_text(found.contract.valid_until),
                    expired="" if in_force else _(" — not in force (expired), served as free"),
                )
            )
        if found.entitlements:
            used = ", ".join(
                _("{channel} {n} h").format(channel=CHANNEL_LABELS[c], n=quantity(h))
                for c, h in found.entitlements.included_used_hours.items()
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
                credit=figure(found.prepaid_credit), overdue=figure(found.overdue_amount)
            )
        )
        if incidents:
            tz = rules.timezone
            lines.append("")
            lines.append(
                table(
                    [_("ref"), _("status"), _("opened"), _("subject")],
                    [
                        [i.ref, STATUS_LABELS[i.status], short_at(i.opened_at, tz), i.subject]
                        for i in incidents
                    ],
                )
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
@pass_env
def customer_import(env: Env, file: Path, as_json: bool) -> None:
    from core.customer_csv import read_customers_csv

    with env.desk() as (store, rules):
        customers = read_customers_csv(file, rules.plans, rules.bounds)
        store.import_records(customers=customers)
    emit(
        {"imported": len(customers)},
        as_json,
        lambda: _("Imported {n} customers.").format(n=len(customers)),
    )


COMMANDS: list[click.Command] = [customer]
