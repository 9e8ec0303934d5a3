"""The price list: plans, their channels, included hours and SLA targets (SPEC §3).

The defaults ship in ``core/defaults/plans.toml``; how the spec was read there:

- ``written`` is priced as ``phone`` on ``free``, ``basic`` and ``business`` and costs
  nothing on ``maintenance``.
- ``maintenance`` takes its other channels from ``free`` (``channels_from``): a session no
  premium incident covers is priced at ``free`` rates. ``premium-N`` takes everything
  from ``maintenance`` and adds N incidents per contract year.
- A channel with ``offered = false`` has no rate (``ChannelTerms.rate is None``): the
  plan does not give support that way.
- The contract year starts on ``contract_year_starts`` (1 January by default).
- ``billing_unit_minutes`` on a plan overrides the one in ``[billing]``.

``PriceList`` is a read-only mapping of plan id to :class:`Plan`; ``PriceList.plan(id)``
raises :class:`InputError` for an unknown id, naming the plans there are.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.calendar import SlaClock, month_day
from core.errors import InputError
from core.i18n import N_, _
from core.models import Channel

__all__ = [
    "Billing",
    "ChannelSpec",
    "ChannelTerms",
    "FieldError",
    "Plan",
    "PlanSpec",
    "PlansConfig",
    "PriceList",
    "SlaTerms",
    "Updates",
    "build_price_list",
]

_HOUR = Decimal(3600)

TRANSLATED_NAMES = (N_("Maintenance"),)
"""The default plans' names the catalog translates when they are shown (:attr:`Plan.label`).
Free, Basic, Business and Premium are the vendor's product names, the same in every
language; a name set in the configuration is shown as written unless the catalog has it.
Stored records and JSON name a plan by its id."""


class FieldError(ValueError):
    """A value in the price list that only makes sense against the rest of it."""

    def __init__(self, loc: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _hours(value: Decimal) -> timedelta:
    return timedelta(seconds=float(value * _HOUR))


class Billing(_Config):
    """The billing settings every plan shares (SPEC §3, §5)."""

    billing_unit_minutes: int = Field(default=15, gt=0)
    after_hours_weight: Decimal = Field(default=Decimal("1.2"), ge=1)
    vat_rate: Decimal = Field(default=Decimal("0.24"), ge=0, le=1)
    out_of_office_fee: Decimal = Field(default=Decimal(0), ge=0)
    currency: str = "EUR"

    @property
    def billing_unit(self) -> timedelta:
        return timedelta(minutes=self.billing_unit_minutes)


class Updates(StrEnum):
    """Whether a plan includes program updates."""

    NO = "no"
    YES = "yes"
    UNTIL_YEAR_END = "until_year_end"


class SlaTerms(_Config):
    """A plan's SLA clock and targets (SPEC §4): warn by hours or by percent of the deadline."""

    clock: SlaClock
    deadline_hours: Decimal = Field(gt=0)
    warn_hours: Decimal | None = Field(default=None, gt=0)
    warn_percent: Decimal | None = Field(default=None, gt=0, le=100)
    resolve_hours: Decimal | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_warning(self) -> SlaTerms:
        if (self.warn_hours is None) == (self.warn_percent is None):
            raise ValueError("give exactly one of warn_hours and warn_percent")
        if self.warn_hours is not None and self.warn_hours > self.deadline_hours:
            raise ValueError("warn_hours must not exceed deadline_hours")
        return self

    @property
    def deadline(self) -> timedelta:
        return _hours(self.deadline_hours)

    @property
    def warn(self) -> timedelta:
        if self.warn_hours is not None:
            return _hours(self.warn_hours)
        percent = self.warn_percent or Decimal(100)  # _one_warning guarantees it is set
        return _hours(self.deadline_hours * percent / 100)

    @property
    def resolve(self) -> timedelta | None:
        return None if self.resolve_hours is None else _hours(self.resolve_hours)


class ChannelSpec(_Config):
    """A channel as written in the TOML: a rate, or ``offered = false``."""

    offered: bool = True
    rate: Decimal | None = Field(default=None, ge=0)
    included_hours: Decimal = Field(default=Decimal(0), ge=0)

    @model_validator(mode="after")
    def _rate_when_offered(self) -> ChannelSpec:
        if self.offered and self.rate is None:
            raise ValueError("an offered channel needs a rate (0 when it costs nothing)")
        return self


class ChannelTerms(_Config):
    """What a channel costs on a plan: a net hourly rate (None: not offered) and included hours."""

    rate: Decimal | None
    included_hours: Decimal = Decimal(0)

    @property
    def offered(self) -> bool:
        return self.rate is not None

    @property
    def costs_nothing(self) -> bool:
        return self.rate == 0


