"""One customers CSV, two importers: ``vardia customer import``, ``vardia-server import-customers``.

The same table of good and bad rows runs against both commands, so a file the office
prepares means the same on a technician's laptop as on the server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from server.__main__ import cli as server_cli
from server.db import make_engine, records
from server.records import CUSTOMER
from tui.__main__ import cli as vardia_cli

HEADER = (
    "id,name,contact,city,out_of_town,plan,premium_pack,valid_from,valid_until,leased,"
    "program_value,prepaid_credit,overdue_amount"
)

GOOD: list[tuple[str, str, dict[str, Any]]] = [
    (
        "free customer, contract columns empty",
        "c-1,Καφενείο Η Πλατεία,,Αθήνα,,,,,,,,,",
        {"name": "Καφενείο Η Πλατεία", "contract": None, "out_of_town": False},
    ),
    (
        "plan with premium pack, leased, Greek yes",
        "c-2,Ψητοπωλείο Ο Νίκος,Νίκος,Βόλος,ναι,maintenance,premium-4,2026-01-01,2026-12-31,y,"
        "1200.50,10,0",
        {
            "out_of_town": True,
            "contract": {
                "plan": "maintenance",
                "premium_pack": "premium-4",
                "valid_from": "2026-01-01",
                "valid_until": "2026-12-31",
                "leased": True,
                "program_value": "1200.50",
            },
            "prepaid_credit": "10",
        },
    ),
    (
        "English yes and no, spaces around values",
        "c-3, Acme ,,Patras, yes , basic ,, 2026-02-01 , 2027-01-31 , no ,,, 15.5 ",
        {
            "name": "Acme",
            "out_of_town": True,
            "contract": {"plan": "basic", "leased": False, "valid_from": "2026-02-01"},
            "overdue_amount": "15.5",
        },
    ),
]

BAD: list[tuple[str, str, str]] = [
    (
        "no name",
        "c-9,,,,,,,,,,,,",
        "the name is empty",
    ),
    (
        "unknown plan",
        "c-9,X,,,,gold,,2026-01-01,2026-12-31,,,,",
        "plan “gold” is not in the price list",
    ),
    (
        "unknown premium pack",
        "c-9,X,,,,basic,premium-99,2026-01-01,2026-12-31,,,,",
        "premium_pack “premium-99” is not in the price list",
    ),
    (
        "plan without dates",
        "c-9,X,,,,basic,,,,,,,",
        "a customer with a plan needs valid_from",
    ),
    (
        "plan without end",
        "c-9,X,,,,basic,,2026-01-01,,,,,",
        "a customer with a plan needs valid_until",
    ),
    (
        "a date that is not one",
        "c-9,X,,,,basic,,2026-01-01,soon,,,,",
        "valid_until “soon” is not a date",
    ),
    (
        "contract ends first",
        "c-9,X,,,,basic,,2026-12-31,2026-01-01,,,,",
        "valid_until 2026-01-01 is before",
    ),
    (
        "negative credit",
        "c-9,X,,,,,,,,,,-5,",
        "prepaid_credit is negative",
    ),
    (
        "amount in words",
        "c-9,X,,,,,,,,,,,lots",
        "overdue_amount “lots” is not an amount",
    ),
    (
        "flag that is not one",
        "c-9,X,,,maybe,,,,,,,,",
        "out_of_town “maybe” is neither yes nor no",
    ),
]


def _vardia(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], Result]:
    monkeypatch.setenv("VARDIA_HOME", str(tmp_path / "laptop"))
    return lambda sheet: CliRunner().invoke(vardia_cli, ["customer", "import", str(sheet)])


def _server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], Result]:
    home = tmp_path / "office"
    monkeypatch.setenv("VARDIA_SERVER_HOME", str(home))
    assert CliRunner().invoke(server_cli, ["init"]).exit_code == 0
    return lambda sheet: CliRunner().invoke(server_cli, ["import-customers", str(sheet)])


AMOUNTS = frozenset({"prepaid_credit", "overdue_amount", "program_value"})

IMPORTERS = {"vardia customer import": _vardia, "vardia-server import-customers": _server}


def _customers(tmp_path: Path, which: str) -> dict[str, dict[str, Any]]:
    """What the command stored, as JSON records by id."""
    if which == "vardia customer import":
        if not (tmp_path / "laptop").exists():
            return {}
        listed = CliRunner().invoke(vardia_cli, ["customer", "list", "--json"])
        return {c["id"]: c for c in json.loads(listed.stdout)}
    engine = make_engine(f"sqlite:///{tmp_path / 'office' / 'vardia.db'}")
    query = select(records.c.id, records.c.data).where(records.c.kind == CUSTOMER)
    with engine.connect() as conn:
        return {row.id: json.loads(row.data) for row in conn.execute(query)}


def _subset(expected: dict[str, Any], actual: dict[str, Any]) -> None:
    for key, value in expected.items():
        if isinstance(value, dict):
            _subset(value, actual[key])
        elif key in AMOUNTS:
            # The server's ledger keeps credit in cents ("10.00"); a device as typed ("10").
            assert Decimal(actual[key]) == Decimal(value), key
        else:
            assert actual[key] == value, key


@pytest.fixture(params=list(IMPORTERS))
def importer(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, Callable[[Path], Result]]:
    return request.param, IMPORTERS[request.param](tmp_path, monkeypatch)


def test_good_rows_import_alike(
    importer: tuple[str, Callable[[Path], Result]], tmp_path: Path
) -> None:
    which, run = importer
    sheet = tmp_path / "customers.csv"
    sheet.write_text(HEADER + "\n" + "\n".join(row for _, row, _ in GOOD) + "\n", "utf-8-sig")
    result = run(sheet)
    assert result.exit_code == 0, result.output
    assert "Imported 3 customers" in result.output
    stored = _customers(tmp_path, which)
    for (_, _, expected), cid in zip(GOOD, ("c-1", "c-2", "c-3"), strict=True):
        _subset(expected, stored[cid])


@pytest.mark.parametrize(("why", "row", "says"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_row_is_named_by_its_line_and_nothing_is_imported(
    importer: tuple[str, Callable[[Path], Result]], tmp_path: Path, why: str, row: str, says: str
) -> None:
    which, run = importer
    sheet = tmp_path / "customers.csv"
    good = GOOD[0][1]
    sheet.write_text(f"{HEADER}\n{good}\n{row}\n", "utf-8")
    result = run(sheet)
    assert result.exit_code == 2
    assert f"line 3: {says}" in result.stderr
    assert "Traceback" not in result.stderr and "isoformat" not in result.stderr
    assert _customers(tmp_path, which) == {}


def test_every_bad_line_is_reported_by_both(
    importer: tuple[str, Callable[[Path], Result]], tmp_path: Path
) -> None:
    _which, run = importer
    sheet = tmp_path / "customers.csv"
    rows = [GOOD[0][1]] + [row for _, row, _ in BAD] + [",,,,,,,,,,,,"]
    sheet.write_text(HEADER + "\n" + "\n".join(rows) + "\n", "utf-8")
    result = run(sheet)
    assert result.exit_code == 2
    for line, (_, _, says) in enumerate(BAD, start=3):
        assert f"line {line}: {says}" in result.stderr


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("name\nΚαφενείο Η Πλατεία\n".encode("cp1253"), "is not UTF-8: save it as “CSV UTF-8”"),
        (b"city\nAthens\n", "line 1: the header has no “name” column"),
    ],
    ids=["cp1253", "no-name-column"],
)
def test_a_file_that_is_not_a_customers_csv_is_refused_by_both(
    importer: tuple[str, Callable[[Path], Result]], tmp_path: Path, content: bytes, says: str
) -> None:
    _which, run = importer
    sheet = tmp_path / "customers.csv"
    sheet.write_bytes(content)
    result = run(sheet)
    assert result.exit_code == 2 and says in result.stderr


DETAILS_HEADER = "id,name,afm,doy,address,email,phones"


def test_what_a_statement_names_a_customer_by_imports_alike(
    importer: tuple[str, Callable[[Path], Result]], tmp_path: Path
) -> None:
    which, run = importer
    sheet = tmp_path / "customers.csv"
    sheet.write_text(
        f"{DETAILS_HEADER}\n"
        'c-1,Φαρμακείο Κωνσταντίνου,094014201,ΔΟΥ Α\' Αθηνών,"Ερμού 42, 105 63 Αθήνα",'
        "info@farmakeio.gr,210 353 0829; +30 694 123 4567\n"
        "c-2,Καφενείο Η Πλατεία,,,,,\n",
        "utf-8",
    )
    result = run(sheet)
    assert result.exit_code == 0, result.output
    stored = _customers(tmp_path, which)
    _subset(
        {
            "tax_id": "094014201",
            "tax_office": "ΔΟΥ Α' Αθηνών",
            "address": "Ερμού 42, 105 63 Αθήνα",
            "email": "info@farmakeio.gr",
            "phones": ["210 353 0829", "+30 694 123 4567"],
        },
        stored["c-1"],
    )
    _subset({"tax_id": "", "phones": []}, stored["c-2"])


@pytest.mark.parametrize(
    ("cells", "says"),
    [
        ("094014202,,,,", "afm is not accepted: the ΑΦΜ 094014202 fails its check digit"),
        ("09401420,,,,", "afm is not accepted: the ΑΦΜ “09401420” is not 9 digits"),
        (",,,info@farmakeio,", "email is not accepted: “info@farmakeio” is not an e-mail"),
        (",,,,210 353 0829; call Maria", "phones 2 is not accepted: “call Maria” is not a phone"),
        (
            ",,,," + "; ".join(["210 353 0829"] * 11),
            "A customer has at most 10 phone numbers; this one has 11",
        ),
        (
            ",," + "Ερμού " * 60 + ",,",
            "The customer's address is 359 characters long; vardia keeps",
        ),
    ],
    ids=["check digit", "eight digits", "e-mail", "phone", "eleven phones", "long address"],
)
def test_a_bad_tax_id_email_or_phone_names_its_line_and_column(
    importer: tuple[str, Callable[[Path], Result]], tmp_path: Path, cells: str, says: str
) -> None:
    which, run = importer
    sheet = tmp_path / "customers.csv"
    sheet.write_text(f"{DETAILS_HEADER}\nc-1,Φαρμακείο,,,,,\nc-2,Οπτικά,{cells}\n", "utf-8")
    result = run(sheet)
    assert result.exit_code == 2
    assert f"line 3: {says}" in result.stderr
    assert "Traceback" not in result.stderr
    assert _customers(tmp_path, which) == {}
