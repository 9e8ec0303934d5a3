"""The desk commands as a person or a script runs them, on a real data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from core.clock import SystemClock
from core.store import Store
from tui.__main__ import cli


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VARDIA_HOME", str(tmp_path))
    monkeypatch.setenv("VARDIA_TECHNICIAN", "ελένη")
    assert run("demo", "--seed-only").exit_code == 0
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def run_json(*args: str) -> Any:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def vardia(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``vardia`` in its own process, as a shell would start it."""
    env = {**os.environ, "VARDIA_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], env=env, capture_output=True, text=True, check=False
    )


def _customer(home: Path, plan: str) -> str:
    for customer in run_json("customer", "list"):
        contract = customer["contract"]
        if contract and contract["plan"] == plan and customer["overdue_amount"] == "0":
            return str(customer["id"])
    raise AssertionError(f"the demo has no {plan} customer in good standing")


def test_demo_seeds_a_queue_at_every_sla_state(home: Path) -> None:
    rows = run_json("queue")
    assert len(rows) == 60
    assert {row["sla"] for row in rows} == {"breached", "warned", "on_time"}
    ranks = [("breached", "warned", "on_time").index(row["sla"]) for row in rows]
    assert ranks == sorted(ranks)
    assert any("Ζαχαροπλαστεία" in c["name"] for c in run_json("customer", "list"))


def test_open_show_note_and_move_an_incident(home: Path) -> None:
    customer = _customer(home, "business")
    opened = run_json(
        "incident",
        "open",
        "--customer",
        customer,
        "--subject",
        "Δεν ανοίγει",
        "--channel",
        "written",
    )
    assert opened["eligibility"]["served_as"] == "business"
    assert run("incident", "note", opened["ref"], "Πήρα τηλέφωνο").exit_code == 0
    assert run("incident", "status", opened["ref"], "in_progress").exit_code == 0
    shown = run_json("incident", "show", opened["ref"])
    assert shown["status"] == "in_progress"
    assert [n["text"] for n in shown["notes"]] == ["Πήρα τηλέφωνο"]
    assert shown["notes"][0]["author"] == "ελένη"
    assert opened["ref"] in run("queue").stdout


def test_a_blocked_customer_needs_an_override_reason(home: Path) -> None:
    overdue = next(c for c in run_json("customer", "list") if c["overdue_amount"] != "0")
    refused = run("incident", "open", "--customer", overdue["id"], "--subject", "x")
    assert refused.exit_code == 2
    assert "override reason" in refused.stderr and "Traceback" not in refused.stderr
    opened = run_json(
        "incident", "open", "--customer", overdue["id"], "--subject", "x",
        "--override-reason", "Θα πληρώσει αύριο",
    )  # fmt: skip
    assert opened["eligibility"]["override_reason"] == "Θα πληρώσει αύριο"


def test_the_timer_runs_across_processes_and_stop_saves_a_priced_session(home: Path) -> None:
    ref = run_json("queue")[0]["ref"]
    started = vardia(home, "timer", "start", ref, "--channel", "phone")
    assert started.returncode == 0, started.stderr
    # A new process — as after a dropped SSH connection — finds the timer still running.
    status = vardia(home, "timer", "status", "--json")
    assert json.loads(status.stdout)["running"] is True
    assert run_json("timer", "pause")["running"] is False
    assert run_json("timer", "resume")["running"] is True
    again = run("timer", "start", ref, "--channel", "remote")
    assert again.exit_code == 2 and "already running" in again.stderr
    session = run_json("timer", "stop", "--note", "ok")
    assert session["note"] == "ok" and session["quote"]["billable_minutes"] == "15.00"
    assert run_json("timer", "status") is None
    # Priced on this device alone until the server's price comes back.
    assert (session["provisional"], session["price_reasons"]) == (True, [])
    [shown] = run_json("incident", "show", ref)["sessions"]
    assert shown["id"] == session["id"] and shown["provisional"] is True
    assert "(provisional)" in run("incident", "show", ref).stdout


