"""Schemathesis fuzzes every endpoint of the published OpenAPI document: no input gets a 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from server.embedded import LocalServer


@pytest.fixture
def api(live_server: LocalServer) -> Iterator[Any]:
    token = live_server.add_technician("fuzzer", admin=True)
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    schema.config.headers = {"Authorization": f"Bearer {token}"}
    yield schema


schema = schemathesis.pytest.from_fixture("api")


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_makes_the_server_fail(case: Any) -> None:
    response = case.call()
    assert response.status_code < 500, response.text
