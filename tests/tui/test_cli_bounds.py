"""Text typed on the command line keeps to the bounds: one sentence and status 2 if not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tui.__main__ import cli


@pytest.fixture
def ref(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An incident of the demo data, in a data directory of this test's own."""
    monkeypatch.setenv("VARDIA_HOME", str(tmp_path))
    assert _run("demo", "--seed-only").exit_code == 0
    return str(json.loads(_run("queue", "--json").stdout)[0]["ref"])


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["note", "{ref}", "a real \x00 character"], "note holds a NUL character"),
        (["note", "{ref}", "x" * 10_001], "note is 10,001 characters long"),
        (["assign", "{ref}", "y" * 101], "assignee is 101 characters long"),
    ],
    ids=["nul", "long-note", "long-name"],
)
def test_text_outside_the_bounds_is_one_sentence_and_status_2(
    ref: str, args: list[str], says: str
) -> None:
    before = json.loads(_run("status", "--json").stdout)["pending"]

    result = _run("incident", *(a.format(ref=ref) for a in args))

    assert result.exit_code == 2
    assert says in result.stderr and result.stderr.count("\n") == 1
    assert json.loads(_run("status", "--json").stdout)["pending"] == before


def test_the_typed_text_backslash_u0000_is_a_note_like_any_other(ref: str) -> None:
    typed = r"The log shows \u0000 where the name should be"

    assert _run("incident", "note", ref, typed).exit_code == 0

    shown = json.loads(_run("incident", "show", ref, "--json").stdout)
    assert shown["notes"][-1]["text"] == typed
