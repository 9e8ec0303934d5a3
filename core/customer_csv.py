"""Reads a customers CSV, for ``vardia customer import`` and ``vardia-server import-customers``.

One reader for both, so a file the office prepares means the same on a technician's laptop
and on the server. The file is UTF-8 (a byte-order mark, as Excel writes, is fine) with a
header row naming its columns; only ``name`` is required. A row without ``plan`` is a free
customer, and its contract columns may stay empty. ``purchases`` lists credit bought, as
dated entries (``2026-01-15 100; 2026-06-01 50.50``): each gets an id made of its customer,
day and amount, so the server adds a purchase once however often the file is imported, and
never overwrites what was spent (``prepaid_credit`` is the opening balance, counted once).
What a statement names the customer by has its own columns: ``tax_id`` (the ΑΦΜ, checked by
its check digit; ``afm`` is read as the same column), ``tax_office`` (the ΔΟΥ, or ``doy``),
``address``, ``email``, and ``phones``, several numbers separated by ``;``
(``210 353 0829; 694 123 4567``), as purchases are. Each customer must also fall within the
domain bounds (core.bounds: text lengths, how many phones).
Every bad line is reported, by its line number in the file and with a sentence that says
what to write instead, and then nothing is imported: an import writes all the rows or none.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from core.bounds import Bounds
from core.calendar import ATHENS
from core.errors import InputError, first_problem
from core.i18n import _
from core.ids import new_id
from core.ledger import Purchase
from core.models import Contract, Customer

__all__ = [
    "COLUMNS",
    "CustomerFileError",
    "CustomerRow",
    "parse_customers_csv",
    "read_customer_rows",
    "read_customers_csv",
]

COLUMNS = (
    "id",
    "name",
    "contact",
    "city",
    "tax_id",
    "tax_office",
    "address",
    "email",
    "phones",
    "out_of_town",
    "plan",
    "premium_pack",
    "valid_from",
    "valid_until",
    "leased",
    "program_value",
    "prepaid_credit",
    "overdue_amount",
    "purchases",
)
"""The columns read, in the order a template lists them; any other column is ignored."""

ALIASES = {"afm": "tax_id", "doy": "tax_office"}
"""Other headings read as a column: the Greek abbreviations an office writes in Latin."""

M = TypeVar("M", Contract, Customer)

_YES = frozenset({"1", "true", "yes", "y", "ναι", "ν"})
_NO = frozenset({"", "0", "false", "no", "n", "όχι", "οχι", "ο"})


class CustomerFileError(InputError):
    """A customers file that cannot be imported; ``problems`` holds one sentence per bad line."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class _BadRow(ValueError):
    """One row's first problem, as the sentence the person reads."""


@dataclass(frozen=True)
class CustomerRow:
    """One line of the file: the customer, and the credit purchases it lists."""

    customer: Customer
    purchases: tuple[Purchase, ...] = ()


def read_customers_csv(
    file: Path, plans: Collection[str], bounds: Bounds, *, now: datetime | None = None
) -> list[Customer]:
    """Every customer in ``file`` as a device keeps it: its credit is all it bought."""
    return [
        row.customer.model_copy(
            update={
                "prepaid_credit": row.customer.prepaid_credit
                + sum((p.amount for p in row.purchases), Decimal(0))
            }
        )
        for row in read_customer_rows(file, plans, bounds, now=now)
    ]


def read_customer_rows(
    file: Path, plans: Collection[str], bounds: Bounds, *, now: datetime | None = None
) -> list[CustomerRow]:
    """Every row of ``file``, or a CustomerFileError naming every bad line.

    ``plans`` are the plan ids of the price list in force, ``bounds`` those of the rules in
    force; ``now`` stamps ``updated_at``.
    """
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CustomerFileError(
            _("{file} is not UTF-8: save it as “CSV UTF-8” and try again.").format(file=file)
        ) from None
    except OSError as error:
        raise CustomerFileError(
            _("{file} cannot be read ({reason}).").format(file=file, reason=error.strerror)
        ) from None
    customers, problems = parse_customers_csv(text, plans, bounds, now=now)
    if problems:
        raise CustomerFileError(
            _("{file}: nothing was imported; fix these lines and import again:").format(file=file)
            + "".join(f"\n  {problem}" for problem in problems),
            problems,
        )
    return customers


