"""``vardia statement`` and ``vardia report`` as a person runs them, on a real store."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from bench.data import History, priced_history
from core.periods import Month
from core.rules import load_rules
from core.store import Store
from tui.commands.reports import statement_file
from tui.format import slug

RULES = load_rules(None)
HISTORY: History = priced_history(
    RULES, customers=6, sessions=400, start=date(2026, 1, 1), days=120, seed=11
)
TZ = RULES.timezone


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("home")
    with Store.open(root) as store:
        store.import_records(
            customers=HISTORY.customers, incidents=HISTORY.incidents, sessions=HISTORY.sessions
        )
    return root


def vardia(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VARDIA_HOME": str(home), "COLUMNS": "140"}
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], env=env, capture_output=True, text=True, check=False
    )


def month_sessions(customer_id: str, month: str) -> list:  # type: ignore[type-arg]
    return [
        s
        for s in HISTORY.sessions
        if s.customer_id == customer_id
        and s.segments[0].start.astimezone(TZ).strftime("%Y-%m") == month
    ]


def test_statement_json_adds_up_from_the_stored_quotes(home: Path) -> None:
    customer = HISTORY.customers[0]
    done = vardia(home, "statement", "--customer", customer.id, "--month", "2026-03", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    mine = month_sessions(customer.id, "2026-03")
    assert [ln["session_id"] for ln in data["lines"]] == [s.id for s in mine]
    net = sum((s.quote.net for s in mine), Decimal(0))
    credit = sum((s.quote.credit_debited for s in mine), Decimal(0))
    vat = ((net - credit) * Decimal("0.24")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    totals = data["totals"]
    assert totals["net"] == f"{net:.2f}"
    assert totals["vat"] == f"{vat:.2f}"
    assert totals["total"] == f"{net - credit + vat:.2f}"
    assert all(len(v.split(".")[1]) == 2 for k, v in totals.items() if k in ("net", "vat", "total"))


def test_statement_csv_goes_to_stdout_or_a_file_with_greek_intact(
    home: Path, tmp_path: Path
) -> None:
    customer = HISTORY.customers[1]
    out = vardia(home, "statement", "--customer", customer.id, "--month", "2026-02", "--csv")
    assert out.returncode == 0, out.stderr
    target = tmp_path / "st.csv"
    written = vardia(
        home,
        "statement",
        "--customer",
        customer.id,
        "--month",
        "2026-02",
        "--csv",
        "--output",
        str(target),
    )
    assert written.returncode == 0, written.stderr
    # The byte-order mark Excel needs, in the file and on stdout alike (`--csv > file`).
    assert out.stdout.startswith("\ufeff")
    assert target.read_bytes().startswith("\ufeff".encode())
    assert target.read_text(encoding="utf-8") == out.stdout
    with target.open(encoding="utf-8-sig", newline="") as handle:
        assert next(csv.reader(handle))[:2] == ["line", "date"]
    rows = list(csv.DictReader(io.StringIO(out.stdout.removeprefix("\ufeff"))))
    sessions = [r for r in rows if r["line"] == "session"]
    assert len(sessions) == len(month_sessions(customer.id, "2026-02"))
    assert all("η εκτύπωση δεν βγαίνει" in r["subject"] for r in sessions)


def test_statements_for_every_customer_with_something_to_bill_as_files(
    home: Path, tmp_path: Path
) -> None:
    sheet = tmp_path / "new.csv"
    sheet.write_text("id,name,city,plan,valid_from,valid_until\nc-new,Νέος Πελάτης,Αθήνα,,,\n")
    assert vardia(home, "customer", "import", str(sheet)).returncode == 0
    folder = tmp_path / "out"
    done = vardia(
        home, "statement", "--all", "--month", "2026-03", "--json", "--output", str(folder)
    )
    assert done.returncode == 0, done.stderr
    files = sorted(p.name for p in folder.iterdir())
    assert files == sorted(statement_file(c, Month(2026, 3), "json") for c in HISTORY.customers)
    assert all(f.endswith("-2026-03.json") and not f.startswith("statement") for f in files)
    assert "1 customer had nothing this month, so no statement." in done.stdout  # the new one


def test_statement_text_names_the_customer_and_the_total(home: Path) -> None:
    customer = HISTORY.customers[2]
    done = vardia(home, "statement", "--customer", customer.id, "--month", "2026-03")
    assert done.returncode == 0, done.stderr
    data = json.loads(
        vardia(home, "statement", "--customer", customer.id, "--month", "2026-03", "--json").stdout
    )
    assert customer.name in done.stdout
    assert data["totals"]["total"] in done.stdout.splitlines()[-2]
    # The month by its name, in the language spoken; JSON keeps the machine's form.
    assert done.stdout.startswith("Statement March 2026 — ") and data["month"] == "2026-03"
    greek = vardia(
        home, "--lang", "el", "statement", "--customer", customer.id, "--month", "2026-03"
    )
    assert greek.stdout.startswith("Χρεώσεις Μάρτιος 2026 — "), greek.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--customer", "nobody", "--month", "2026-03"], "No customer matches “nobody”"),
        (["--customer", "c0000", "--month", "2026-3"], "YYYY-MM"),
        (["--month", "2026-03"], "--customer ID"),
        (["--customer", "c0000", "--month", "2026-03", "--json", "--csv"], "one of --json"),
        (["--all", "--month", "2026-03"], "--output"),
    ],
)
def test_mistakes_get_one_sentence_and_status_2(home: Path, args: list[str], says: str) -> None:
    done = vardia(home, "statement", *args)
    assert done.returncode == 2
    assert says in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_week_report_json_per_day_and_per_technician(home: Path) -> None:
    team = json.loads(vardia(home, "report", "--week", "2026-W10", "--json").stdout)
    nikos = vardia(home, "report", "--week", "2026-W10", "--technician", "nikos", "--json")
    assert nikos.returncode == 0, nikos.stderr
    mine = json.loads(nikos.stdout)
    assert [d["day"] for d in team["days"]] == [f"2026-03-{d:02d}" for d in range(2, 9)]
    assert Decimal(mine["total_minutes"]) < Decimal(team["total_minutes"])
    expected = sum(
        (s.segments[0].end - s.segments[0].start).total_seconds() / 60
        for s in HISTORY.sessions
        if s.technician == "nikos"
        and s.segments[0].start.astimezone(TZ).isocalendar()[:2] == (2026, 10)
        and s.segments[0].end.astimezone(TZ).isocalendar()[:2] == (2026, 10)
    )
    assert abs(Decimal(mine["total_minutes"]) - Decimal(str(expected))) < Decimal("0.1")


def test_week_report_text_and_a_bad_week(home: Path) -> None:
    done = vardia(home, "report", "--week", "2026-W10")
    assert done.returncode == 0, done.stderr
    assert "Week 02 Mar – 08 Mar 2026" in done.stdout
    bad = vardia(home, "report", "--week", "2026-10")
    assert bad.returncode == 2
    assert "YYYY-Www" in bad.stderr


def test_statement_lines_show_the_billed_minutes_in_text_json_and_csv(home: Path) -> None:
    customer = HISTORY.customers[0]
    args = ("statement", "--customer", customer.id, "--month", "2026-03")
    data = json.loads(vardia(home, *args, "--json").stdout)
    mine = month_sessions(customer.id, "2026-03")
    billed = [s.quote.billable_minutes for s in mine]
    assert [Decimal(str(ln["billable_minutes"])) for ln in data["lines"]] == billed
    minute_fields = ("in_hours_minutes", "after_hours_minutes", "billable_minutes")
    assert all(isinstance(ln[f], int | float) for ln in data["lines"] for f in minute_fields)
    assert all(isinstance(ln["amount"], str) for ln in data["lines"])
    assert data["totals"]["billable_minutes"] == sum(int(b) for b in billed)
    text = vardia(home, *args).stdout
    assert "Billed" in text and f"{int(billed[0])} min" in text
    sheet = vardia(home, *args, "--csv").stdout.removeprefix("\ufeff")
    rows = list(csv.DictReader(io.StringIO(sheet)))
    assert [Decimal(r["billable_minutes"]) for r in rows if r["line"] == "session"] == billed


def test_statement_and_quote_minutes_are_the_same_json_type(home: Path) -> None:
    quote = json.loads(
        vardia(
            home, "quote", "--plan", "free", "--channel", "phone", "--json",
            "--segment", "2026-11-23T10:00+02:00/2026-11-23T10:00:18+02:00",
        ).stdout
    )  # fmt: skip
    line = json.loads(
        vardia(
            home, "statement", "--customer", HISTORY.customers[0].id, "--month", "2026-03",
            "--json",
        ).stdout
    )["lines"][0]  # fmt: skip
    assert type(quote["billable_minutes"]) is type(line["billable_minutes"]) is int
    assert vardia(
        home, "quote", "--plan", "free", "--channel", "phone",
        "--segment", "2026-11-23T10:00+02:00/2026-11-23T10:00:18+02:00",
    ).stdout.splitlines()[0].endswith("15 min billed")  # fmt: skip


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ζαχαροπλαστεία Ηλιόπουλος", "ζαχαροπλαστεια-ηλιοπουλοσ"),
        ("A/B  & Co.", "a-b-co"),
        ("", "customer"),
    ],
)
def test_statement_file_names_are_readable_slugs(name: str, expected: str) -> None:
    assert slug(name) == expected


def test_a_technician_without_sessions_is_said_so(home: Path) -> None:
    done = vardia(home, "report", "--week", "2026-W10", "--technician", "nobody")
    assert done.returncode == 0
    assert "No sessions for nobody in 2026-W10" in done.stderr and done.stdout == ""


def test_a_device_without_a_server_prints_the_document_as_a_numberless_draft(
    home: Path, tmp_path: Path
) -> None:
    customer = HISTORY.customers[0]
    config = home / "config"
    config.mkdir(exist_ok=True)
    (config / "letterhead.toml").write_text('name = "Πληροφορική Αιγαίου Α.Ε."\n', "utf-8")
    target = tmp_path / "statement.html"
    args = ("statement", "--customer", customer.id, "--month", "2026-03")
    done = vardia(home, "--lang", "el", *args, "--html", "--output", str(target))
    assert done.returncode == 0, done.stderr
    page = target.read_text("utf-8")
    data = json.loads(vardia(home, *args, "--json").stdout)
    assert data["document"] is None
    assert "Πληροφορική Αιγαίου Α.Ε." in page and customer.name in page
    assert "Προσωρινό πρόχειρο, χωρίς αριθμό" in page
    total = Decimal(data["totals"]["total"])
    assert f"{total:,.2f} €".replace(",", "X").replace(".", ",").replace("X", ".") in page
    (config / "letterhead.toml").unlink()


def test_the_text_statement_fits_80_columns_with_its_headers_whole(home: Path) -> None:
    customer = HISTORY.customers[0]
    args = ("statement", "--customer", customer.id, "--month", "2026-03")
    for lang in ("en", "el"):
        text = vardia(home, "--lang", lang, *args).stdout
        lines = text.splitlines()
        assert max(len(line) for line in lines) <= 80, lang
        header = next(line for line in lines if line.split()[:1] in (["Day"], ["Ημέρα"]))
        assert "…" not in header
    assert len([line for line in lines if line.startswith("       ")]) >= len(
        month_sessions(customer.id, "2026-03")
    )


def test_a_long_greek_subject_is_cut_with_an_ellipsis_never_wrapped(home: Path) -> None:
    from core.documents import statement_text
    from core.statements import load_statement

    with Store.open(home, read_only=True) as store:
        built = load_statement(store, RULES, HISTORY.customers[0].id, Month(2026, 3))
    subject = "Η μισθοδοσία δεν υπολογίζει τις υπερωρίες της Κυριακής και το δώρο Χριστουγέννων"
    long = built.model_copy(
        update={
            "lines": tuple(
                ln.model_copy(update={"incident_subject": subject}) for ln in built.lines
            )
        }
    )
    lines = statement_text(long, RULES.plans, TZ).splitlines()
    assert max(len(line) for line in lines) <= 80
    cut = [line for line in lines if line.startswith("       Η μισθοδοσία")]
    assert len(cut) == len(built.lines) and all(line.endswith("…") for line in cut)
