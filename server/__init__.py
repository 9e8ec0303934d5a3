"""The vardia sync server: an HTTP API over SQLite or PostgreSQL."""

__version__ = "0.1.0"
