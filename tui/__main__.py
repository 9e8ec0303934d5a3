"""The ``vardia`` command: the TUI when run alone, and a subcommand for every rule.

Subcommands load lazily (click's "lazily loading subcommands" pattern): ``vardia timer
status`` imports the timer's module and what it needs, not the TUI, the HTTP client or the
server stack. Each command module keeps its heavy imports inside its commands, so that
``vardia --help``, which reads every command's short help, stays cheap too.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

import click

from core.errors import EXIT_USAGE
from core.i18n import _
from tui.cli import Env

__all__ = ["COMMANDS", "VardiaGroup", "cli", "main"]

COMMANDS: dict[str, str] = {
    "quote": "tui.commands.rules:quote",
    "sla": "tui.commands.rules:sla",
    "incident": "tui.commands.incidents:incident",
    "queue": "tui.commands.incidents:queue",
    "timer": "tui.commands.timer:timer",
    "customer": "tui.commands.customers:customer",
    "demo": "tui.commands.demo:demo",
    "login": "tui.commands.sync:login",
    "sync": "tui.commands.sync:sync",
    "status": "tui.commands.sync:status",
    "statement": "tui.commands.reports:statement",
    "report": "tui.commands.reports:report",
}
"""Every subcommand, as ``module:attribute``; in this order ``vardia --help`` lists them."""


class VardiaGroup(click.Group):
    """Loads subcommands on first use; click's usage errors become one sentence on stderr."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in COMMANDS:
            return found
        module, _sep, attribute = COMMANDS[cmd_name].partition(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{COMMANDS[cmd_name]} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # In COMMANDS order (subjects together), not click's alphabetical one.
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - 12)))
        if rows:
            with formatter.section(_("Commands")):
                formatter.write_dl(rows)

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
@click.version_option(package_name="vardia", prog_name="vardia", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context) -> None:
    # The environment is read here, once; every command receives it with @pass_env.
    ctx.obj = Env.from_environ()
    if ctx.invoked_subcommand is None:
        from tui.launch import run_app

        run_app(ctx.obj)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
