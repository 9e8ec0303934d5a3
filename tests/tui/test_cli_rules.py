"""``vardia quote`` and ``vardia sla``: the spec's worked examples, the table, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from tui.__main__ import cli

MON = "2026-11-23T"
SPAN = f"{MON}17:30+02:00/{MON}18:30+02:00"


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    runner = CliRunner(env={"VARDIA_HOME": str(tmp_path)})

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(cli, list(args))

    return invoke


@pytest.mark.parametrize(
    ("args", "net", "vat", "total", "included"),
    [
        (["--plan", "free", "--channel", "phone"], "55.00", "13.20", "68.20", 0),
        (
            ["--plan", "basic", "--channel", "remote", "--included-used", "3.5"],
            "30.00",
            "7.20",
            "37.20",
            0.5,
        ),
        (["--plan", "basic", "--channel", "phone"], "0.00", "0.00", "0.00", 0),
    ],
)
def test_quote_reproduces_the_worked_examples(
    run, args: list[str], net: str, vat: str, total: str, included: float
) -> None:  # type: ignore[no-untyped-def]
    result = run("quote", *args, "--segment", SPAN, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["net"], data["vat"], data["total"]) == (net, vat, total)
    assert (data["in_hours_minutes"], data["after_hours_minutes"], data["billable_minutes"]) == (
        30,
        30,
        60,
    )
    assert data["included_hours_debited"] == included
    assert all(
        set(line) == {"kind", "label", "minutes", "rate", "amount"} for line in data["lines"]
    )


@pytest.mark.parametrize(
    ("plan", "warn_at", "deadline"),
    [
        ("business", "2026-11-23T11:00:00+02:00", "2026-11-23T17:00:00+02:00"),
        ("basic", "2026-11-24T05:00:00+02:00", "2026-11-24T17:00:00+02:00"),
        ("free", "2026-11-24T17:00:00+02:00", "2026-11-27T17:00:00+02:00"),
    ],
)
def test_sla_reproduces_the_worked_examples(run, plan: str, warn_at: str, deadline: str) -> None:  # type: ignore[no-untyped-def]
    # The same instant written in UTC: the answer is in Athens time all the same.
    result = run("sla", "--plan", plan, "--opened", "2026-11-20T15:00Z", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["warn_at"], data["deadline"]) == (warn_at, deadline)


def test_quote_table_shows_why(run) -> None:  # type: ignore[no-untyped-def]
    result = run(
        "quote", "--plan", "free", "--channel", "phone", "--credit", "20",
        "--segment", f"{MON}11:00+02:00/{MON}11:20+02:00",
        "--segment", f"{MON}17:50+02:00/{MON}18:00+02:00",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Free, phone: 30 min in hours, 0 min after hours, 30 min billed"
    assert "phone in hours, 30 min" in lines[2] and lines[2].endswith("25.00")
    # Net, VAT, total, the (net) credit, the VAT the credit spares, due: they add up.
    figures = [line.split()[-1] for line in lines[-6:]]
    assert figures == ["25.00", "6.00", "31.00", "-20.00", "-4.80", "6.20"]


def test_an_amount_typed_with_a_half_cent_is_rounded_half_up_and_the_figures_add_up(run) -> None:  # type: ignore[no-untyped-def]
    args = ["quote", "--plan", "free", "--channel", "phone", "--segment", SPAN, "--credit", "0.125"]
    data = json.loads(run(*args, "--json").stdout)
    text = run(*args).stdout.splitlines()

    assert (data["credit_debited"], data["total"], data["due"]) == ("0.13", "68.20", "68.04")
    total, credit, spared, due = (Decimal(line.split()[-1]) for line in text[-4:])
    assert (total, credit, due) == (Decimal("68.20"), Decimal("-0.13"), Decimal("68.04"))
    assert total + credit + spared == due


def test_sla_table(run) -> None:  # type: ignore[no-untyped-def]
    result = run("sla", "--plan", "business", "--opened", "2026-11-20T17:00+02:00")
    assert result.stdout.splitlines() == [
        "business, opened Fri 2026-11-20 17:00 (working_days clock)",
        "  warn at     Mon 2026-11-23 11:00",
        "  deadline    Mon 2026-11-23 17:00",
    ]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["quote", "--plan", "gold", "--channel", "phone", "--segment", SPAN], "no plan 'gold'"),
        (["quote", "--plan", "free", "--channel", "fax", "--segment", SPAN], "no channel 'fax'"),
        (
            ["quote", "--plan", "free", "--channel", "phone", "--segment",
             f"{MON}18:30+02:00/{MON}17:30+02:00"],
            "is before the start",
        ),
        (
            ["quote", "--plan", "free", "--channel", "phone", "--segment", SPAN,
             "--segment", f"{MON}18:00+02:00/{MON}19:00+02:00"],
            "overlap",
        ),
        (
            ["quote", "--plan", "free", "--channel", "phone", "--segment",
             "2027-03-28T03:30/2027-03-28T05:00"],
            "does not exist in Europe/Athens: the clocks skip that hour",
        ),
        (
            ["quote", "--plan", "free", "--channel", "phone", "--segment", "23/11/2026 17:30"],
            "is not START/END",
        ),
        (
            ["quote", "--plan", "free", "--channel", "phone", "--segment",
             f"{MON}17:30+02:00/tomorrow"],
            "is not a date and time; write e.g. 14:00, yesterday 14:00",
        ),
        (
            ["quote", "--plan", "free", "--channel", "phone", "--segment", SPAN,
             "--credit", "lots"],
            "(--credit) 'lots' is not a number",
        ),
        (
            ["quote", "--plan", "free", "--channel", "phone", "--segment", SPAN,
             "--included-used", "1e1000000"],
            "included hours used must be between 0 and 8784 hours",
        ),
        (
            ["quote", "--plan", "free", "--channel", "onsite", "--out-of-town", "--segment", SPAN,
             "--travel", "1e26"],
            "travel expense (--travel) is above the ceiling of 2,000.00 €",
        ),
        (
            ["quote", "--plan", "free", "--channel", "onsite", "--segment", SPAN,
             "--lodging", "-1e9"],
            "lodging expense (--lodging) cannot be negative",
        ),
        (
            ["quote", "--plan", "free", "--channel", "onsite", "--segment", SPAN,
             "--parking", "Infinity"],
            "(--parking) 'Infinity' is not a number",
        ),
        (
            ["quote", "--plan", "free", "--channel", "phone", "--segment", SPAN,
             "--travel", "30"],
            "Only an on-site session carries travel, parking or lodging",
        ),
        (
            ["quote", "--plan", "free", "--channel", "phone", "--segment", SPAN,
             "--credit", "1e30"],
            "prepaid credit (--credit) is above the ceiling",
        ),
        (
            ["quote", "--plan", "free", "--channel", "phone", "--segment",
             "0001-01-01T10:00+02:00/0001-01-01T11:00+02:00"],
            "segment start 0001-01-01T10:00:00+02:00 is outside the dates vardia accepts",
        ),
        (
            ["quote", "--plan", "free", "--channel", "phone", "--segment",
             "9999-12-31T10:00+02:00/9999-12-31T11:00+02:00"],
            "segment start 9999-12-31T10:00:00+02:00 is outside the dates vardia accepts",
        ),
        (
            ["quote", "--plan", "free", "--channel", "phone", "--segment",
             "2026-11-23T10:00+02:00/9999-12-31T23:00-05:00"],
            "segment end 9999-12-31T23:00:00-05:00 is outside the dates vardia accepts",
        ),
        (
            ["quote", "--plan", "free", "--channel", "phone", "--segment",
             f"{MON}10:00+02:00/2026-11-25T10:00+02:00"],
            "lasts more than 24 hours",
        ),
        (["sla", "--plan", "free", "--opened", "9999-12-31T23:59+02:00"], "outside the dates"),
        (["sla", "--plan", "free", "--opened", "0001-01-01T00:00+02:00"], "outside the dates"),
        (["sla", "--plan", "free", "--opened", "2026-13-45T10:00+02:00"], "is not a date and time"),
        (["sla", "--plan", "free", "--opened", "24:10"], "or 2026-11-23 14:00"),
        (["sla", "--plan", "free", "--opened", "0001-01-01T00:00"], "outside the dates"),
        (["sla", "--plan", "free", "--opened", "9999-12-31T23:59"], "outside the dates"),
        (["sla", "--plan", "gold", "--opened", "2026-11-20T10:00Z"], "no plan 'gold'"),
    ],
)  # fmt: skip
def test_bad_input_is_one_sentence_and_status_2(run, args: list[str], says: str) -> None:  # type: ignore[no-untyped-def]
    result = run(*args)
    assert result.exit_code == 2
    assert says in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_broken_price_list_is_named(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "plans.toml").write_text("[plans.free.channels.phone]\nrate = -5\n")
    result = run("quote", "--plan", "free", "--channel", "phone", "--segment", SPAN)
    assert result.exit_code == 1  # nothing was mistyped: a file must be fixed (SPEC §10)
    assert "plans.toml: plan 'free', field 'channels.phone.rate'" in result.stderr


def test_the_bounds_are_the_vendors_to_change(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "bounds.toml").write_text('expense_ceiling = "5000"\n')
    args = ["quote", "--plan", "free", "--channel", "onsite", "--out-of-town", "--segment", SPAN]

    assert run(*args, "--travel", "3000").exit_code == 0
    refused = run(*args, "--travel", "6000")
    assert refused.exit_code == 2 and "ceiling of 5,000.00 €" in refused.stderr
    (tmp_path / "config" / "bounds.toml").write_text("max_segments = 0\n")
    broken = run(*args)
    assert broken.exit_code == 1 and "bounds.toml: field 'max_segments'" in broken.stderr


def test_a_real_process(tmp_path: Path) -> None:
    env = {**os.environ, "VARDIA_HOME": str(tmp_path), "TZ": "America/New_York"}
    done = subprocess.run(
        [sys.executable, "-m", "tui", "quote", "--plan", "free", "--channel", "phone",
         "--segment", SPAN, "--json"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total"] == "68.20"
    failed = subprocess.run(
        [sys.executable, "-m", "tui", "sla", "--plan", "free", "--opened", "noon"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert failed.returncode == 2
    assert failed.stderr.startswith("vardia: The opening time 'noon' is not a date and time")
    assert "Traceback" not in failed.stderr
    absurd = subprocess.run(
        [sys.executable, "-m", "tui", "quote", "--plan", "free", "--channel", "phone",
         "--segment", SPAN, "--included-used", "1e1000000"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert absurd.returncode == 2 and "Traceback" not in absurd.stderr
    assert absurd.stderr.count("\n") == 1


def test_a_time_without_an_offset_is_athens_wall_time(run) -> None:  # type: ignore[no-untyped-def]
    def quoted(*segment: str) -> str:
        result = run(
            "quote", "--plan", "free", "--channel", "phone", "--segment", *segment, "--json"
        )
        assert result.exit_code == 0, result.stderr
        return str(result.stdout)

    # 23 November is winter time (+02:00), 1 July summer time (+03:00).
    assert quoted(f"{MON}17:30/{MON}18:30") == quoted(f"{MON}17:30+02:00/{MON}18:30+02:00")
    summer = "2026-07-01T"
    assert quoted(f"{summer}17:30/{summer}18:30") == quoted(
        f"{summer}17:30+03:00/{summer}18:30+03:00"
    )
