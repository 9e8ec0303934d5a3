"""The real ``vardia`` and ``vardia-server`` in Greek: help and messages, the same JSON numbers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

SPAN = "2026-11-23T17:30+02:00/2026-11-23T19:05+02:00"
QUOTE = ["quote", "--plan", "basic", "--channel", "onsite", "--segment", SPAN]


def _run(
    tmp_path: Path, *args: str, entry: str = "tui.__main__", **environ: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VARDIA_LANG", "LC_ALL", "LANG")}
    env |= {"VARDIA_HOME": str(tmp_path), "LANG": "C.UTF-8", **environ}
    return subprocess.run(
        [sys.executable, "-c", f"from {entry} import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "environ"),
    [
        (["--lang", "el", "--help"], {}),
        (["--help"], {"LANG": "el_GR.UTF-8"}),
        (["--help"], {"LANG": "C.UTF-8", "VARDIA_LANG": "el"}),
    ],
)
def test_the_help_speaks_greek_when_asked(
    tmp_path: Path, args: list[str], environ: dict[str, str]
) -> None:
    shown = _run(tmp_path, *args, **environ).stdout
    assert "ο πάγκος του τεχνικού υποστήριξης σε βάρδια" in shown
    assert "Τιμολόγηση συνεδρίας" in shown


def test_lang_en_overrides_a_greek_locale(tmp_path: Path) -> None:
    shown = _run(tmp_path, "--lang", "en", "--help", LANG="el_GR.UTF-8").stdout
    assert "the on-call support technician's desk" in shown


def _without_labels(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_labels(v) for k, v in value.items() if k != "label"}
    if isinstance(value, list):
        return [_without_labels(v) for v in value]
    return value


def test_a_greek_quote_reads_greek_numbers_and_its_json_numbers_stay_plain(
    tmp_path: Path,
) -> None:
    greek = _run(tmp_path, "--lang", "el", *QUOTE).stdout
    assert "ΦΠΑ" in greek and "," in greek
    english, in_greek = (
        orjson.loads(_run(tmp_path, "--lang", lang, *QUOTE, "--json").stdout)
        for lang in ("en", "el")
    )
    # Only the lines' labels are words; amounts and minutes are the same strings.
    assert _without_labels(in_greek) == _without_labels(english)
    assert in_greek["total"] == english["total"] and "," not in in_greek["total"]


def test_a_greek_quote_names_the_plan_in_greek_and_its_json_by_id(tmp_path: Path) -> None:
    maintenance = ["quote", "--plan", "maintenance", "--channel", "phone", "--segment", SPAN]
    shown = _run(tmp_path, "--lang", "el", *maintenance).stdout
    assert shown.startswith("Συντήρηση, "), shown
    assert "maintenance" not in shown
    found = orjson.loads(_run(tmp_path, "--lang", "el", *maintenance, "--json").stdout)
    assert found["plan"] == "maintenance"


def test_a_greek_quote_has_no_english_word_left(tmp_path: Path) -> None:
    free = ["quote", "--plan", "free", "--channel", "onsite", "--segment", SPAN, "--credit", "20"]
    shown = _run(tmp_path, "--lang", "el", *free).stdout
    # The channel by its Greek name in the heading and on each line, Greek units, a
    # decimal comma in the surcharge's weight, and the amount left to pay.
    assert shown.startswith("Free, επί τόπου: "), shown
    assert "επί τόπου εκτός ωραρίου" in shown and "× 1,2" in shown
    assert "λεπ." in shown and "/ώρα" in shown and "Πληρωτέο" in shown
    for english in ("onsite", " min", "/h", "Due", "1.2"):
        assert english not in shown, english


def test_the_server_speaks_greek_too(tmp_path: Path) -> None:
    shown = _run(tmp_path, "--lang", "el", "--help", entry="server.entry").stdout
    assert "ο διακομιστής συγχρονισμού" in shown


def test_a_greek_mistake_is_one_greek_sentence(tmp_path: Path) -> None:
    result = _run(
        tmp_path, "--lang", "el", "quote", "--plan", "gold", "--channel", "phone", "--segment", SPAN
    )
    assert result.returncode == 2
    assert "Δεν υπάρχει πακέτο 'gold'" in result.stderr
    assert "Traceback" not in result.stderr


def test_clicks_own_words_speak_greek_too(tmp_path: Path) -> None:
    shown = _run(tmp_path, "--lang", "el", "--help").stdout
    assert shown.startswith("Χρήση: ")
    assert "Επιλογές:" in shown and "Εμφάνιση αυτής της βοήθειας και έξοδος." in shown
    assert "Εμφάνιση της έκδοσης και έξοδος." in shown
    assert "Usage" not in shown and "Show this" not in shown and "Options" not in shown
    missing = _run(tmp_path, "--lang", "el", "statement", "--customer", "C-001")
    assert missing.returncode == 2
    assert "Λείπει η επιλογή '--month'" in missing.stderr and "Missing" not in missing.stderr
    unknown = _run(tmp_path, "--lang", "el", "queue", "--nope")
    assert "Δεν υπάρχει επιλογή '--nope'" in unknown.stderr
    required = _run(tmp_path, "--lang", "el", "statement", "--help").stdout
    assert "[υποχρεωτικό]" in required and "--output PATH" in required


def test_the_servers_click_words_speak_greek(tmp_path: Path) -> None:
    home = ["--home", str(tmp_path / "server")]
    missing = _run(tmp_path, "--lang", "el", *home, "credit", "add", entry="server.entry")
    assert missing.returncode == 2
    assert "Χρήση: vardia-server credit add [OPTIONS] CUSTOMER AMOUNT" in missing.stderr
    assert "Για βοήθεια: 'vardia-server credit add --help'." in missing.stderr
    assert "Σφάλμα: Λείπει το όρισμα 'CUSTOMER'." in missing.stderr
    shown = _run(tmp_path, "--lang", "el", "--help", entry="server.entry").stdout
    assert "--home DIRECTORY" in shown and "Εμφάνιση αυτής της βοήθειας" in shown


def test_clicks_words_stay_english_in_english(tmp_path: Path) -> None:
    shown = _run(tmp_path, "--help").stdout
    assert shown.startswith("Usage: ") and "Show this message and exit." in shown
    missing = _run(tmp_path, "statement", "--customer", "C-001")
    assert "Missing option '--month'" in missing.stderr
