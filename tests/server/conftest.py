"""Fixtures of the server tests: a fresh database on each backend, a live server on it."""

from tests.server.sync_factories import alice, bob, database_url, live_server

__all__ = ["alice", "bob", "database_url", "live_server"]
