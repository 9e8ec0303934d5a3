"""The ``vardia`` command: the TUI when run alone, and a subcommand for every rule.

Subcommands load lazily (click's "lazily loading subcommands" pattern): ``vardia timer
status`` imports the timer's module and what it needs, not the TUI, the HTTP client or the
server stack. Each command module keeps its heavy imports inside its commands, so that
``vardia --help``, which reads every command's short help, stays cheap too.

``main`` applies ``--lang`` before any command module loads, since their help texts are
translated as they load; this module's own texts are marked with ``N_`` and translated
when the help is shown. Click's own words ("Usage:", "Missing option") speak the same
language (``core.click_words``).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

import click

from core.click_words import speak_through_vardia
from core.errors import EXIT_USAGE
from core.i18n import LANGUAGES, N_, _, use_lang_option

__all__ = ["COMMANDS", "Entry", "VardiaGroup", "cli", "main"]


class Entry(NamedTuple):
    """Where a subcommand lives (``module:attribute``) and its line in ``vardia --help``."""

    target: str
    summary: str


COMMANDS: dict[str, Entry] = {
    "quote": Entry(
        "tui.commands.rules:quote", N_("Price a session, with the after-hours surcharge")
    ),
    "sla": Entry("tui.commands.rules:sla", N_("When an incident opened on a plan is due")),
    "incident": Entry("tui.commands.incidents:incident", N_("Open, show and change incidents")),
    "queue": Entry("tui.commands.incidents:queue", N_("The open incidents in queue order")),
    "timer": Entry("tui.commands.timer:timer", N_("Start, pause, resume and stop the timer")),
    "session": Entry(
        "tui.commands.sessions:session", N_("Add, edit and delete sessions, with their history")
    ),
    "customer": Entry("tui.commands.customers:customer", N_("List, show and import customers")),
    "demo": Entry("tui.commands.demo:demo", N_("The desk on a throwaway demo dataset")),
    "login": Entry("tui.commands.sync:login", N_("Remember the sync server and your token")),
    "sync": Entry("tui.commands.sync:sync", N_("Push what was captured here, pull what changed")),
    "status": Entry("tui.commands.sync:status", N_("The server, what waits to be sent, last sync")),
    "refused": Entry(
        "tui.commands.refused:refused", N_("The work the server refused: fix, resend, discard")
    ),
    "statement": Entry("tui.commands.reports:statement", N_("A customer's statement for a month")),
    "report": Entry("tui.commands.reports:report", N_("A technician's week, hours per day")),
}
"""Every subcommand, in the order ``vardia --help`` lists them (subjects together).

The help lists them from here, so that ``vardia --help`` imports no command module."""


class VardiaGroup(click.Group):
    """Loads subcommands on first use; click's usage errors become one sentence on stderr."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in COMMANDS:
            return found
        target = COMMANDS[cmd_name].target
        module, _sep, attribute = target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Marked with N_: translated now, after main() applied --lang.
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(_(self.help or ""))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # In COMMANDS order, from the table: listing loads no command.
        rows = [(name, _(entry.summary)) for name, entry in COMMANDS.items()]
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


class LateHelpOption(click.Option):
    """An option of the group, whose help is translated when shown, after ``--lang``."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        record = super().get_help_record(ctx)
        return None if record is None else (record[0], _(record[1]))


@click.group(
    cls=VardiaGroup,
    invoke_without_command=True,
    help=N_(
        "vardia — the on-call support technician's desk. Run alone, it opens the desk: "
        "the queue, intake, the timer and sync in one terminal."
    ),
)
@click.option(
    "--lang",
    cls=LateHelpOption,
    type=click.Choice(LANGUAGES),
    expose_value=False,
    help=N_("The language: el (Greek) or en (English); by default the locale's."),
)
@click.version_option(
    package_name="vardia",
    prog_name="vardia",
    message="%(prog)s %(version)s",
    cls=LateHelpOption,
    help=N_("Show the version and exit."),
)
@click.option(
    "--no-bell",
    is_flag=True,
    cls=LateHelpOption,
    help=N_("The app's alerts flash and show, but ring no bell and send no notification."),
)
@click.option(
    "--read-only",
    is_flag=True,
    cls=LateHelpOption,
    help=N_(
        "Open the data without writing: the app watches what another vardia writes, as it lands."
    ),
)
@click.pass_context
def cli(ctx: click.Context, no_bell: bool, read_only: bool) -> None:
    # The environment is read here, once; every command receives it with @pass_env.
    from tui.cli import Env

    ctx.obj = Env.from_environ(no_bell=no_bell, read_only=read_only)
    if ctx.invoked_subcommand is None:
        from tui.launch import run_app

        run_app(ctx.obj)


def main() -> None:
    speak_through_vardia()
    use_lang_option(sys.argv[1:])
    cli()


if __name__ == "__main__":
    main()
