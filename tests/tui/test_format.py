"""tui.format in both languages: English as it always read, Greek with CLDR names."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from core.i18n import language, use
from core.models import Channel
from tui.format import (
    CHANNEL_LABELS,
    cents,
    clock_at,
    countdown,
    date_text,
    duration,
    figure,
    fit,
    ledger_age,
    long_at,
    money,
    month_name,
    numeric_at,
    short_at,
    table,
    weekday_date,
    weekday_day,
)

# Monday 23 Nov 2026, 17:30 in Athens.
AT = datetime(2026, 11, 23, 15, 30, 5, tzinfo=UTC)


@pytest.fixture(params=["en", "el"])
def lang(request: pytest.FixtureRequest) -> Iterator[str]:
    before = language()
    use(request.param)
    yield request.param
    use(before)


EXPECTED = {
    "en": {
        "money": "1234.57 €",
        "small": "0.50 €",
        "negative": "-12.00 €",
        "figure": "1234.57",
        "short_at": "Mon 23 Nov 17:30",
        "clock_at": "Mon 23 Nov 17:30:05",
        "long_at": "Mon 2026-11-23 17:30",
        "numeric_at": "Mon 23/11 17:30",
        "weekday_day": "Sun 29",
        "weekday_date": "Sun 29/11",
        "date": "2026-11-29",
        "countdown": ["2h 14m", "-35m 08s", "3d 04h"],
        "duration": ["2 hours 5 minutes", "1 hour", "1 minute", "0 minutes"],
        "channel": "on site",
        "ledger_age": ["ledger as of 17:30", "ledger as of 21 Nov 14:02"],
        "month": "November 2026",
    },
    "el": {
        "money": "1.234,57 €",
        "small": "0,50 €",
        "negative": "-12,00 €",
        "figure": "1.234,57",
        "short_at": "Δευ 23/11 17:30",
        "clock_at": "Δευ 23/11 17:30:05",
        "long_at": "Δευ 23/11/2026 17:30",
        "numeric_at": "Δευ 23/11 17:30",
        "weekday_day": "Κυρ 29",
        "weekday_date": "Κυρ 29/11",
        "date": "29/11/2026",
        "countdown": ["2ώ 14λ", "-35λ 08δ", "3η 04ώ"],
        "duration": ["2 ώρες 5 λεπτά", "1 ώρα", "1 λεπτό", "0 λεπτά"],
        "channel": "επί τόπου",
        "ledger_age": ["καρτέλα 17:30", "καρτέλα 21 Νοε 14:02"],
        "month": "Νοέμβριος 2026",
    },
}


def test_money_reads_as_the_language_writes_it(lang: str) -> None:
    assert money(Decimal("1234.565")) == EXPECTED[lang]["money"]
    assert money(Decimal("0.5")) == EXPECTED[lang]["small"]
    assert money(Decimal("-12")) == EXPECTED[lang]["negative"]
    assert figure(Decimal("1234.565")) == EXPECTED[lang]["figure"]


def test_json_cents_are_the_same_in_every_language(lang: str) -> None:
    assert cents(Decimal("1234.565")) == "1234.57"


def test_instants_and_days_carry_the_languages_names(lang: str) -> None:
    assert short_at(AT) == EXPECTED[lang]["short_at"]
    assert clock_at(AT) == EXPECTED[lang]["clock_at"]
    assert long_at(AT) == EXPECTED[lang]["long_at"]
    assert numeric_at(AT) == EXPECTED[lang]["numeric_at"]
    assert weekday_day(date(2026, 11, 29)) == EXPECTED[lang]["weekday_day"]
    assert weekday_date(date(2026, 11, 29)) == EXPECTED[lang]["weekday_date"]
    assert date_text(date(2026, 11, 29)) == EXPECTED[lang]["date"]


def test_the_ledgers_age_and_a_month_carry_the_languages_names(lang: str) -> None:
    earlier = datetime(2026, 11, 21, 12, 2, tzinfo=UTC)  # 14:02 in Athens
    assert [ledger_age(at, AT) for at in (AT, earlier)] == EXPECTED[lang]["ledger_age"]
    assert month_name(date(2026, 11, 1)) == EXPECTED[lang]["month"]


def test_every_weekday_has_a_greek_name() -> None:
    before = language()
    use("el")
    try:
        names = [weekday_day(date(2026, 11, 23) + timedelta(days=d))[:3] for d in range(7)]
    finally:
        use(before)
    assert names == ["Δευ", "Τρί", "Τετ", "Πέμ", "Παρ", "Σάβ", "Κυρ"]


def test_countdowns_fit_their_column(lang: str) -> None:
    deltas = [timedelta(hours=2, minutes=14), -timedelta(minutes=35, seconds=8)]
    deltas.append(timedelta(days=3, hours=4))
    shown = [countdown(d) for d in deltas]
    assert shown == EXPECTED[lang]["countdown"]
    assert all(len(text) <= 8 for text in shown)


def test_durations_in_words_with_their_plurals(lang: str) -> None:
    assert [duration(m) for m in (125, 60, 1, 0)] == EXPECTED[lang]["duration"]


def test_labels_follow_the_language(lang: str) -> None:
    assert CHANNEL_LABELS[Channel.ONSITE] == EXPECTED[lang]["channel"]


def test_a_cell_is_one_line_cut_with_an_ellipsis() -> None:
    assert fit("Printer\n  offline   again", 40) == "Printer offline again"
    assert fit("Ο εκτυπωτής δεν βλέπει το δίκτυο", 12) == "Ο εκτυπωτής…"


def test_a_table_never_passes_its_width_whatever_the_cells() -> None:
    rows = [["x" * 50, "y" * 50, "z" * 50]] * 3
    lines = table(["a", "b", "c"], rows, width=40).splitlines()
    assert lines[0].split() == ["a", "b", "c"] and len(lines) == 4
    assert all(len(line) <= 40 for line in lines)
