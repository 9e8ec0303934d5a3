"""How a customer is named on a document and reached: its Greek tax number, e-mail and phones.

A Greek tax number (ΑΦΜ) is nine digits, the last a check digit: each of the first eight
is weighted by a power of two (2⁸ for the first down to 2¹ for the eighth), and the sum
modulo 11, then modulo 10, is the ninth. A mistyped digit almost always breaks it, so a
statement never goes out under a wrong ΑΦΜ. E-mail and phones are checked lightly: an
address a person can read back, a number made of digits and the usual separators.

The checks are pydantic validators (``TaxId``, ``Email``, ``Phone``), so every reader of a
customer (the CSV import on either side, a pull, the store) refuses the same values with the
same sentence. Empty is allowed: most customers are imported before anyone asks.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from core.i18n import _

__all__ = ["Email", "Phone", "TaxId", "dialled", "tax_id_check_digit"]

_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_PHONE = re.compile(r"\+?[0-9][0-9 ()./-]*")
_GREEK_PREFIXES = ("+30", "0030")


def tax_id_check_digit(first_eight: str) -> int:
    """The ninth digit of an ΑΦΜ that starts with these eight digits."""
    total = sum(int(digit) << (8 - position) for position, digit in enumerate(first_eight))
    return total % 11 % 10


def _refused(kind: str, sentence: str, value: str) -> PydanticCustomError:
    """The error pydantic reports with ``sentence``, ``{value}`` in it filled in."""
    return PydanticCustomError(kind, sentence, {"value": value})


def _tax_id(value: str) -> str:
    if not value:
        return value
    if len(value) != 9 or not value.isascii() or not value.isdigit():
        raise _refused(
            "tax_id",
            _("the ΑΦΜ “{value}” is not 9 digits; write the customer's 9-digit tax number."),
            value,
        )
    if tax_id_check_digit(value[:8]) != int(value[8]):
        raise _refused(
            "tax_id", _("the ΑΦΜ {value} fails its check digit; a digit is mistyped."), value
        )
    return value


def _email(value: str) -> str:
    if value and _EMAIL.fullmatch(value) is None:
        raise _refused(
            "email", _("“{value}” is not an e-mail address; write it as name@example.gr."), value
        )
    return value


def _phone(value: str) -> str:
    if _PHONE.fullmatch(value) is None or len(dialled(value)) < 5:
        raise _refused(
            "phone",
            _("“{value}” is not a phone number; write digits, such as 210 353 0829."),
            value,
        )
    return value


def dialled(phone: str) -> str:
    """The digits a person dials within Greece: ``+30 210-353 0829`` → ``2103530829``."""
    compact = re.sub(r"[^0-9+]", "", phone)
    for prefix in _GREEK_PREFIXES:
        if compact.startswith(prefix):
            compact = compact[len(prefix) :]
            break
    return compact.lstrip("+")


TaxId = Annotated[str, AfterValidator(_tax_id)]
"""An ΑΦΜ: empty, or nine digits whose last is the check digit."""
Email = Annotated[str, AfterValidator(_email)]
"""An e-mail address, or empty."""
Phone = Annotated[str, AfterValidator(_phone)]
"""A phone number as written, with at least five digits."""
