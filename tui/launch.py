"""Starts the TUI on the user's data directory."""

from __future__ import annotations


def run_app() -> None:
    raise SystemExit("vardia: the terminal app is not built yet")
