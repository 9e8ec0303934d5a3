"""Search text: accents and case folded, Greek names in their ELOT 743 Latin spelling."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.text import fold, latin_forms, transliterate


@pytest.mark.parametrize(
    ("greek", "latin"),
    [
        ("Σταθόπουλος", "stathopoulos"),  # θ → th, ου → ou, final ς → s
        ("ΣΤΑΘΟΠΟΥΛΟΣ", "stathopoulos"),
        ("Χαλκιδικής", "chalkidikis"),  # χ → ch
        ("Ψαροταβέρνα", "psarotaverna"),  # ψ → ps, β → v
        ("Μπακάλης", "bakalis"),  # μπ → b at the start of a word
        ("Λαμπράκης", "lamprakis"),  # … and mp inside it
        ("Ντόκος", "ntokos"),
        ("Άγγελος", "angelos"),  # γγ → ng
        ("Αγκίστρι", "agkistri"),  # γκ → gk
        ("Σφίγξ", "sfinx"),  # γξ → nx
        ("Μελαγχολία", "melancholia"),  # γχ → nch
        ("Ευαγγελίου", "evangeliou"),  # ευ → ev before a voiced sound
        ("Αυτοκινήτων", "aftokiniton"),  # αυ → af before a voiceless one
        ("Ηύρα", "ivra"),
        ("Ταΰγετος", "taygetos"),  # the diaeresis keeps α and υ apart
        ("Εύβοια", "evvoia"),
        ("Ωραίο ξενοδοχείο", "oraio xenodocheio"),
        ("Γραφείο 25ης Μαρτίου", "grafeio 25is martiou"),
        ("Office Ltd", "office ltd"),
    ],
)
def test_greek_is_written_in_latin_letters_by_elot_743(greek: str, latin: str) -> None:
    assert transliterate(greek) == latin


def test_mp_is_accepted_either_way() -> None:
    assert latin_forms("Μπακάλης Λαμπράκης") == {
        "bakalis lamprakis",
        "mpakalis lamprakis",
        "bakalis labrakis",
    }


GREEK = "αβγδεζηθικλμνξοπρσςτυφχψωάέήίόύώϊϋΐΰ "


@given(st.text(GREEK))
def test_every_greek_letter_becomes_latin_whatever_its_case(text: str) -> None:
    latin = transliterate(text)
    assert latin.isascii() and latin == transliterate(text.upper())


def test_fold_ignores_accents_and_case() -> None:
    assert fold("Φαρμακείο ΚΩΝΣΤΑΝΤΊΝΟΥ") == "φαρμακειο κωνσταντινου"