def test_a_timer_left_running_for_days_is_stopped_when_the_work_ended_or_discarded(
    home: Path,
) -> None:
    ref = run_json("queue")[0]["ref"]
    assert run("timer", "start", ref, "--channel", "remote").exit_code == 0
    started = (SystemClock().now() - timedelta(days=3)).replace(microsecond=0)
    with Store.open(home, clock=SystemClock()) as store:
        timer = store.timer()
        assert timer is not None
        store.put_timer(timer.model_copy(update={"running_since": started}))

    too_long = run("timer", "stop")
    assert too_long.exit_code == 2 and "lasts more than 24 hours" in too_long.stderr
    assert "vardia timer stop --at HH:MM" in too_long.stderr
    assert "vardia timer discard" in too_long.stderr
    future = run("timer", "stop", "--at", (SystemClock().now() + timedelta(hours=1)).isoformat())
    assert future.exit_code == 2 and "still to come" in future.stderr
    early = run("timer", "stop", "--at", (started - timedelta(hours=1)).isoformat())
    assert early.exit_code == 2 and "before the timer last started" in early.stderr
    assert run_json("timer", "status") is not None  # nothing refused was lost

    ended = started + timedelta(hours=2)
    session = run_json("timer", "stop", "--at", ended.isoformat())
    [segment] = session["segments"]
    assert datetime.fromisoformat(segment["end"]) == ended
    assert session["quote"]["billable_minutes"] == "120.00"

    assert run("timer", "start", ref, "--channel", "phone").exit_code == 0
    kept = CliRunner().invoke(cli, ["timer", "discard"], input="n\n")
    assert kept.exit_code == 1 and run_json("timer", "status") is not None
    gone = CliRunner().invoke(cli, ["timer", "discard"], input="y\n")
    assert gone.exit_code == 0 and f"Discarded the timer on {ref}" in gone.stdout
    assert run_json("timer", "status") is None
    assert run("timer", "discard", "--yes").exit_code == 2  # there is none left


def test_a_second_writer_is_refused_in_one_sentence(home: Path) -> None:
    with Store.open(home, clock=SystemClock()):
        refused = vardia(home, "incident", "note", run_json("queue")[0]["ref"], "x")
    assert refused.returncode == 1  # nothing was mistyped (SPEC §10)
    assert refused.stderr.startswith("vardia: Another vardia") and refused.stderr.count("\n") == 1


def test_customers_import_from_csv(home: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "customers.csv"
    sheet.write_text(
        "id,name,city,out_of_town,plan,premium_pack,valid_from,valid_until,overdue_amount\n"
        "c-1,Ψητοπωλείο Ο Νίκος,Βόλος,yes,maintenance,premium-4,2026-01-01,2026-12-31,0\n"
        "c-2,Καφενείο Η Πλατεία,Αθήνα,no,,,,,15.5\n",
        encoding="utf-8",
    )
    assert run_json("customer", "import", str(sheet)) == {"imported": 2}
    shown = run_json("customer", "show", "c-1")["customer"]
    assert (shown["name"], shown["out_of_town"]) == ("Ψητοπωλείο Ο Νίκος", True)
    assert shown["contract"]["premium_pack"] == "premium-4"
    assert run_json("customer", "show", "c-2")["customer"]["overdue_amount"] == "15.5"

    sheet.write_text("name,plan,valid_from,valid_until\nΧ,basic,2026-01-01,soon\n")
    bad = run("customer", "import", str(sheet))
    assert bad.exit_code == 2 and "line 2" in bad.stderr


def test_a_customers_csv_with_a_bom_imports(home: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "customers.csv"
    sheet.write_text("id,name\nc-9,Καφενείο Η Πλατεία\n", encoding="utf-8-sig")
    assert run_json("customer", "import", str(sheet)) == {"imported": 1}
    assert run_json("customer", "show", "c-9")["customer"]["name"] == "Καφενείο Η Πλατεία"


def test_expired_contracts_are_flagged_in_list_and_show(home: Path) -> None:
    listed = run_json("customer", "list")
    expired = [c for c in listed if c["contract"] and not c["contract_in_force"]]
    assert expired and all(isinstance(c["contract_in_force"], bool) for c in listed)
    text = run("customer", "list").stdout.splitlines()
    for c in listed:
        [row] = [line for line in text if line.startswith(c["id"] + " ")]
        assert ("expired" in row) is (c in expired)
    shown = run("customer", "show", expired[0]["id"])
    assert "expired" in shown.stdout
    assert run_json("customer", "show", expired[0]["id"])["customer"]["contract_in_force"] is False


def test_demo_customers_have_short_ids_and_any_unique_fragment_finds_one(home: Path) -> None:
    ids = [c["id"] for c in run_json("customer", "list")]
    assert sorted(ids) == [f"C-{n:03d}" for n in range(1, 41)]
    for wanted in ("C-001", "c-001", "ζαχαροπλαστεια", "ΗΛΙΌΠΟΥΛΟΣ"):
        assert run_json("customer", "show", wanted)["customer"]["name"] == (
            "Ζαχαροπλαστεία Ηλιόπουλος"
        )
    ambiguous = run("incident", "open", "--customer", "Γραφείο", "--subject", "x")
    assert ambiguous.exit_code == 2
    assert "matches 5 customers" in ambiguous.stderr and "Traceback" not in ambiguous.stderr
    unknown = run("statement", "--customer", "Κανένας", "--month", "2026-11")
    assert unknown.exit_code == 2 and "No customer matches" in unknown.stderr


def test_out_of_scope_keeps_the_plans_sla_and_is_billed_free(home: Path) -> None:
    customer = _customer(home, "business")
    base = ["incident", "open", "--customer", customer, "--subject", "x", "--channel", "remote"]
    in_scope = run_json(*base)
    out = run_json(*base, "--category", "network_storage")
    assert (out["plan"], out["eligibility"]["served_as"]) == ("business", "free")
    assert abs(
        datetime.fromisoformat(out["deadline"]) - datetime.fromisoformat(in_scope["deadline"])
    ) < timedelta(minutes=1)
    assert {r["plan"] for r in run_json("queue") if r["ref"] == out["ref"]} == {"business"}
    assert run("timer", "start", out["ref"], "--channel", "remote").exit_code == 0
    session = run_json("timer", "stop")
    assert session["quote"]["plan"] == "free"
    shown = run("incident", "show", out["ref"]).stdout
    assert "min billed" in shown and session["quote"]["total"] in shown
    assert [s["id"] for s in run_json("incident", "show", out["ref"])["sessions"]] == [
        session["id"]
    ]


def test_no_premium_left_names_the_option_that_bills_hourly(home: Path) -> None:
    def used_up(c: dict[str, Any]) -> bool:
        contract, used = c["contract"], c["entitlements"]
        return bool(
            c["contract_in_force"]
            and contract["premium_pack"]
            and c["overdue_amount"] == "0"
            and used["premium_incidents_used"] >= int(contract["premium_pack"].split("-")[1])
        )

    customer = next(c for c in run_json("customer", "list") if used_up(c))
    refused = run("incident", "open", "--customer", customer["id"], "--subject", "x")
    assert refused.exit_code == 2 and "--bill-without-premium" in refused.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["incident", "open", "--subject", "x"], "Missing option '--customer'"),
        (["timer", "start", "D-101", "--channel", "fax"], "'fax' is not one of"),
        (["incident", "frobnicate"], "No such command"),
    ],
    ids=["missing-option", "bad-choice", "no-such-command"],
)
def test_click_usage_errors_are_one_sentence_with_status_2(
    home: Path, args: list[str], says: str
) -> None:
    done = vardia(home, *args)
    assert done.returncode == 2
    assert done.stderr.startswith("vardia: ") and says in done.stderr
    assert "--help)" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_text_tables_have_a_header_row_and_fit_80_columns(home: Path) -> None:
    queue = vardia(home, "queue").stdout.splitlines()
    customers = vardia(home, "customer", "list").stdout.splitlines()
    business = _customer(home, "business")
    shown = vardia(home, "customer", "show", business).stdout.splitlines()
    record = next(c for c in run_json("customer", "list") if c["id"] == business)

    assert queue[0].split() == ["SLA", "due", "ref", "status", "customer", "subject"]
    assert customers[0].split() == ["id", "name", "plan", "city", "flags"]
    # What a document names the customer by, and how to reach it (the demo has them all).
    assert f"Tax ID {record['tax_id']} · {record['tax_office']}" in shown
    assert f"{record['contact']} · {record['email']}" in shown
    assert record["address"] in shown
    assert any(line.startswith("Phone " + record["phones"][0]) for line in shown)
    assert any(line.split() == ["ref", "status", "opened", "subject"] for line in shown)
    for line in queue + customers + shown:
        assert len(line) <= 80, line
    assert any(line.endswith("…") for line in queue)  # long subjects are cut, not wrapped


