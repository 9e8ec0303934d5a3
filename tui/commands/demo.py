"""``vardia demo``: a realistic data set in a throwaway folder, then the TUI on it."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import click

from core.errors import ConfigError
from core.i18n import _
from server import missing_stack
from tui.cli import Env, pass_env, reports_errors

__all__ = ["COMMANDS"]


@click.command(help=_("A throwaway data directory with a realistic demo data set, then the TUI."))
@click.option("--seed-only", is_flag=True, help=_("Only fill the data directory ($VARDIA_HOME)."))
@click.option("--seed", default=7, show_default=True, help=_("The random seed of the data set."))
@reports_errors
@pass_env
def demo(env: Env, seed_only: bool, seed: int) -> None:
    from core.demo import seed_store

    if not seed_only and (missing := missing_stack()) is not None:
        # The demo's local sync server is the server stack: say so before seeding anything.
        raise ConfigError(_("The demo runs a local sync server: {why}").format(why=missing))
    if seed_only:
        target = env
    else:
        folder = Path(tempfile.mkdtemp(prefix="vardia-demo-"))
        paths = replace(env.paths, data_dir=folder, log_dir=folder / "log")
        target = replace(env, paths=paths)
    data_dir = target.paths.data_dir
    with target.desk() as (store, rules):
        data = seed_store(store, rules, seed)
    if seed_only:
        click.echo(
            _("Seeded {dir}: {c} customers, {i} incidents, {s} sessions.").format(
                dir=data_dir, c=len(data.customers), i=len(data.incidents), s=len(data.sessions)
            )
        )
        return
    from tui.launch import run_demo

    run_demo(data_dir, env.technician, data, quiet=env.no_bell)
    click.echo(
        _(
            "The demo's data stays in {dir}: VARDIA_HOME={dir} vardia opens it again "
            "(a running timer included); delete the folder when you are done."
        ).format(dir=data_dir)
    )


COMMANDS: list[click.Command] = [demo]
