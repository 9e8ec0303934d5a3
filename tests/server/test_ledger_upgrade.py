"""The first start after the upgrade prices what the previous server held, and says so."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
from sqlalchemy import select

from core.models import PremiumGrant
from core.sync.protocol import PullResponse
from server.db import ledgers
from server.embedded import LocalServer
from tests.server.fixtures.previous import previous_database


def test_the_first_start_re_prices_every_ledger_and_reports_what_changed(
    database_url: str, tmp_path: Path
) -> None:
    previous_database(database_url)
    server = LocalServer(tmp_path / "home", database_url)
    token = server.add_technician("alice")
    server.start()
    try:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as alice:
            page = PullResponse.model_validate_json(alice.get("/v1/pull").content)
    finally:
        server.kill(signal.SIGTERM)
    said = server.log.read_text()
    # The device had priced the session as basic; the server, as maintenance on its pack.
    assert "re-priced 1 sessions of 1 customers; 1 prices changed." in said
    [price] = page.prices
    assert (price.session_id, price.price.premium) == ("S-1", PremiumGrant.GRANTED)
    [acme] = page.customers
    assert acme.prepaid_credit == 10 and acme.ledger_as_of is not None
    with server.engine.connect() as conn:
        assert all(conn.execute(select(ledgers.c.priced_at)).scalars())

    # The next start finds nothing left to price, and says nothing of it.
    server.start()
    server.stop()
    assert server.log.read_text().count("re-priced") == 1
    server.engine.dispose()
