"""The price list synced from the server: above the shipped plans, below the local plans.toml."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.errors import ConfigError
from core.models import Segment
from core.pricing import price_session
from core.rules import Rules, load_rules, plans_document
from core.sync.price_list import (
    PRICE_LIST_DOC,
    held_version,
    load_rules_for,
    save_price_list,
)
from core.sync.protocol import SyncedPriceList

ATHENS = ZoneInfo("Europe/Athens")
# A working Monday, 11:00–12:00: one hour in support hours.
HOUR = [
    Segment(
        start=datetime(2026, 11, 23, 11, tzinfo=ATHENS),
        end=datetime(2026, 11, 23, 12, tzinfo=ATHENS),
    )
]


def free_phone_hour(rules: Rules) -> Decimal:
    return price_session(rules, "free", "phone", HOUR).net


def phone_rate(rate: int) -> dict[str, Any]:
    return {"plans": {"free": {"channels": {"phone": {"rate": rate}}}}}


class Docs:
    """A store's documents, as the sync code sees them."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.writes = 0

    def read_doc(self, name: str) -> dict[str, Any] | None:
        return self.docs.get(name)

    def write_doc(self, name: str, doc: dict[str, Any]) -> None:
        self.writes += 1
        self.docs[name] = doc


@pytest.mark.parametrize(
    ("synced", "local", "expected"),
    [
        (None, None, Decimal("50.00")),  # the shipped defaults
        (60, None, Decimal("60.00")),  # the server's price list beats the defaults
        (None, 70, Decimal("70.00")),
        (60, 70, Decimal("70.00")),  # the technician's own file beats the server's list
    ],
)
def test_precedence(
    tmp_path: Path, synced: int | None, local: int | None, expected: Decimal
) -> None:
    if local is not None:
        (tmp_path / "plans.toml").write_text(f"[plans.free.channels.phone]\nrate = {local}\n")
    document = None if synced is None else phone_rate(synced)
    assert free_phone_hour(load_rules(tmp_path, document)) == expected


def test_a_local_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    (tmp_path / "plans.toml").write_text("[plans.free.channels.remote]\nrate = 80\n")
    rules = load_rules(tmp_path, phone_rate(60))
    assert free_phone_hour(rules) == Decimal("60.00")
    assert price_session(rules, "free", "remote", HOUR).net == Decimal("80.00")


def test_an_invalid_synced_list_is_a_config_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "plans.toml").write_text("[plans.free.channels.phone]\nrate = 70\n")
    with pytest.raises(ConfigError, match=r"synced from the server: plan 'free'.*update vardia"):
        load_rules(tmp_path, {"plans": {"free": {"channels": {"phone": {"rate": "lots"}}}}})


def test_the_store_doc_sets_the_rules_and_is_kept_once_per_version(tmp_path: Path) -> None:
    store = Docs()
    assert free_phone_hour(load_rules_for(tmp_path, store)) == Decimal("50.00")
    (tmp_path / "server").mkdir()
    (tmp_path / "server" / "plans.toml").write_text("[plans.free.channels.phone]\nrate = 60\n")
    served = SyncedPriceList.of(plans_document(tmp_path / "server"))
    assert save_price_list(store, served) is True
    assert save_price_list(store, SyncedPriceList.of(plans_document(tmp_path / "server"))) is False
    assert (store.writes, held_version(store)) == (1, served.version)
    assert free_phone_hour(load_rules_for(tmp_path, store)) == Decimal("60.00")


def test_a_damaged_store_doc_is_a_config_error_and_asks_anew(tmp_path: Path) -> None:
    store = Docs()
    store.docs[PRICE_LIST_DOC] = {"version": "?", "document": []}
    with pytest.raises(ConfigError, match="price list synced from the server is damaged"):
        load_rules_for(tmp_path, store)
    assert held_version(store) == ""


def test_the_version_follows_the_content_not_the_key_order() -> None:
    one = SyncedPriceList.of({"a": 1, "b": {"c": 2}})
    assert one.version == SyncedPriceList.of({"b": {"c": 2}, "a": 1}).version
    assert one.version != SyncedPriceList.of({"a": 1, "b": {"c": 3}}).version


def test_the_server_document_refuses_a_broken_plans_file(tmp_path: Path) -> None:
    (tmp_path / "plans.toml").write_text("[plans.free.channels.phone]\nrate = -1\n")
    with pytest.raises(ConfigError, match=re.escape(str(tmp_path / "plans.toml"))):
        plans_document(tmp_path)
