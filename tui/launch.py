"""Starts the TUI on the user's data directory, or on a throwaway demo data set."""

from __future__ import annotations

from pathlib import Path

import click

from core.clock import SystemClock
from core.errors import VardiaError
from core.rules import load_rules
from core.settings import Paths
from core.store import Store
from tui.cli import EXIT_USAGE
from tui.keymap import load_keymap

__all__ = ["run_app", "run_demo"]


def _run(paths: Paths) -> None:
    from tui.app import make_app

    clock = SystemClock()
    try:
        rules = load_rules(paths.config_dir)
        keymap = load_keymap(paths.config_dir)
        store = Store.open(paths, clock=clock)
    except VardiaError as error:
        click.echo(f"vardia: {error}", err=True)
        raise SystemExit(EXIT_USAGE) from None
    try:
        make_app(rules, store, None, clock, keymap=keymap).run()
    finally:
        store.close()


def run_app() -> None:
    """The TUI on ``$VARDIA_HOME`` or the platform's data directory."""
    _run(Paths.from_env())


def run_demo(data_dir: Path) -> None:
    """The TUI on a demo data set written into ``data_dir`` (a throwaway directory)."""
    _run(Paths(data_dir=data_dir, config_dir=data_dir / "config"))
