"""Prices a support session: split, round up, weigh after hours, draw included hours (SPEC §5).

The six steps, and how the spec was read where it leaves room:

1. Every segment is cut at support-hours edges; pauses between segments cost nothing.
2. The session's total is rounded up once to the plan's billing unit; the added time
   takes the class (in or after hours) of the last second of the last segment.
3. Effective time = in-hours + ``after_hours_weight`` × after-hours.
4. Effective time is drawn, in chronological order, from the channel's included hours
   left this contract year (``included hours − included_used_hours``), so an in-hours
   stretch before an after-hours one is covered first. The rest is charged at the
   channel's rate. On a plan with prepaid credit the fee — the time lines, not
   expenses — is then debited from ``credit`` (net euros); what it does not cover is
   ``due`` with its VAT.
5. A channel with rate 0 costs nothing at any hour and draws no included hours; the
   quote is still marked ``after_hours``. With ``premium_covered`` the in-hours time
   costs nothing and draws nothing; after-hours time is charged at the plan's rate for
   the channel (``free`` rates on maintenance and premium packs) with the weight.
6. Each line is rounded half-up to cents; VAT is charged on the net total.

A line's ``minutes`` is the *effective* time it charges and ``rate`` the channel's net
hourly rate, so ``minutes / 60 × rate = amount``; its label gives the minutes worked.
``in_hours_minutes`` and ``after_hours_minutes`` are the measured split before rounding;
``billable_minutes`` is their rounded total.
Out-of-town expenses and the out-of-office fee are extra lines, without surcharge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from itertools import pairwise

from core.calendar import Piece
from core.channels import CHANNEL_LABELS
from core.errors import InputError
from core.i18n import _, quantity
from core.models import Channel, Expenses, Quote, QuoteLine, Segment
from core.money import CENT, to_cents
from core.rules import Rules

__all__ = ["check_segments", "price_session", "to_cents"]

ZERO = Decimal(0)
_MINUTE = Decimal(60)
_HOUR = Decimal(3600)


def _seconds(delta: timedelta) -> Decimal:
    return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / 10**6


def _minutes(seconds: Decimal) -> Decimal:
    return (seconds / _MINUTE).quantize(CENT, rounding=ROUND_HALF_UP)


def check_segments(segments: Sequence[Segment]) -> tuple[Segment, ...]:
    """The segments in chronological order; InputError if there are none or two overlap."""
    if not segments:
        raise InputError(_("A session needs at least one segment; give its start and end."))
    ordered = sorted(segments, key=lambda s: s.start)
    for before, after in pairwise(ordered):
        if after.start < before.end:
            raise InputError(
                _("The segments {a} and {b} overlap; give each stretch of work only once.").format(
                    a=f"{before.start.isoformat()}/{before.end.isoformat()}",
                    b=f"{after.start.isoformat()}/{after.end.isoformat()}",
                )
            )
    return tuple(ordered)


@dataclass
class _Bucket:
    """Effective and worked seconds gathered under one line."""

    effective: Decimal = ZERO
    worked: Decimal = ZERO

    def add(self, effective: Decimal, worked: Decimal) -> None:
        self.effective += effective
        self.worked += worked


@dataclass
class _Buckets:
    premium: _Bucket = field(default_factory=_Bucket)
    included_in: _Bucket = field(default_factory=_Bucket)
    included_after: _Bucket = field(default_factory=_Bucket)
    charged_in: _Bucket = field(default_factory=_Bucket)
    charged_after: _Bucket = field(default_factory=_Bucket)


def _chunks(pieces: Sequence[Piece], unit: timedelta) -> list[tuple[bool, Decimal]]:
    """(in hours?, seconds) in chronological order, the rounding added to the last class."""
    chunks = [(p.in_hours, _seconds(p.duration)) for p in pieces]
    total = sum((seconds for _class, seconds in chunks), ZERO)
    step = _seconds(unit)
    billable = (total / step).to_integral_value(rounding=ROUND_CEILING) * step
    if billable > total:
        chunks.append((chunks[-1][0], billable - total))
    return chunks


def _fill(
    chunks: Sequence[tuple[bool, Decimal]],
    weight: Decimal,
    included_left: Decimal,
    premium_covered: bool,
) -> _Buckets:
    buckets = _Buckets()
    left = included_left
    for in_hours, worked in chunks:
        if in_hours and premium_covered:
            buckets.premium.add(worked, worked)
            continue
        effective = worked if in_hours else worked * weight
        covered = min(effective, left)
        left -= covered
        included, charged = (
            (buckets.included_in, buckets.charged_in)
            if in_hours
            else (buckets.included_after, buckets.charged_after)
        )
        if covered:
            included.add(covered, covered * worked / effective)
        charged.add(effective - covered, worked - covered * worked / effective)
    return buckets


def _time_lines(
    buckets: _Buckets, channel: Channel, rate: Decimal, weight: Decimal
) -> list[QuoteLine]:
    after = _("{channel} after hours, {worked} min × {weight}")
    if rate:
        charged_in, charged_after = _("{channel} in hours, {worked} min"), after
    else:
        charged_in = _("{channel} in hours, {worked} min, no charge")
        charged_after = _("{channel} after hours, {worked} min, no charge")
    specs = [
        ("premium", buckets.premium, _("{channel} in hours, {worked} min, premium incident"), ZERO),
        ("included", buckets.included_in, _("{channel} in hours, {worked} min, included"), ZERO),
        ("included", buckets.included_after, after + _(", included"), ZERO),
        ("in_hours", buckets.charged_in, charged_in, rate),
        ("after_hours", buckets.charged_after, charged_after, rate),
    ]
    lines = []
    for kind, bucket, label, line_rate in specs:
        if bucket.worked <= 0:
            continue
        lines.append(
            QuoteLine(
                kind=kind,
                label=label.format(
                    channel=CHANNEL_LABELS[channel],
                    worked=quantity(_minutes(bucket.worked)),
                    weight=quantity(weight),
                ),
                minutes=_minutes(bucket.effective),
                rate=line_rate,
                amount=to_cents(bucket.effective / _HOUR * line_rate),
            )
        )
    return lines


def _extra_lines(
    rules: Rules, channel: Channel, expenses: Expenses | None, out_of_town: bool
) -> list[QuoteLine]:
    if out_of_town and channel is not Channel.ONSITE:
        raise InputError(
            _("Only an on-site session can be out of town; drop out-of-town or use onsite.")
        )
    amounts = []
    if expenses is not None:
        amounts += [
            ("expense", _("travel"), expenses.travel),
            ("expense", _("parking"), expenses.parking),
            ("expense", _("lodging"), expenses.lodging),
        ]
    if out_of_town:
        amounts.append(
            ("out_of_office_fee", _("out-of-office fee"), rules.billing.out_of_office_fee)
        )
    for _kind, label, amount in amounts:
        if amount < 0:
            raise InputError(
                _("The {what} cannot be negative; give zero or more.").format(what=label)
            )
    return [
        QuoteLine(kind=kind, label=label, amount=to_cents(amount))
        for kind, label, amount in amounts
        if amount
    ]


def price_session(
    rules: Rules,
    plan_id: str,
    channel: Channel | str,
    segments: Sequence[Segment],
    *,
    included_used_hours: Decimal = ZERO,
    credit: Decimal = ZERO,
    premium_covered: bool = False,
    expenses: Expenses | None = None,
    out_of_town: bool = False,
) -> Quote:
    """Price a session of ``segments`` on a plan and channel (SPEC §5)."""
    plan = rules.plans.plan(plan_id)
    channel = _channel(channel)
    terms = plan.terms(channel)
    rate = terms.rate or ZERO
    if included_used_hours < 0 or credit < 0:
        raise InputError(_("Included hours used and credit cannot be negative; give zero or more."))
    if credit and not plan.prepaid_credit:
        raise InputError(
            _("Plan {plan} holds no prepaid credit; leave the credit out.").format(plan=plan.id)
        )
    weight = rules.billing.after_hours_weight
    pieces = [
        piece
        for segment in check_segments(segments)
        for piece in rules.calendar.pieces(segment.start, segment.end)
    ]
    chunks = _chunks(pieces, plan.billing_unit)
    if terms.costs_nothing:
        weight, included_left = Decimal(1), ZERO
    else:
        included_left = max(ZERO, terms.included_hours - included_used_hours) * _HOUR
    buckets = _fill(chunks, weight, included_left, premium_covered)
    time_lines = _time_lines(buckets, channel, rate, weight)
    lines = time_lines + _extra_lines(rules, channel, expenses, out_of_town)

    net = sum((line.amount for line in lines), ZERO)
    fee = sum((line.amount for line in time_lines), ZERO)
    credit_debited = min(credit, fee)
    vat_rate = rules.billing.vat_rate
    owed = net - credit_debited
    measured_in = sum((_seconds(p.duration) for p in pieces if p.in_hours), ZERO)
    measured_after = sum((_seconds(p.duration) for p in pieces if not p.in_hours), ZERO)
    all_buckets = (
        buckets.premium,
        buckets.included_in,
        buckets.included_after,
        buckets.charged_in,
        buckets.charged_after,
    )
    return Quote(
        plan=plan.id,
        channel=channel,
        in_hours_minutes=_minutes(measured_in),
        after_hours_minutes=_minutes(measured_after),
        billable_minutes=_minutes(sum((seconds for _class, seconds in chunks), ZERO)),
        effective_minutes=_minutes(sum((b.effective for b in all_buckets), ZERO)),
        included_hours_debited=(
            (buckets.included_in.effective + buckets.included_after.effective) / _HOUR
        ).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP),
        credit_debited=credit_debited,
        lines=tuple(lines),
        net=net,
        vat=to_cents(net * vat_rate),
        total=net + to_cents(net * vat_rate),
        due=owed + to_cents(owed * vat_rate),
        after_hours=any(not in_hours and seconds for in_hours, seconds in chunks),
    )


def _channel(channel: Channel | str) -> Channel:
    try:
        return Channel(channel)
    except ValueError:
        raise InputError(
            _("There is no channel {channel!r}; use one of: {known}.").format(
                channel=channel, known=", ".join(c.value for c in Channel)
            )
        ) from None
