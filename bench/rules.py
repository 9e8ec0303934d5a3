"""Quotes and deadlines per second on generated sessions, against the per-minute oracle."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bench.common import per_second
from core.models import Channel, Segment
from core.pricing import price_session
from core.rules import Rules, load_rules
from core.sla import targets
from tests.core.oracle import OracleCalendar

SESSIONS = 2_000
OPENINGS = 2_000
ORACLE_SAMPLE = 60  # the oracle walks minute by minute: a sample is enough for a rate
_START = datetime(2024, 1, 1, tzinfo=UTC)
_SPAN_MINUTES = 6 * 365 * 24 * 60

Job = tuple[str, Channel, list[Segment], Decimal]


def _sessions(rules: Rules, count: int, rng: random.Random) -> list[Job]:
    """Sessions of one to four segments with pauses, on any plan and offered channel."""
    jobs = []
    for _ in range(count):
        plan = rng.choice(sorted(rules.plans))
        channel = rng.choice([c for c, t in rules.plans[plan].channels.items() if t.offered])
        at = _START + timedelta(minutes=rng.randrange(_SPAN_MINUTES))
        segments = []
        for _segment in range(rng.randint(1, 4)):
            end = at + timedelta(minutes=rng.randint(5, 120))
            segments.append(Segment(start=at, end=end))
            at = end + timedelta(minutes=rng.randint(0, 90))
        jobs.append((plan, channel, segments, Decimal(rng.randint(0, 16)) / 2))
    return jobs


def _openings(rules: Rules, count: int, rng: random.Random) -> list[tuple[str, datetime]]:
    return [
        (
            rng.choice(sorted(rules.plans)),
            _START + timedelta(minutes=rng.randrange(_SPAN_MINUTES)),
        )
        for _ in range(count)
    ]


def _quote_all(rules: Rules, jobs: list[Job]) -> list[object]:
    return [
        price_session(rules, plan, channel, segments, included_used_hours=used)
        for plan, channel, segments, used in jobs
    ]


def _deadlines(rules: Rules, openings: list[tuple[str, datetime]]) -> list[object]:
    return [targets(rules, plan, opened) for plan, opened in openings]


def run() -> dict[str, object]:
    rng = random.Random(20261123)
    rules = load_rules()
    oracle = dataclasses.replace(rules, calendar=OracleCalendar(rules.calendar.config))
    jobs = _sessions(rules, SESSIONS, rng)
    openings = _openings(rules, OPENINGS, rng)
    sample_jobs, sample_openings = jobs[:ORACLE_SAMPLE], openings[:ORACLE_SAMPLE]

    # The fast rules must agree with the oracle before their speed means anything.
    if _quote_all(rules, sample_jobs) != _quote_all(oracle, sample_jobs):
        raise SystemExit("bench rules: the calendar disagrees with the per-minute oracle on quotes")
    if _deadlines(rules, sample_openings) != _deadlines(oracle, sample_openings):
        raise SystemExit("bench rules: the calendar disagrees with the oracle on deadlines")

    quotes = per_second(lambda: _quote_all(rules, jobs), len(jobs))
    oracle_quotes = per_second(lambda: _quote_all(oracle, sample_jobs), len(sample_jobs), 1)
    deadlines = per_second(lambda: _deadlines(rules, openings), len(openings))
    oracle_deadlines = per_second(lambda: _deadlines(oracle, sample_openings), ORACLE_SAMPLE, 1)
    return {
        "sessions": len(jobs),
        "openings": len(openings),
        "oracle_sample": ORACLE_SAMPLE,
        "quotes_per_second": round(quotes),
        "oracle_quotes_per_second": round(oracle_quotes, 1),
        "quotes_speedup_vs_oracle": round(quotes / oracle_quotes, 1),
        "deadlines_per_second": round(deadlines),
        "oracle_deadlines_per_second": round(oracle_deadlines, 1),
        "deadlines_speedup_vs_oracle": round(deadlines / oracle_deadlines, 1),
    }
