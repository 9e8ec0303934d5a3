"""A customer's ΑΦΜ, ΔΟΥ, address, e-mail and phones: checked where read, and old records read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from core.clock import FrozenClock
from core.contact import dialled, tax_id_check_digit
from core.errors import InputError, first_problem
from core.intake import find_customer, matches_customer
from core.models import Customer
from core.rules import load_rules
from core.store import Store
from core.sync.quarantine import RawPage, sort_page
from tests.core.store.store_records import T0

BOUNDS = load_rules().bounds
FIXTURE_V5 = Path(__file__).parent / "store" / "fixtures" / "customers-v5"
"""Customers as the vardia before these fields wrote them (schema 5, made by its code)."""


def _problem(**fields: object) -> str:
    with pytest.raises(ValidationError) as caught:
        Customer.model_validate({"id": "C-1", "name": "Φαρμακείο", **fields})
    where, problem = first_problem(caught.value)
    return f"{where}: {problem}"


@pytest.mark.parametrize("tax_id", ["094014201", "090000045", "997000000", "000000000", ""])
def test_a_tax_id_with_its_check_digit_is_accepted(tax_id: str) -> None:
    assert Customer(id="C-1", name="Φαρμακείο", tax_id=tax_id).tax_id == tax_id


@pytest.mark.parametrize(
    ("tax_id", "said"),
    [
        ("094014202", "tax_id: the ΑΦΜ 094014202 fails its check digit; a digit is mistyped."),
        ("94014201", "tax_id: the ΑΦΜ “94014201” is not 9 digits"),
        ("0940142011", "tax_id: the ΑΦΜ “0940142011” is not 9 digits"),
        ("EL094014201", "tax_id: the ΑΦΜ “EL094014201” is not 9 digits"),
        ("０９４０１４２０１", "is not 9 digits"),  # full-width digits are not an ΑΦΜ
    ],
)
def test_a_wrong_tax_id_is_refused_with_a_sentence(tax_id: str, said: str) -> None:
    assert said in _problem(tax_id=tax_id)


@given(st.text("0123456789", min_size=8, max_size=8))
def test_the_check_digit_makes_any_eight_digits_a_tax_id(first_eight: str) -> None:
    tax_id = first_eight + str(tax_id_check_digit(first_eight))
    assert Customer(id="C-1", name="x", tax_id=tax_id).tax_id == tax_id
    wrong = first_eight + str((tax_id_check_digit(first_eight) + 1) % 10)
    with pytest.raises(ValidationError):
        Customer(id="C-1", name="x", tax_id=wrong)


@pytest.mark.parametrize("email", ["info@papadaki.gr", "a.b+c@mail.example.com", ""])
def test_an_email_address_is_accepted(email: str) -> None:
    assert Customer(id="C-1", name="x", email=email).email == email


@pytest.mark.parametrize("email", ["info", "info@papadaki", "a b@x.gr", "a@@x.gr", "@x.gr"])
def test_what_is_not_an_email_address_is_refused(email: str) -> None:
    assert "is not an e-mail address; write it as name@example.gr" in _problem(email=email)


def test_phones_are_several_numbers_and_each_is_checked() -> None:
    customer = Customer(id="C-1", name="x", phones=("210 353 0829", "+30 694-123-4567"))
    assert customer.phones == ("210 353 0829", "+30 694-123-4567")
    assert "phones.1: “ask Maria” is not a phone number" in _problem(
        phones=["210 353 0829", "ask Maria"]
    )
    assert "is not a phone number" in _problem(phones=["1234"])


@pytest.mark.parametrize(
    ("phone", "digits"),
    [
        ("210 353 0829", "2103530829"),
        ("+30 210-353-0829", "2103530829"),
        ("0030 (694) 123 4567", "6941234567"),
        ("+44 20 7946 0018", "442079460018"),
    ],
)
def test_a_phone_is_dialled_without_the_greek_prefix(phone: str, digits: str) -> None:
    assert dialled(phone) == digits


def test_a_customer_within_bounds_passes_and_one_beyond_them_is_refused() -> None:
    customer = Customer(
        id="C-1",
        name="Φαρμακείο",
        tax_id="094014201",
        tax_office="ΔΟΥ Α' Αθηνών",
        address="Ερμού 42, 105 63 Αθήνα",
        email="info@farmakeio.gr",
        phones=("210 353 0829",),
    )
    assert BOUNDS.check_customer(customer) is customer
    too_many = customer.model_copy(update={"phones": ("210 353 0829",) * (BOUNDS.max_phones + 1)})
    with pytest.raises(InputError, match="at most 10 phone numbers; this one has 11"):
        BOUNDS.check_customer(too_many)
    long_address = customer.model_copy(update={"address": "Ερμού " * 100})
    with pytest.raises(
        InputError, match="address is 600 characters long; vardia keeps at most 300"
    ):
        BOUNDS.check_customer(long_address)
    with pytest.raises(InputError, match="tax office"):
        BOUNDS.check_customer(customer.model_copy(update={"tax_office": "Δ\x00ΟΥ"}))


def test_customers_written_by_the_previous_vardia_read_unchanged(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE_V5, tmp_path / "data")
    with Store.open(tmp_path / "data", clock=FrozenClock(T0)) as store:
        customers = {c.id: c for c in store.customers()}
    old = customers["C-001"]
    # The contact kept what it held, phone number and all; the new fields start empty.
    assert (old.name, old.contact, old.city) == (
        "Ζαχαροπλαστεία Ηλιόπουλος",
        "210 353 0829",
        "Γλυφάδα",
    )
    assert (old.tax_id, old.tax_office, old.address, old.email, old.phones) == ("", "", "", "", ())
    assert customers["C-002"].contact == "κα Σταθοπούλου"
    assert customers["C-002"].out_of_town


def test_a_pulled_customer_beyond_the_bounds_or_with_a_wrong_tax_id_is_kept_aside() -> None:
    good = Customer(id="C-1", name="Φαρμακείο", tax_id="094014201", phones=("210 353 0829",))
    crowded = good.model_copy(update={"id": "C-2", "phones": ("210 353 0829",) * 11})
    mistyped = {**good.model_dump(mode="json"), "id": "C-3", "tax_id": "094014202"}
    page = RawPage(
        customers=[good.model_dump(mode="json"), crowded.model_dump(mode="json"), mistyped],
        incidents=[],
        cursor="",
        has_more=False,
        server_time=T0,
    )
    found = sort_page(page, BOUNDS, T0)
    assert found.customers == [good]
    reasons = {q.record_id: q.reason for q in found.kept_aside}
    assert "at most 10 phone numbers" in reasons["C-2"]
    assert reasons["C-3"].startswith("tax_id: the ΑΦΜ 094014202 fails its check digit")


DESK = [
    Customer(id="C-1", name="Αρχιτεκτονικό Γραφείο Σταθοπούλου", phones=("210 353 0829",)),
    Customer(id="C-2", name="Ηλεκτρολογικά Μπακάλη", phones=("+30 694 123 4567", "2310 253829")),
    Customer(id="C-3", name="Φαρμακείο Λαμπράκη"),
]


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("stath", ["C-1"]),
        ("STATHOPOULOU", ["C-1"]),
        ("σταθοπ", ["C-1"]),
        ("Σταθό", ["C-1"]),
        ("bakali", ["C-2"]),
        ("mpakali", ["C-2"]),
        ("labrak", ["C-3"]),
        ("lamprak", ["C-3"]),
        ("3530829", ["C-1"]),
        ("210 353-0829", ["C-1"]),
        ("+30 210 3530829", ["C-1"]),
        ("6941234567", ["C-2"]),
        ("253829", ["C-2"]),
        ("grafeio", ["C-1"]),
        ("29", []),  # too few digits to be a number
        ("210 x", []),
        ("farmakeio lampr", ["C-3"]),
    ],
)
def test_a_customer_is_found_by_part_of_its_name_in_either_script_or_of_a_phone(
    typed: str, found: list[str]
) -> None:
    assert [c.id for c in DESK if matches_customer(c, typed)] == found


def test_the_command_line_finds_a_customer_the_same_way() -> None:
    assert find_customer(DESK, "stath").id == "C-1"
    assert find_customer(DESK, "694 123 4567").id == "C-2"
    with pytest.raises(InputError, match="matches 2 customers"):
        find_customer(DESK, "ik")
