"""Records a pull brings that this device cannot store: kept aside, so sync never sticks.

A page is read with its records still raw. Each is then read on its own, as the store
would keep it, and checked against the domain bounds (core.bounds) at the server's time;
one that fails is *quarantined*: kept raw in the store document ``sync_quarantine``
with its reason, while the rest of the page is stored and the cursor moves on (SPEC
§7.2). A later page that brings the same record in a form that can be stored releases it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from core.bounds import Bounds, check_json
from core.errors import InputError, first_problem
from core.i18n import _
from core.models import Customer, Incident
from core.sync.protocol import SessionPrice, SyncedPriceList
from core.sync.state import SyncStore

__all__ = [
    "Quarantined",
    "RawPage",
    "SortedPage",
    "keep_aside",
    "kind_label",
    "list_quarantined",
    "sort_page",
]

QUARANTINE_DOC = "sync_quarantine"
_ID_LENGTH = 128

R = TypeVar("R", bound=BaseModel)


class RawPage(BaseModel):
    """A pull page as the server sent it, its records not yet read."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    customers: list[dict[str, Any]]
    incidents: list[dict[str, Any]]
    cursor: str
    has_more: bool
    server_time: AwareDatetime
    price_list: SyncedPriceList | None = None
    prices: list[dict[str, Any]] = Field(default_factory=list)


class Quarantined(BaseModel):
    """A pulled record kept aside: what it is, why it could not be stored, and its content."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: str
    """``customer``, ``incident`` or ``price``."""
    record_id: str
    reason: str
    at: AwareDatetime
    raw: dict[str, Any]


@dataclass
class SortedPage:
    """A page's records that can be stored, and those kept aside."""

    customers: list[Customer] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    prices: list[SessionPrice] = field(default_factory=list)
    kept_aside: list[Quarantined] = field(default_factory=list)

    @property
    def stored_keys(self) -> set[tuple[str, str]]:
        return (
            {("customer", c.id) for c in self.customers}
            | {("incident", i.id) for i in self.incidents}
            | {("price", p.session_id) for p in self.prices}
        )


def sort_page(page: RawPage, bounds: Bounds, received_at: datetime) -> SortedPage:
    """Read each record of ``page`` on its own; those that cannot be stored are kept aside."""
    now = page.server_time
    found = SortedPage()

    def read(
        kind: str, raw: dict[str, Any], model: type[R], check: Callable[[R], object]
    ) -> R | None:
        try:
            check_json(raw)
            record = model.model_validate(raw)
            check(record)
        except (InputError, ValidationError, ValueError, OverflowError) as error:
            found.kept_aside.append(quarantined(kind, raw, _reason(error), received_at))
            return None
        return record

    for raw in page.customers:
        customer = read("customer", raw, Customer, bounds.check_customer)
        if customer is not None:
            found.customers.append(customer)
    for raw in page.incidents:
        incident = read("incident", raw, Incident, lambda i: bounds.check_incident(i, now))
        if incident is not None:
            found.incidents.append(incident)
    for raw in page.prices:
        price = read("price", raw, SessionPrice, lambda p: p)
        if price is not None:
            found.prices.append(price)
    return found


def quarantined(kind: str, raw: dict[str, Any], reason: str, at: datetime) -> Quarantined:
    """The quarantine entry of a raw record that could not be stored for ``reason``."""
    record_id = raw.get("id", raw.get("session_id", "?"))
    return Quarantined(
        kind=kind, record_id=str(record_id)[:_ID_LENGTH], reason=reason, at=at, raw=raw
    )


def kind_label(kind: str) -> str:
    """A quarantined record's kind, in the technician's language."""
    labels = {"customer": _("customer"), "incident": _("incident"), "price": _("session price")}
    return labels.get(kind, kind)


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        where, problem = first_problem(error, "/")
        return _("{field}: {problem}").format(field=where, problem=problem)
    return str(error)


def list_quarantined(store: SyncStore) -> list[Quarantined]:
    """The pulled records kept aside, oldest first."""
    items = (store.read_doc(QUARANTINE_DOC) or {}).get("items", [])
    return [Quarantined.model_validate(item) for item in items]


def keep_aside(
    store: SyncStore, found: Sequence[Quarantined], stored: Iterable[tuple[str, str]] = ()
) -> None:
    """Keep ``found`` (a newer copy replaces an older one of the same record) and release
    the records ``stored`` as (kind, id): they arrived in a form that could be stored."""
    fresh = {(q.kind, q.record_id): q for q in found}
    gone = set(stored) | set(fresh)
    kept = list_quarantined(store)
    items = [q for q in kept if (q.kind, q.record_id) not in gone] + list(fresh.values())
    if items != kept:
        store.write_doc(QUARANTINE_DOC, {"items": [q.model_dump(mode="json") for q in items]})
