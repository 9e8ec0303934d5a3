"""The vardia sync server: an HTTP API over SQLite or PostgreSQL."""