def test_the_timer_status_follows_its_incident_and_says_what_the_store_says(home: Path) -> None:
    from core.store.glance import running_timer, timer_view
    from core.sync.protocol import OperationKind

    ref = run_json("queue")[0]["ref"]
    assert run("timer", "start", ref, "--channel", "remote").exit_code == 0
    with Store.open(home, clock=SystemClock()) as store:
        incident = store.incident(ref)
        renamed = incident.model_copy(update={"subject": "Ο εκτυπωτής ξανά"})
        op = store.operation(OperationKind.INCIDENT_UPDATE, incident.id, {})
        store.commit(op, incidents=[renamed])
    status = vardia(home, "timer", "status")
    assert status.returncode == 0 and status.stdout.rstrip().endswith("Ο εκτυπωτής ξανά")
    # The files alone and the store give the same view (the pause gives both the same time).
    paused = run_json("timer", "pause")
    found = running_timer(home)
    assert found is not None
    assert timer_view(*found, SystemClock().now()) == paused


def test_a_status_is_working_on_the_command_line_and_in_progress_in_json(home: Path) -> None:
    ref = run_json("queue")[0]["ref"]
    moved = run("incident", "status", ref, "working")
    assert moved.exit_code == 0, moved.output
    assert moved.output.strip() == f"{ref}: working"
    assert "working" in run("queue").output
    assert "status     working" in run("incident", "show", ref).output
    assert run_json("incident", "show", ref)["status"] == "in_progress"
    # The records' name, as --json prints it, is understood too; a wrong one is named.
    assert run("incident", "status", ref, "waiting").exit_code == 0
    assert run("incident", "status", ref, "IN_PROGRESS").exit_code == 0
    assert run_json("incident", "show", ref)["status"] == "in_progress"
    wrong = run("incident", "status", ref, "busy")
    assert wrong.exit_code == 2 and "working" in wrong.output
    assert "working" in run("incident", "status", "--help").output
