"""A customer's month statement as a device gets it: the server's, else its own, partial.

The server builds the statement from every technician's sessions, priced by its ledger
(``GET /v1/statements/{customer_id}?month=YYYY-MM``). When it cannot be asked, or refuses,
the device builds the statement with the same builder (``core.statements``) from what its
store holds, and marks it ``partial`` and ``as_of`` its last successful sync, so nobody
takes it for the whole month.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from core.errors import SyncError
from core.periods import Month
from core.statements import Statement, load_statement
from core.sync.state import load_state

if TYPE_CHECKING:
    from core.rules import Rules
    from core.store import Store
    from core.sync.client import SyncClient

__all__ = ["held_statement", "statement_for"]


def held_statement(store: Store, rules: Rules, customer_id: str, month: Month) -> Statement:
    """The statement of what this store holds: partial, as of the last successful sync."""
    built = load_statement(store, rules, customer_id, month)
    return built.model_copy(update={"partial": True, "as_of": load_state(store).last_sync})


def statement_for(
    client: SyncClient | None,
    held: Callable[[], Statement],
    customer_id: str,
    month: Month,
    *,
    issue: bool = False,
    send_first: bool = False,
) -> tuple[Statement, str | None]:
    """The server's statement when it answers, else ``held()``, with why the server's is not
    shown (None when there is no server to ask). ``issue``: as a numbered document; only the
    server numbers one, so ``held()`` is always a draft.

    ``send_first``: push what this device has not sent yet before asking, so a session saved a
    moment ago is on the server's statement (a store opened read-only cannot record the
    server's answer, so it does not)."""
    if client is None:
        return held(), None
    try:
        if send_first:
            client.push()
        return client.statement(customer_id, month, issue=issue), None
    except SyncError as error:
        return held(), str(error)
