"""The price list and billing settings: SPEC §3 defaults, vendor overrides, broken files."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from core.calendar import SlaClock
from core.errors import ConfigError, InputError
from core.models import Channel
from core.plans import Updates
from core.rules import load_rules

RULES = load_rules()
D = Decimal
PH, RE, OF, ON, WR = Channel


@pytest.mark.parametrize(
    ("plan", "rates", "included"),
    [
        ("free", {PH: 50, RE: 50, OF: 25, ON: 45, WR: 50}, {}),
        ("basic", {PH: 0, RE: 50, OF: 0, ON: 25, WR: 0}, {RE: 4}),
        ("business", {PH: 0, RE: 50, OF: 0, ON: 25, WR: 0}, {RE: 8}),
        ("maintenance", {PH: 50, RE: 50, OF: 25, ON: 45, WR: 0}, {}),
        ("premium-2", {PH: 50, RE: 50, OF: 25, ON: 45, WR: 0}, {}),
        ("premium-25", {PH: 50, RE: 50, OF: 25, ON: 45, WR: 0}, {}),
    ],
)
def test_default_channels(
    plan: str, rates: dict[Channel, int], included: dict[Channel, int]
) -> None:
    terms = RULES.plans[plan].channels
    assert {c: t.rate for c, t in terms.items()} == {c: D(r) for c, r in rates.items()}
    assert {c: t.included_hours for c, t in terms.items() if t.included_hours} == included


@pytest.mark.parametrize(
    ("plan", "clock", "warn", "deadline", "updates"),
    [
        ("free", SlaClock.SUPPORT_HOURS, 16, 40, Updates.NO),
        ("basic", SlaClock.WORKING_DAYS, 36, 48, Updates.YES),
        ("business", SlaClock.WORKING_DAYS, 18, 24, Updates.YES),
        ("maintenance", SlaClock.SUPPORT_HOURS, 16, 40, Updates.UNTIL_YEAR_END),
        ("premium-10", SlaClock.SUPPORT_HOURS, 16, 40, Updates.UNTIL_YEAR_END),
    ],
)
def test_default_sla(
    plan: str, clock: SlaClock, warn: int, deadline: int, updates: Updates
) -> None:
    found = RULES.plans[plan]
    assert (found.sla.clock, found.sla.warn, found.sla.deadline, found.sla.resolve) == (
        clock,
        timedelta(hours=warn),
        timedelta(hours=deadline),
        None,
    )
    assert found.updates is updates


def test_premium_packs_and_billing_defaults() -> None:
    assert [RULES.plans[f"premium-{n}"].premium_incidents for n in (2, 4, 10, 25)] == [2, 4, 10, 25]
    assert {RULES.plans[f"premium-{n}"].addon_to for n in (2, 4, 10, 25)} == {"maintenance"}
    assert RULES.plans["free"].prepaid_credit and RULES.plans["free"].credit_minimum_hours == 1
    billing = RULES.billing
    assert (billing.billing_unit, billing.after_hours_weight, billing.vat_rate) == (
        timedelta(minutes=15),
        D("1.2"),
        D("0.24"),
    )
    assert billing.out_of_office_fee == 0
    assert str(RULES.timezone) == "Europe/Athens"


def test_the_contract_year_is_the_calendar_year() -> None:
    basic = RULES.plans["basic"]
    assert (basic.contract_year(date(2026, 12, 31)), basic.contract_year(date(2027, 1, 1))) == (
        2026,
        2027,
    )


PLAN_LABELS = {
    "free": "Free",
    "basic": "Basic",
    "business": "Business",
    "maintenance": "Συντήρηση",
    "premium-2": "Premium 2",
    "premium-25": "Premium 25",
}


def test_plans_are_named_in_the_language_and_product_names_stay(greek: None) -> None:
    assert {plan: RULES.plans.label(plan) for plan in PLAN_LABELS} == PLAN_LABELS
    # A record may name a plan the configuration has since dropped: it shows as written.
    assert RULES.plans.label("gold-2019") == "gold-2019"


def test_english_shows_the_plans_names_not_their_ids() -> None:
    assert [RULES.plans.label(p) for p in ("maintenance", "premium-4", "free")] == [
        "Maintenance",
        "Premium 4",
        "Free",
    ]


def test_an_unknown_plan_names_the_known_ones() -> None:
    with pytest.raises(InputError, match="no plan 'gold'; use one of: free, basic"):
        RULES.plans.plan("gold")


def test_a_vendor_file_merges_into_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "plans.toml").write_text(
        "[billing]\nvat_rate = 0.13\nbilling_unit_minutes = 30\n"
        "[plans.basic.channels.remote]\nincluded_hours = 6\n"
        '[plans.gold]\nname = "Gold"\nchannels_from = "business"\n'
        'sla = { clock = "working_days", warn_hours = 4, deadline_hours = 8 }\n'
    )
    rules = load_rules(tmp_path)
    assert rules.billing.vat_rate == D("0.13")
    assert rules.plans["basic"].channels[RE].included_hours == 6
    assert rules.plans["basic"].channels[RE].rate == 50  # untouched default
    assert rules.plans["basic"].billing_unit == timedelta(minutes=30)
    assert rules.plans["gold"].channels[RE].included_hours == 8
    assert RULES.billing.vat_rate == D("0.24")  # the defaults are not changed


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        (
            "plans.toml",
            '[plans.basic.channels.remote]\nrate = "lots"\n',
            r"plans.toml: plan 'basic', field 'channels.remote.rate': input should be a valid dec",
        ),
        (
            "plans.toml",
            "[plans.basic.channels.fax]\nrate = 1\n",
            r"plan 'basic', field 'channels.fax.\[key\]'",
        ),
        (
            "plans.toml",
            "[plans.basic]\nwarranty = true\n",
            r"plan 'basic', field 'warranty': extra inputs are not permitted",
        ),
        (
            "plans.toml",
            '[plans.gold]\nname = "Gold"\n',
            r"plan 'gold', field 'sla': field required",
        ),
        (
            "plans.toml",
            "[plans.basic.sla]\nwarn_hours = 10\n",
            r"plan 'basic', field 'sla': give exactly one of warn_hours and warn_percent",
        ),
        (
            "plans.toml",
            '[plans.maintenance]\nchannels_from = "nothing"\n',
            r"plan 'maintenance', field 'channels_from': there is no plan 'nothing'",
        ),
        (
            "plans.toml",
            '[plans.free]\nchannels_from = "premium-2"\n',
            r"plan '.+', field 'channels_from': plans take channels from each other in a circle",
        ),
        ("plans.toml", "[billing]\nvat_rate = 24\n", r"field 'billing.vat_rate'"),
        ("plans.toml", "[plans.basic\n", r"plans.toml is not valid TOML"),
        (
            "calendar.toml",
            'timezone = "Europe/Atlantis"\n',
            r"calendar.toml: field 'timezone': 'Europe/Atlantis' is not a known time zone",
        ),
        ("calendar.toml", '[closure]\nstart = "02-30"\n', r"field 'closure.start'"),
        (
            "calendar.toml",
            '[support_hours]\ncloses = "09:00"\n',
            r"field 'support_hours': closes must be later than opens",
        ),
        ("calendar.toml", 'holidays_country = "XX"\n', r"no country 'XX'"),
    ],
)
def test_a_broken_file_names_the_file_the_plan_and_the_field(
    tmp_path: Path, file: str, text: str, message: str
) -> None:
    (tmp_path / file).write_text(text)
    with pytest.raises(ConfigError, match=message) as raised:
        load_rules(tmp_path)
    assert str(tmp_path / file) in str(raised.value)
    assert "\n" not in str(raised.value).strip()
