"""Fixtures of the end-to-end sync tests: a fresh database on each backend."""

from tests.server.sync_factories import database_url, live_server

__all__ = ["database_url", "live_server"]