def parse_customers_csv(
    text: str, plans: Collection[str], bounds: Bounds, *, now: datetime | None = None
) -> tuple[list[CustomerRow], list[str]]:
    """The rows of a CSV text, and a sentence for each line that is not one."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    written = [name.strip() for name in reader.fieldnames or ()]
    header = [ALIASES.get(name.lower(), name) for name in written]
    headings = dict(zip(header, written, strict=True))
    if "name" not in header:
        return [], [
            _("line 1: the header has no “name” column; the columns are {columns}.").format(
                columns=", ".join(COLUMNS)
            )
        ]
    reader.fieldnames = header
    customers: list[CustomerRow] = []
    problems: list[str] = []
    for row in reader:
        line = reader.line_num
        if not any(isinstance(v, str) and v.strip() for v in row.values()):
            continue  # a spreadsheet's empty row, all commas
        try:
            customers.append(_customer(row, plans, bounds, now, headings))
        except _BadRow as error:
            problems.append(_("line {line}: {reason}").format(line=line, reason=error))
    return customers, problems


def _customer(
    row: Mapping[str, str | None],
    plans: Collection[str],
    bounds: Bounds,
    now: datetime | None,
    headings: Mapping[str, str],
) -> CustomerRow:
    def text(column: str) -> str:
        value = row.get(column)
        return value.strip() if isinstance(value, str) else ""

    if not text("name"):
        raise _BadRow(_("the name is empty; every customer needs one."))
    contract = None
    if text("plan"):
        for column in ("plan", "premium_pack"):
            if text(column) and text(column) not in plans:
                raise _BadRow(
                    _("{column} “{value}” is not in the price list; use one of {ids}.").format(
                        column=column, value=text(column), ids=", ".join(sorted(plans))
                    )
                )
        valid_from, valid_until = _day(text, "valid_from"), _day(text, "valid_until")
        if valid_until < valid_from:
            raise _BadRow(
                _("valid_until {end} is before valid_from {start}.").format(
                    end=valid_until, start=valid_from
                )
            )
        contract = _validated(
            Contract,
            headings,
            plan=text("plan"),
            premium_pack=text("premium_pack") or None,
            valid_from=valid_from,
            valid_until=valid_until,
            leased=_flag(text, "leased"),
            program_value=_amount(text, "program_value"),
        )
    if text("purchases") and not text("id"):
        raise _BadRow(
            _("a row with purchases needs an id, so that importing it again finds the customer.")
        )
    customer = _validated(
        Customer,
        headings,
        id=text("id") or new_id(),
        name=text("name"),
        contact=text("contact"),
        city=text("city"),
        tax_id=text("tax_id"),
        tax_office=text("tax_office"),
        address=text("address"),
        email=text("email"),
        phones=[phone for phone in (p.strip() for p in text("phones").split(";")) if phone],
        out_of_town=_flag(text, "out_of_town"),
        contract=contract,
        prepaid_credit=_amount(text, "prepaid_credit"),
        overdue_amount=_amount(text, "overdue_amount"),
        updated_at=now,
    )
    try:
        bounds.check_customer(customer)
    except InputError as error:
        raise _BadRow(str(error)) from None
    return CustomerRow(customer, _purchases(customer.id, text("purchases")))


def _purchases(customer_id: str, cell: str) -> tuple[Purchase, ...]:
    """``2026-01-15 100; 2026-06-01 50.50``: each bought at the day's start, in Athens."""
    found: list[Purchase] = []
    seen: dict[str, int] = {}
    for entry in (part.strip() for part in cell.split(";")):
        if not entry:
            continue
        day_text, _sep, amount_text = entry.partition(" ")
        try:
            day = date.fromisoformat(day_text)
            amount = Decimal(amount_text.strip())
        except (ValueError, InvalidOperation):
            raise _BadRow(
                _("purchase “{entry}” is not a day and an amount; write 2026-01-15 100.").format(
                    entry=entry
                )
            ) from None
        if not amount.is_finite() or amount <= 0:
            raise _BadRow(_("purchase “{entry}” is not more than 0 €.").format(entry=entry))
        key = f"csv:{customer_id}:{day}:{amount.normalize():f}"
        seen[key] = seen.get(key, 0) + 1
        stable = key if seen[key] == 1 else f"{key}#{seen[key]}"
        found.append(Purchase(stable, datetime.combine(day, time(), ATHENS), amount))
    return tuple(found)


def _flag(text: Callable[[str], str], column: str) -> bool:
    value = text(column).lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise _BadRow(
        _("{column} “{value}” is neither yes nor no; write yes or no (or leave it empty).").format(
            column=column, value=text(column)
        )
    )


def _amount(text: Callable[[str], str], column: str) -> Decimal:
    try:
        value = Decimal(text(column) or "0")
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise _BadRow(
            _("{column} “{value}” is not an amount; write euros like 1200.50.").format(
                column=column, value=text(column)
            )
        )
    if value < 0:
        raise _BadRow(
            _("{column} is negative ({value}); amounts are zero or more.").format(
                column=column, value=text(column)
            )
        )
    return value


def _day(text: Callable[[str], str], column: str) -> date:
    if not text(column):
        raise _BadRow(
            _("a customer with a plan needs {column}; write it as YYYY-MM-DD.").format(
                column=column
            )
        )
    try:
        return date.fromisoformat(text(column))
    except ValueError:
        raise _BadRow(
            _("{column} “{value}” is not a date; write it as YYYY-MM-DD.").format(
                column=column, value=text(column)
            )
        ) from None


def _validated(model: type[M], headings: Mapping[str, str], **fields: object) -> M:
    """The record of these fields, or the row's problem named by its column as headed."""
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        where, problem = first_problem(error)
        field, _dot, rest = where.partition(".")
        column = headings.get(field, field) + (f" {int(rest) + 1}" if rest.isdigit() else "")
        raise _BadRow(
            _("{column} is not accepted: {reason}").format(column=column, reason=problem)
        ) from None
