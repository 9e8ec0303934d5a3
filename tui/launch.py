"""Starts the TUI on the user's data directory, or on a throwaway demo data set."""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from core.clock import SystemClock
from core.errors import VardiaError, exit_status
from core.rules import Rules
from core.settings import Paths
from core.store import Store
from core.sync.client import SyncClient
from core.sync.identity import adopt_technician
from core.sync.log import open_log
from core.sync.login import Login, load_login
from core.sync.price_list import load_rules_for
from tui.cli import Env
from tui.keymap import load_keymap

if TYPE_CHECKING:
    from core.demo import DemoData

__all__ = ["run_app", "run_demo"]


def _first_read(store: Store, config_dir: Path) -> Rules:
    """The store's rules, and what the first screen shows; the store is closed on damage.

    Store.open reads lazily: without this a damaged file surfaced only inside the running app,
    as a queue that never loaded.
    """
    try:
        rules = load_rules_for(config_dir, store)
        store.queue_entries()
        store.customer_names()
        store.timer()
    except VardiaError:
        store.close()
        raise
    return rules


def _run(
    paths: Paths,
    technician: str,
    server: tuple[str, str] | None = None,
    *,
    quiet: bool = False,
    read_only: bool = False,
) -> None:
    """Open the store and run the app; ``server`` (url, token) overrides the saved login;
    ``quiet`` (``--no-bell``): its alerts ring nothing; ``read_only``: it watches the data
    another vardia writes, and does not sync (that vardia does)."""
    from tui.alerts import Ringing
    from tui.app import make_app

    clock = SystemClock()
    demo = server is not None
    try:
        keymap = load_keymap(paths.config_dir)
        login = load_login(paths.config_dir)
        store = Store.open(paths, clock=clock, technician=technician, read_only=read_only)
        rules = _first_read(store, paths.config_dir)
        # What is loaded so far (the modules, the queue's records) lives as long as the app:
        # the cyclic collector need not walk it again at every full collection (at 50,000
        # open incidents each walk stalled the app for a sixth of a second).
        gc.freeze()
        try:
            client = None if read_only else _client(store, login, server, clock, rules)
        except VardiaError:
            store.close()
            raise
    except VardiaError as error:
        click.echo(f"vardia: {error}", err=True)
        raise SystemExit(exit_status(error)) from None
    if client is not None:
        open_log(paths.log_dir)
    if demo and client is not None:
        # The demo's own server knows its token by another name than the OS user's.
        adopt_technician(store, client.whoami().technician)
    try:
        ringing = Ringing.of(rules.workflow.alerts, os.environ, quiet=quiet)
        app = make_app(
            rules, store, client, clock, keymap=keymap, config_dir=paths.config_dir, ringing=ringing
        )
        app.run()
    finally:
        if client is not None:
            client.close()
        store.close()


def _client(
    store: Store,
    login: Login | None,
    server: tuple[str, str] | None,
    clock: SystemClock,
    rules: Rules,
) -> SyncClient | None:
    """The sync client for the saved login, or for the demo's own server; None offline."""
    device = store.device_id
    if server is not None:
        return SyncClient(
            store, server[0], server[1], device_id=device, clock=clock, bounds=rules.bounds
        )
    if login is None:
        return None
    return SyncClient.for_login(store, login, device_id=device, clock=clock, bounds=rules.bounds)


def run_app(env: Env) -> None:
    """The TUI on ``$VARDIA_HOME`` or the platform's data directory."""
    _run(env.paths, env.technician, quiet=env.no_bell, read_only=env.read_only)


def run_demo(data_dir: Path, technician: str, data: DemoData, *, quiet: bool = False) -> None:
    """The TUI on the demo data set in ``data_dir``, syncing with a local server of its own
    that holds the same ``data``."""
    from server.embedded import start_local_server  # the server stack loads only for the demo

    url, token, stop = start_local_server(data_dir, technician, seed=data)
    try:
        paths = Paths(data_dir=data_dir, config_dir=data_dir / "config", log_dir=data_dir / "log")
        _run(paths, technician, server=(url, token), quiet=quiet)
    finally:
        stop()
