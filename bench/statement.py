"""A month's statement over 50,000 stored sessions, against ``watson report`` over as many frames.

Both run as subprocesses in the same run, so the ratio compares like with like: a process
that starts, reads its whole history from disk and prints one report. Watson is installed
in its own virtual environment (``bench/.venv-watson``, created on first use) so it never
enters vardia's dependencies.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import venv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import timed
from core.models import (
    Channel,
    Contract,
    Customer,
    Eligibility,
    Expenses,
    Incident,
    IncidentStatus,
    Segment,
    Session,
)
from core.pricing import price_session
from core.rules import Rules, load_rules
from core.store import Store

__all__ = ["History", "priced_history", "run"]

ATHENS = ZoneInfo("Europe/Athens")
SESSIONS = 50_000
CUSTOMERS = 500
REPEATS = 5
WATSON_VENV = Path(__file__).parent / ".venv-watson"

_PLANS: Sequence[tuple[str, str | None]] = (
    ("free", None),
    ("basic", None),
    ("business", None),
    ("maintenance", "premium-4"),
)
_NAMES = ("Λογιστικό Γραφείο Παπαδόπουλος", "Jewel Κοσμήματα", "Civil Μελετητική", "Φαρμακείο Ηλία")
_TECHNICIANS = ("nikos", "maria", "giorgos", "eleni")
_CHANNELS = (Channel.PHONE, Channel.REMOTE, Channel.REMOTE, Channel.OFFICE, Channel.ONSITE)


@dataclass(frozen=True)
class History:
    """Customers with their credit as it stands after the sessions, incidents and sessions."""

    customers: list[Customer]
    incidents: list[Incident]
    sessions: list[Session]


def priced_history(
    rules: Rules, *, customers: int, sessions: int, start: date, days: int, seed: int = 7
) -> History:
    """Sessions priced in order by the real rules, as the timer would have priced them.

    Included hours are drawn per contract year and channel, prepaid credit is debited,
    premium incidents are used while the pack lasts: what a statement must read back.
    """
    rnd = random.Random(seed)
    people = [
        Customer(
            id=f"c{i:04d}",
            name=f"{_NAMES[i % len(_NAMES)]} {i}",
            out_of_town=i % 7 == 0,
            contract=Contract(
                plan=_PLANS[i % len(_PLANS)][0],
                premium_pack=_PLANS[i % len(_PLANS)][1],
                valid_from=date(2000, 1, 1),
                valid_until=date(2099, 12, 31),
            ),
            prepaid_credit=Decimal(500) if _PLANS[i % len(_PLANS)][0] == "free" else Decimal(0),
        )
        for i in range(customers)
    ]
    first = datetime.combine(start, datetime.min.time(), ATHENS)
    starts = sorted(
        first
        + timedelta(days=rnd.randrange(days))
        + timedelta(hours=rnd.choice((8, 10, 11, 12, 14, 15, 16, 17, 17, 19, 22)))
        + timedelta(minutes=rnd.randrange(60))
        for _ in range(sessions)
    )
    credit = {c.id: c.prepaid_credit for c in people}
    used: dict[tuple[str, int, Channel], Decimal] = {}
    premium_used: dict[tuple[str, int], int] = {}
    incidents: list[Incident] = []
    found: list[Session] = []
    for n, began in enumerate(starts):
        customer = people[rnd.randrange(customers)]
        assert customer.contract is not None
        plan, pack = customer.contract.plan, customer.contract.premium_pack
        channel = rnd.choice(_CHANNELS)
        if plan == "maintenance":
            channel = Channel.PHONE if rnd.random() < 0.7 else Channel.WRITTEN
        end = began + timedelta(minutes=rnd.randrange(5, 150))
        segments = (Segment(start=began, end=end),)
        year = began.year
        covered = False
        if pack and channel is Channel.PHONE and rules.calendar.is_support_time(began):
            count = premium_used.get((customer.id, year), 0)
            if count < rules.plans.plan(pack).premium_incidents:
                premium_used[(customer.id, year)] = count + 1
                covered = True
        out_of_town = customer.out_of_town and channel is Channel.ONSITE
        quote = price_session(
            rules,
            plan,
            channel,
            segments,
            included_used_hours=used.get((customer.id, year, channel), Decimal(0)),
            credit=credit[customer.id],
            premium_covered=covered,
            expenses=Expenses(travel=Decimal("18.40"), parking=Decimal(5)) if out_of_town else None,
            out_of_town=out_of_town,
        )
        key = (customer.id, year, channel)
        used[key] = used.get(key, Decimal(0)) + quote.included_hours_debited
        credit[customer.id] -= quote.credit_debited
        technician = _TECHNICIANS[n % len(_TECHNICIANS)]
        incident = Incident(
            id=f"i{n:06d}",
            ref=f"B-{n:06d}",
            customer_id=customer.id,
            subject=f"Αίτημα {n}: η εκτύπωση δεν βγαίνει",
            requested_via=channel,
            opened_at=began - timedelta(minutes=5),
            opened_by=technician,
            plan=plan,
            warn_at=began + timedelta(hours=12),
            deadline=began + timedelta(hours=24),
            first_response_at=began,
            status=IncidentStatus.CLOSED,
            assignee=technician,
            eligibility=Eligibility(contract_in_force=True, served_as=plan, premium_used=covered),
            updated_at=end,
        )
        incidents.append(incident)
        found.append(
            Session(
                id=f"s{n:06d}",
                incident_id=incident.id,
                customer_id=customer.id,
                technician=technician,
                device_id="bench",
                channel=channel,
                segments=segments,
                quote=quote,
                recorded_at=end,
            )
        )
    people = [c.model_copy(update={"prepaid_credit": credit[c.id]}) for c in people]
    return History(people, incidents, found)


def _timed(argv: Sequence[str], env: dict[str, str]) -> float:
    """The best wall time of a command over REPEATS runs; it must succeed."""
    return timed(
        lambda: subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL), REPEATS
    )


def _watson() -> Path:
    """The ``watson`` executable in its own venv, installed from PyPI on first use."""
    exe = WATSON_VENV / "bin" / "watson"
    if not exe.exists():
        venv.create(WATSON_VENV, with_pip=True)
        subprocess.run(
            [str(WATSON_VENV / "bin" / "pip"), "install", "--quiet", "td-watson"], check=True
        )
    return exe


def _watson_frames(sessions: Sequence[Session], folder: Path) -> None:
    """The same sessions as Watson frames: [start, stop, project, id, tags, updated]."""
    frames = [
        [
            int(s.segments[0].start.timestamp()),
            int(s.segments[-1].end.timestamp()),
            s.customer_id,
            s.id,
            [s.channel.value],
            int(s.recorded_at.timestamp()),
        ]
        for s in sessions
    ]
    (folder / "frames").write_text(json.dumps(frames))
    (folder / "state").write_text("{}")


def run() -> dict[str, object]:
    """Time both reports on the same 50,000 sessions; the ratio is watson ÷ vardia."""
    rules = load_rules(None)
    history = priced_history(
        rules, customers=CUSTOMERS, sessions=SESSIONS, start=date(2025, 6, 1), days=540
    )
    month, customer = "2026-03", history.sessions[-1].customer_id
    with tempfile.TemporaryDirectory(prefix="vardia-bench-") as tmp:
        home, watson_dir = Path(tmp) / "home", Path(tmp) / "watson"
        watson_dir.mkdir()
        with Store.open(home) as store:
            store.import_records(
                customers=history.customers,
                incidents=history.incidents,
                sessions=history.sessions,
            )
        _watson_frames(history.sessions, watson_dir)
        env = {**os.environ, "VARDIA_HOME": str(home), "WATSON_DIR": str(watson_dir)}
        vardia_s = _timed(
            [
                sys.executable,
                "-m",
                "tui",
                "statement",
                "--customer",
                customer,
                "--month",
                month,
                "--json",
            ],
            env,
        )
        watson_s = _timed(
            [str(_watson()), "report", "--from", "2026-03-01", "--to", "2026-03-31"], env
        )
    return {
        "sessions": SESSIONS,
        "month": month,
        "vardia_statement_s": round(vardia_s, 3),
        "watson_report_s": round(watson_s, 3),
        "ratio_watson_over_vardia": round(watson_s / vardia_s, 2),
        "budget": "faster than watson report (ratio > 1)",
        "met": watson_s > vardia_s,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
