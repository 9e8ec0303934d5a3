"""Euros and cents: the one rounding to cents, and amounts as a person types them (SPEC §5).

Every amount a user gives is rounded half-up to cents on entry, after its ceiling is
checked (core.bounds), so an absurd number gets a sentence rather than overflowing the
rounding; nothing is printed with float or banker's rounding.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING

from core.errors import InputError
from core.i18n import _

if TYPE_CHECKING:
    from core.bounds import Bounds

__all__ = ["CENT", "entered_amount", "to_cents", "typed_number"]

CENT = Decimal("0.01")


def to_cents(value: Decimal) -> Decimal:
    """Round half-up to cents, the way every amount on a quote or a statement is shown."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def typed_number(text: str, what: str) -> Decimal:
    """A number a person typed, ``12.5`` or ``12,5``; InputError unless it is a finite one."""
    try:
        value = Decimal(text.strip().replace(",", ".") or "0")
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise InputError(
            _("The {what} {text!r} is not a number; write it like 12.50.").format(
                what=what, text=text
            )
        )
    return value


def entered_amount(bounds: Bounds, text: str, what: str, *, expense: bool = False) -> Decimal:
    """An amount of euros a person typed, within its bounds and rounded half-up to cents."""
    value = typed_number(text, what)
    if abs(value) <= bounds.ceiling(expense=expense):
        value = to_cents(value)
    return bounds.check_amount(value, what, expense=expense)
