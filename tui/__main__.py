"""The ``vardia`` command: the TUI when run alone, and a subcommand for every rule."""

from __future__ import annotations

import click

from core.i18n import _

__all__ = ["cli", "main"]


@click.group(invoke_without_command=True, help=_("vardia — the on-call support technician's desk."))
@click.pass_context
def cli(ctx: click.Context) -> None:
    if ctx.invoked_subcommand is None:
        from tui.launch import run_app

        run_app()


def _register() -> None:
    from tui.commands import desk, reports, rules, sync

    for module in (rules, desk, sync, reports):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