class PlanSpec(_Config):
    """A plan as written in the TOML, before ``channels_from`` is resolved."""

    name: str
    fee: str = ""
    channels_from: str | None = None
    channels: dict[Channel, ChannelSpec] = {}
    updates: Updates = Updates.NO
    sla: SlaTerms
    premium_incidents: int = Field(default=0, ge=0)
    addon_to: str | None = None
    prepaid_credit: bool = False
    credit_minimum_hours: Decimal = Field(default=Decimal(0), ge=0)
    billing_unit_minutes: int | None = Field(default=None, gt=0)
    contract_year_starts: str = "01-01"

    @field_validator("contract_year_starts")
    @classmethod
    def _is_month_day(cls, value: str) -> str:
        month_day(value)
        return value


class PlansConfig(_Config):
    """The whole ``plans.toml``: billing settings and plans by id."""

    billing: Billing = Billing()
    plans: dict[str, PlanSpec]


class Plan(_Config):
    """One plan of the price list, every channel resolved."""

    id: str
    name: str
    fee: str = ""
    channels: dict[Channel, ChannelTerms]
    updates: Updates
    sla: SlaTerms
    premium_incidents: int = 0
    addon_to: str | None = None
    prepaid_credit: bool = False
    credit_minimum_hours: Decimal = Decimal(0)
    billing_unit: timedelta
    contract_year_starts: str = "01-01"

    def terms(self, channel: Channel) -> ChannelTerms:
        """The channel's terms; InputError when the plan does not offer it."""
        terms = self.channels[channel]
        if not terms.offered:
            offered = ", ".join(c.value for c, t in self.channels.items() if t.offered)
            raise InputError(
                _("Plan {plan} does not offer {channel}; use one of: {offered}.").format(
                    plan=self.id, channel=channel.value, offered=offered
                )
            )
        return terms

    @property
    def label(self) -> str:
        """The plan's name as the language says it: ``Maintenance`` is ``Συντήρηση`` in Greek."""
        return _(self.name)

    def contract_year(self, on: date) -> int:
        """The year in which the contract year holding ``on`` began."""
        start = month_day(self.contract_year_starts)
        return on.year if (on.month, on.day) >= start else on.year - 1


class PriceList(Mapping[str, Plan]):
    """The plans by id, read-only."""

    def __init__(self, plans: Mapping[str, Plan]) -> None:
        self._plans = dict(plans)

    def __getitem__(self, plan_id: str) -> Plan:
        return self._plans[plan_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._plans)

    def __len__(self) -> int:
        return len(self._plans)

    def __repr__(self) -> str:
        return f"PriceList({sorted(self._plans)})"

    def label(self, plan_id: str) -> str:
        """The name a person reads for a plan id, in the language; the id of a plan the price
        list does not have (a record older than the configuration) as it is."""
        found = self._plans.get(plan_id)
        return found.label if found is not None else plan_id

    def plan(self, plan_id: str) -> Plan:
        """The plan with that id; InputError naming the known plans when there is none."""
        try:
            return self._plans[plan_id]
        except KeyError:
            raise InputError(
                _("There is no plan {plan!r}; use one of: {known}.").format(
                    plan=plan_id, known=", ".join(self._plans)
                )
            ) from None


def _channels(
    specs: Mapping[str, PlanSpec], plan_id: str, seen: tuple[str, ...] = ()
) -> dict[Channel, ChannelTerms]:
    spec = specs[plan_id]
    inherited: dict[Channel, ChannelTerms] = {c: ChannelTerms(rate=None) for c in Channel}
    source = spec.channels_from
    if source is not None:
        loc = ("plans", plan_id, "channels_from")
        if source not in specs:
            raise FieldError(loc, f"there is no plan {source!r} to take channels from")
        if source in seen or source == plan_id:
            raise FieldError(loc, f"plans take channels from each other in a circle ({source})")
        inherited = _channels(specs, source, (*seen, plan_id))
    own = {
        channel: ChannelTerms(rate=c.rate if c.offered else None, included_hours=c.included_hours)
        for channel, c in spec.channels.items()
    }
    return inherited | own


def build_price_list(config: PlansConfig) -> PriceList:
    """Resolve ``channels_from`` and check cross-references; FieldError names the culprit."""
    plans: dict[str, Plan] = {}
    for plan_id, spec in config.plans.items():
        if spec.addon_to is not None and spec.addon_to not in config.plans:
            raise FieldError(("plans", plan_id, "addon_to"), f"there is no plan {spec.addon_to!r}")
        unit = spec.billing_unit_minutes or config.billing.billing_unit_minutes
        plans[plan_id] = Plan(
            id=plan_id,
            name=spec.name,
            fee=spec.fee,
            channels=_channels(config.plans, plan_id),
            updates=spec.updates,
            sla=spec.sla,
            premium_incidents=spec.premium_incidents,
            addon_to=spec.addon_to,
            prepaid_credit=spec.prepaid_credit,
            credit_minimum_hours=spec.credit_minimum_hours,
            billing_unit=timedelta(minutes=unit),
            contract_year_starts=spec.contract_year_starts,
        )
    return PriceList(plans)
