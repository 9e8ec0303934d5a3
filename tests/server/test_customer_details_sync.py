"""A customer's ΑΦΜ, ΔΟΥ, address, e-mail and phones go from the office's file to every device.

The server keeps a customer as its JSON record, so the details need no new column: a
database an older server left (at 0003) upgrades, serves its customers as they were, with
the details empty, and serves the details of customers imported since.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from core.clock import FrozenClock
from core.customer_csv import read_customer_rows
from core.rules import load_rules
from core.store import Store
from core.sync.client import SyncClient
from server.admin import import_customers
from server.db import bump_version, make_engine, migrate, records
from server.embedded import LocalServer
from server.records import CUSTOMER

NOW = datetime.now(UTC).replace(microsecond=0)
PREVIOUS = Path(__file__).parents[1] / "core" / "store" / "fixtures" / "customers-v5"
"""Customers as the vardia before these fields wrote them."""


def test_a_database_made_at_0003_serves_old_customers_and_new_details(
    database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    migrate(engine, to="0003_scoped_op_ids")
    old = json.loads((PREVIOUS / "customers.json").read_bytes())["tables"]["records"]["C-001"]
    with engine.begin() as conn:
        version = bump_version(conn)
        conn.execute(
            insert(records).values(kind=CUSTOMER, id="C-001", version=version, data=json.dumps(old))
        )
    engine.dispose()

    server = LocalServer(tmp_path / "server-home", database_url)  # upgrades to the head
    rules = load_rules(None)
    sheet = tmp_path / "customers.csv"
    sheet.write_text(
        "id,name,afm,doy,address,email,phones\n"
        'C-002,Φαρμακείο Κωνσταντίνου,094014201,ΔΟΥ Α\' Αθηνών,"Ερμού 42, 105 63 Αθήνα",'
        "info@farmakeio.gr,210 353 0829; 694 123 4567\n",
        "utf-8",
    )
    rows = read_customer_rows(sheet, rules.plans, rules.bounds, now=NOW)
    import_customers(server.engine, rules, [row.customer for row in rows], NOW)
    server.start()
    try:
        token = server.add_technician("alice")
        with (
            Store.open(tmp_path / "laptop", clock=FrozenClock(NOW), technician="alice") as store,
            SyncClient(store, server.url, token, device_id=store.device_id) as client,
        ):
            assert client.sync().pull.kept_aside == ()
            pulled = {c.id: c for c in store.customers()}
    finally:
        server.stop()
        server.engine.dispose()

    before = pulled["C-001"]
    assert (before.name, before.contact, before.tax_id, before.phones) == (
        old["name"],
        old["contact"],
        "",
        (),
    )
    after = pulled["C-002"]
    assert (after.tax_id, after.tax_office, after.address, after.email) == (
        "094014201",
        "ΔΟΥ Α' Αθηνών",
        "Ερμού 42, 105 63 Αθήνα",
        "info@farmakeio.gr",
    )
    assert after.phones == ("210 353 0829", "694 123 4567")
