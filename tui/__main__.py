"""The ``vardia`` command: the TUI when run alone, and a subcommand for every rule."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from core.errors import EXIT_USAGE
from core.i18n import _

__all__ = ["VardiaGroup", "cli", "main"]


class VardiaGroup(click.Group):
    """Click's own usage errors (a missing option, a bad choice) as one sentence on stderr."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as error:
            where = error.ctx.command_path if error.ctx is not None else "vardia"
            message = error.format_message().rstrip(".")
            click.echo(
                _("vardia: {message} (see {where} --help).").format(message=message, where=where),
                err=True,
            )
            sys.exit(EXIT_USAGE)
        except click.ClickException as error:
            click.echo(f"vardia: {error.format_message()}", err=True)
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo(_("Aborted."), err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


@click.group(
    cls=VardiaGroup,
    invoke_without_command=True,
    help=_("vardia — the on-call support technician's desk."),
)
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
