"""Statement document numbers: one series per year of issue, kept by the server, given once."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from core.models import Customer
from core.periods import Month
from core.rules import load_rules
from core.statements import Statement
from server.admin import import_customers
from server.db import make_engine, migrate, statement_documents
from server.embedded import LocalServer
from server.statements import issue_document
from tests.server.sync_factories import OPENED, technician_client

ATHENS = ZoneInfo("Europe/Athens")
RULES = load_rules()
NOVEMBER, DECEMBER = Month(2026, 11), Month(2026, 12)
TAX_ID = "123456783"


def test_numbers_follow_each_other_within_a_year_and_start_again_in_the_next(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    in_december = datetime(2026, 12, 2, 9, 0, tzinfo=ATHENS)
    first = issue_document(engine, "C-1", NOVEMBER, in_december, ATHENS)
    second = issue_document(engine, "C-2", NOVEMBER, in_december, ATHENS)
    assert (first.number, second.number) == ("2026/0001", "2026/0002")
    # Issued again, even later, the same document keeps its number and its date.
    again = issue_document(engine, "C-1", NOVEMBER, datetime(2027, 3, 1, tzinfo=ATHENS), ATHENS)
    assert again == first and again.issued_at == in_december
    # New Year's Day in Athens is still 31 December in UTC: the year is the Athenian one.
    new_year = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)
    assert issue_document(engine, "C-1", DECEMBER, new_year, ATHENS).number == "2027/0001"
    assert issue_document(engine, "C-2", DECEMBER, new_year, ATHENS).number == "2027/0002"
    with engine.connect() as conn:
        rows = conn.execute(select(statement_documents.c.year, statement_documents.c.seq)).all()
    assert sorted(tuple(row) for row in rows) == [(2026, 1), (2026, 2), (2027, 1), (2027, 2)]
    engine.dispose()


def test_a_database_of_the_previous_server_gets_the_numbers_table(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine, to="0003_scoped_op_ids")
    assert migrate(engine) == "0003_scoped_op_ids"
    issued = issue_document(engine, "C-1", NOVEMBER, datetime(2026, 12, 2, tzinfo=ATHENS), ATHENS)
    assert issued.number == "2026/0001"
    engine.dispose()


REQUESTS = 8


def test_statements_issued_at_once_get_distinct_consecutive_numbers(
    live_server: LocalServer,
) -> None:
    customers = [Customer(id=f"C-{n}", name=f"Πελάτης {n}") for n in range(REQUESTS)]
    import_customers(live_server.engine, RULES, customers, OPENED)
    clients = [technician_client(live_server, f"tech{n}") for n in range(REQUESTS)]
    start = threading.Barrier(REQUESTS)
    numbers: dict[str, str] = {}

    def issue(n: int) -> None:
        start.wait()
        response = clients[n].get(
            f"/v1/statements/C-{n}", params={"month": "2026-11", "issue": "true"}
        )
        assert response.status_code == 200, response.text
        document = Statement.model_validate_json(response.content).document
        assert document is not None
        numbers[f"C-{n}"] = document.number

    threads = [threading.Thread(target=issue, args=(n,)) for n in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    year = datetime.now(ATHENS).year
    assert sorted(numbers.values()) == [f"{year}/{n:04d}" for n in range(1, REQUESTS + 1)]
    # Asked again, with or without issuing, each statement has the number it was given.
    for n, client in enumerate(clients):
        for params in ({"month": "2026-11"}, {"month": "2026-11", "issue": "true"}):
            again = Statement.model_validate_json(
                client.get(f"/v1/statements/C-{n}", params=params).content
            )
            assert again.document is not None and again.document.number == numbers[f"C-{n}"]
        client.close()
    # Only an issued statement is numbered: reading another month numbers nothing.
    read = httpx.get(
        f"{live_server.url}/v1/statements/C-0",
        params={"month": "2026-10"},
        headers=clients[0].headers,
    )
    assert Statement.model_validate_json(read.content).document is None


def _office(server: LocalServer, *args: str) -> subprocess.CompletedProcess[str]:
    # The installed script, which applies --lang before the commands load.
    script = Path(sys.executable).with_name("vardia-server")
    command = [str(script), "--home", str(server.home)]
    command += ["--database", server.database, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_office_prints_the_numbered_document_with_its_letterhead(
    live_server: LocalServer, tmp_path: Path
) -> None:
    cafe = Customer(
        id="C-1",
        name="Καφενείο Η Πλατεία",
        tax_id=TAX_ID,
        tax_office="Α' Αθηνών",
        address="Πατησίων 10, 104 34 Αθήνα",
    )
    import_customers(live_server.engine, RULES, [cafe], OPENED)
    config = live_server.home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "letterhead.toml").write_text(
        'name = "Πληροφορική Αιγαίου Α.Ε."\ntax_id = "094019245"\n', encoding="utf-8"
    )
    args = ("statement", "--customer", "C-1", "--month", "2026-11", "--html")
    first = _office(live_server, "--lang", "el", *args)
    assert first.returncode == 0, first.stderr
    year = datetime.now(ATHENS).year
    assert '<html lang="el">' in first.stdout
    assert "Πληροφορική Αιγαίου Α.Ε." in first.stdout and "094019245" in first.stdout
    assert f"{year}/0001" in first.stdout and "Καφενείο Η Πλατεία" in first.stdout
    assert f"ΑΦΜ {TAX_ID} · ΔΟΥ Α&#x27; Αθηνών" in first.stdout
    assert "Πατησίων 10, 104 34 Αθήνα" in first.stdout
    again = _office(live_server, "--lang", "en", *args)
    assert '<html lang="en">' in again.stdout and f"{year}/0001" in again.stdout
    (config / "letterhead.toml").write_text("name = [\n", encoding="utf-8")
    broken = _office(live_server, *args)
    assert broken.returncode == 1 and "letterhead.toml is not valid TOML" in broken.stderr
    assert len(broken.stderr.strip().splitlines()) == 1
