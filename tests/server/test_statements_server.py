"""The statement of a month from the server's ledger: the endpoint and the office's command."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx

from core.ledger import Purchase
from core.models import Customer, Eligibility, Segment
from core.rules import load_rules
from core.statements import Statement
from core.sync.protocol import PushResponse
from server.admin import import_customers
from server.embedded import LocalServer
from tests.server.sync_factories import OPENED, incident, open_op, push_body, record_op, session

RULES = load_rules()
DAY = timedelta(days=1)
FREE = Eligibility(contract_in_force=False, served_as="free")


def _desk(server: LocalServer, alice: httpx.Client, bob: httpx.Client) -> None:
    """A free customer with 10 € of credit; an hour by phone from each technician."""
    bought = {"C-1": [Purchase("p-1", OPENED - DAY, Decimal("10.00"))]}
    customers = [Customer(id="C-1", name="Acme"), Customer(id="C-2", name="Idle")]
    import_customers(server.engine, RULES, customers, datetime.now(UTC), bought)
    for who, name, at in ((alice, "alice", OPENED + DAY), (bob, "bob", OPENED)):
        device = f"dev-{name}"
        worked = session(
            f"S-{name}",
            f"I-{name}",
            technician=name,
            device_id=device,
            segments=(Segment(start=at, end=at + timedelta(hours=1)),),
        )
        ops = [open_op(incident(f"I-{name}", by=name, eligibility=FREE), device), record_op(worked)]
        response = who.post("/v1/push", json=push_body(ops, device))
        assert all(
            r.status.value == "applied"
            for r in PushResponse.model_validate_json(response.content).results
        )


def test_a_statement_shows_every_technicians_sessions_at_the_servers_prices(
    live_server: LocalServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    _desk(live_server, alice, bob)
    response = alice.get("/v1/statements/C-1", params={"month": "2026-11"})
    assert response.status_code == 200, response.text
    statement = Statement.model_validate_json(response.content)
    assert [ln.technician for ln in statement.lines] == ["bob", "alice"]
    assert [ln.credit_debited for ln in statement.lines] == [Decimal("10.00"), 0]
    assert not any(ln.provisional for ln in statement.lines)
    t = statement.totals
    assert (t.credit_before, t.credit_bought, t.credit_applied, t.credit_after) == (
        0,
        Decimal("10.00"),
        Decimal("10.00"),
        0,
    )
    assert (t.net, t.net_due, t.total) == (Decimal("100.00"), Decimal("90.00"), Decimal("111.60"))
    assert statement.partial is False and statement.as_of is not None


def test_the_statement_endpoint_refuses_what_it_cannot_answer(
    live_server: LocalServer, alice: httpx.Client, tmp_path: Path
) -> None:
    import_customers(live_server.engine, RULES, [Customer(id="C-1", name="Acme")], OPENED)
    unknown = alice.get("/v1/statements/C-9", params={"month": "2026-11"})
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "There is no customer 'C-9' on this server."}
    malformed = alice.get("/v1/statements/C-1", params={"month": "2026-13"})
    assert malformed.status_code == 422
    assert malformed.json()["detail"].startswith("“2026-13” is not a month")
    assert httpx.get(f"{live_server.url}/v1/statements/C-1?month=2026-11").status_code == 401
    # Another vendor's server made this token: this one does not know it.
    other = LocalServer(tmp_path / "other-vendor")
    foreign = other.add_technician("alice")
    other.engine.dispose()
    refused = httpx.get(
        f"{live_server.url}/v1/statements/C-1",
        params={"month": "2026-11"},
        headers={"Authorization": f"Bearer {foreign}"},
    )
    assert refused.status_code == 401


def _office(server: LocalServer, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "server", "--home", str(server.home)]
    command += ["--database", server.database, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_the_office_gets_the_same_statement_and_buys_credit_from_the_command_line(
    live_server: LocalServer, alice: httpx.Client, bob: httpx.Client, tmp_path: Path
) -> None:
    _desk(live_server, alice, bob)
    served = alice.get("/v1/statements/C-1", params={"month": "2026-11"}).json()
    printed = _office(live_server, "statement", "--customer", "C-1", "--month", "2026-11", "--json")
    assert printed.returncode == 0, printed.stderr
    office = json.loads(printed.stdout)
    assert (office["lines"], office["totals"]) == (served["lines"], served["totals"])

    text = _office(live_server, "statement", "--customer", "C-1", "--month", "2026-11")
    assert "Prepaid credit: 0.00 before, 10.00 bought, 10.00 used, 0.00 left" in text.stdout
    # The office's text form is the device's, within 80 columns: one renderer for both.
    from core.documents import statement_text

    same = statement_text(Statement.model_validate(office), RULES.plans, RULES.timezone)
    assert text.stdout == same + "\n"
    assert max(len(line) for line in text.stdout.splitlines()) <= 80

    bought = _office(live_server, "credit", "add", "C-1", "20", "--at", "2026-11-01T09:00")
    assert bought.returncode == 0, bought.stderr
    after = json.loads(
        _office(
            live_server, "statement", "--customer", "C-1", "--month", "2026-11", "--json"
        ).stdout
    )
    # Bought before both sessions: now it pays for both, in order.
    assert after["totals"]["credit_bought"] == "30.00"
    assert after["totals"]["credit_applied"] == "30.00"
    assert after["totals"]["credit_after"] == "0.00"

    folder = tmp_path / "statements"
    every = _office(
        live_server, "statement", "--all", "--month", "2026-11", "--csv", "--output", str(folder)
    )
    assert every.returncode == 0, every.stderr
    # The idle customer had no session that month: no empty statement is written.
    assert sorted(p.name for p in folder.iterdir()) == ["C-1-2026-11.csv"]


def test_the_office_commands_say_what_is_wrong_in_one_sentence(
    live_server: LocalServer,
) -> None:
    import_customers(live_server.engine, RULES, [Customer(id="C-1", name="Acme")], OPENED)
    for args in (
        ("statement", "--customer", "C-9", "--month", "2026-11"),
        ("statement", "--customer", "C-1", "--month", "November"),
        ("credit", "add", "C-9", "10"),
        ("credit", "add", "C-1", "ten"),
        ("credit", "add", "C-1", "10", "--at", "yesterday"),
    ):
        done = _office(live_server, *args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("vardia-server: "), (
            done.stderr
        )
        assert "Traceback" not in done.stderr


def test_importing_the_customers_file_again_never_overwrites_what_was_spent(
    live_server: LocalServer, alice: httpx.Client, tmp_path: Path
) -> None:
    sheet = tmp_path / "customers.csv"
    # Two purchases alike on one day are two purchases; the opening 10 € is bought today.
    sheet.write_text(
        "id,name,prepaid_credit,purchases\nC-1,Acme,10,2026-11-01 20; 2026-11-01 20\n", "utf-8"
    )
    assert _office(live_server, "import-customers", str(sheet)).returncode == 0
    worked = session("S-1", segments=(Segment(start=OPENED, end=OPENED + timedelta(hours=1)),))
    ops = [open_op(incident("I-1", eligibility=FREE)), record_op(worked)]
    assert alice.post("/v1/push", json=push_body(ops)).status_code == 200

    for _again in range(2):
        assert _office(live_server, "import-customers", str(sheet)).returncode == 0
        month = ("--month", "2026-11", "--json")
        said = _office(live_server, "statement", "--customer", "C-1", *month)
        totals = json.loads(said.stdout)["totals"]
        assert (totals["credit_bought"], totals["credit_applied"]) == ("40.00", "40.00")
        pulled = alice.get("/v1/pull").json()
        [acme] = [c for c in pulled["customers"] if c["id"] == "C-1"]
        assert acme["prepaid_credit"] == "10.00"
