"""Fixtures of the end-to-end sync tests: a fresh database on each backend."""

from tests.server.sync_factories import database_url

__all__ = ["database_url"]
