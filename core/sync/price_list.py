"""The vendor's price list as pulled from the server, kept in the store, and the rules it sets.

The precedence, lowest first: the shipped plans, the server's price list, the technician's
own ``plans.toml``. A local file wins because it is that person's explicit choice; removing
it lets the vendor's list apply again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from core.errors import ConfigError
from core.i18n import _
from core.rules import Rules, load_rules
from core.sync.protocol import SyncedPriceList

__all__ = [
    "PRICE_LIST_DOC",
    "held_version",
    "load_rules_for",
    "save_price_list",
    "synced_price_list",
]

PRICE_LIST_DOC = "price_list"


class _Docs(Protocol):
    def read_doc(self, name: str) -> dict[str, Any] | None: ...


class _WritableDocs(_Docs, Protocol):
    def write_doc(self, name: str, doc: dict[str, Any]) -> None: ...


def synced_price_list(store: _Docs) -> SyncedPriceList | None:
    """The price list last pulled into ``store``, or None before the first pull."""
    doc = store.read_doc(PRICE_LIST_DOC)
    if doc is None:
        return None
    try:
        return SyncedPriceList.model_validate(doc)
    except ValidationError:
        raise ConfigError(
            _("The price list synced from the server is damaged; run `vardia sync` again.")
        ) from None


def held_version(store: _Docs) -> str:
    """The version of the price list ``store`` holds; empty when none is, or it is damaged."""
    try:
        synced = synced_price_list(store)
    except ConfigError:
        return ""
    return "" if synced is None else synced.version


def save_price_list(store: _WritableDocs, price_list: SyncedPriceList) -> bool:
    """Keep ``price_list`` unless the store holds that version already; True if it was written."""
    if held_version(store) == price_list.version:
        return False
    store.write_doc(PRICE_LIST_DOC, price_list.model_dump(mode="json"))
    return True


def load_rules_for(config_dir: Path | None, store: _Docs) -> Rules:
    """The rules for work in ``store``: its synced price list under ``config_dir``'s files."""
    synced = synced_price_list(store)
    return load_rules(config_dir, None if synced is None else synced.document)
