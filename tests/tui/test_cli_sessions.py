"""``vardia session``: work added by hand, edits and deletions with a reason, the history."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.tui.test_cli_desk import home, run, run_json

__all__ = ["home"]


def _incident() -> str:
    return str(run_json("queue")[0]["ref"])


def test_work_added_by_hand_keeps_its_reason_and_is_queued_like_a_stopped_timer(
    home: Path,
) -> None:
    ref = _incident()
    pending = run_json("status")["pending"]
    added = run_json(
        "session", "add", ref, "--channel", "phone",
        "--segment", "yesterday 14:00/yesterday 14:40", "--reason", "ξέχασα το χρονόμετρο",
    )  # fmt: skip
    assert run_json("status")["pending"] == pending + 1
    assert added["provisional"] is True and len(added["short_id"]) == 6
    [entry] = added["history"]
    assert entry["reason"] == "ξέχασα το χρονόμετρο" and entry["by"] == "ελένη"
    assert entry["old"]["segments"] == [] and len(entry["new"]["segments"]) == 1
    listed = run("session", "list", ref)
    assert added["short_id"] in listed.stdout and "+" in listed.stdout
    assert all(len(line) <= 80 for line in listed.stdout.splitlines())


def test_a_reason_is_required_in_one_sentence_with_status_2(home: Path) -> None:
    ref = _incident()
    for args in (
        ("session", "add", ref, "--channel", "phone", "--segment", "9:00/9:30"),
        ("session", "edit", "abcdef", "--segment", "9:00/9:30"),
        ("session", "delete", "abcdef", "--reason", "  "),
    ):
        failed = run(*args)
        assert failed.exit_code == 2
        assert failed.stderr.startswith("vardia: Say why") and failed.stderr.count("\n") == 1


def test_an_edit_and_a_delete_are_kept_in_the_history_old_to_new(home: Path) -> None:
    ref = _incident()
    added = run_json(
        "session", "add", ref, "--channel", "phone",
        "--segment", "yesterday 9:00/yesterday 10:00", "--reason", "forgot",
    )  # fmt: skip
    short = added["short_id"]
    edited = run_json(
        "session", "edit", short, "--segment", "yesterday 9:00/yesterday 9:20",
        "--channel", "remote", "--reason", "it was twenty minutes",
    )  # fmt: skip
    change = edited["history"][-1]
    assert (change["old"]["channel"], change["new"]["channel"]) == ("phone", "remote")
    assert change["old"]["segments"][0]["end"].startswith(added["segments"][0]["end"][:16])
    deleted = run_json("session", "delete", short, "--reason", "counted twice")
    assert Decimal(deleted["quote"]["net"]) == 0 == Decimal(deleted["quote"]["billable_minutes"])
    assert [h["reason"] for h in deleted["history"]] == [
        "forgot",
        "it was twenty minutes",
        "counted twice",
    ]
    shown = run("session", "show", short[-4:])
    assert shown.exit_code == 0
    assert "counted twice" in shown.stdout and "phone → remote" in shown.stdout
    assert "→ no time" in shown.stdout
    assert "✖" in run("session", "list", ref).stdout


def test_overlapping_sessions_are_saved_with_a_warning_and_marked_on_the_statement(
    home: Path,
) -> None:
    ref = _incident()
    first = run_json(
        "session", "add", ref, "--channel", "phone",
        "--segment", "yesterday 9:00/yesterday 10:00", "--reason", "forgot",
    )  # fmt: skip
    second = run(
        "session", "add", ref, "--channel", "phone",
        "--segment", "yesterday 9:30/yesterday 9:45", "--reason", "forgot too",
    )  # fmt: skip
    assert second.exit_code == 0
    assert (
        "overlaps 1 other session of ελένη" in second.stderr and first["short_id"] in second.stderr
    )
    customer = run_json("incident", "show", ref)["customer_id"]
    month = first["segments"][0]["start"][:7]
    statement = run_json("statement", "--customer", customer, "--month", month)
    marked = [ln for ln in statement["lines"] if ln["overlaps"]]
    assert {ln["session_id"] for ln in marked} >= {first["id"]} and len(marked) >= 2
    text = run("statement", "--customer", customer, "--month", month).stdout
    assert "overlaps another session of the same technician" in text


def test_times_that_cannot_be_are_one_sentence_with_status_2(home: Path) -> None:
    ref = _incident()
    add = ("session", "add", ref, "--channel", "phone", "--reason", "x", "--segment")
    for segment, says in (
        ("yesterday 10:00/yesterday 9:00", "is before the start"),
        ("Fri 9:00/someday", "is not a date and time"),
        ("9:00", "is not START/END"),
    ):
        failed = run(*add, segment)
        assert failed.exit_code == 2 and says in failed.stderr, failed.stderr
    ahead = run(*add, "2099-01-01 10:00/2099-01-01 11:00")
    assert ahead.exit_code == 2 and "is still to come" in ahead.stderr


def test_a_session_id_too_short_or_unknown_is_one_sentence(home: Path) -> None:
    assert "at least 4 characters" in run("session", "show", "abc").stderr
    unknown = run("session", "show", "zzzzzz")
    assert unknown.exit_code == 2 and "No session id ends in" in unknown.stderr
