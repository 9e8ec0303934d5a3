"""``vardia refused``: the work the server refused, to list, show, fix and resend, or discard.

The desk's Refused view (key F) does the same; see ``core.sync.refused`` for what each does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from core.i18n import _, ngettext
from tui.cli import Env, emit, json_option, pass_env, reports_errors

if TYPE_CHECKING:
    from core.rules import Rules
    from core.store import Store
    from core.sync.state import Rejection

__all__ = ["COMMANDS", "refused_lines", "refused_summary"]


def refused_lines(store: Store, kept: list[Rejection], rules: Rules) -> list[str]:
    """One line per refusal: its id, what it was, when, and the reason; a second line names
    the fields ``vardia refused resend --set`` corrects."""
    from core.sync.refused import describe, fields
    from tui.format import short_at

    lines = []
    width = _unique_width([r.op_id for r in kept])
    for r in kept:
        lines.append(f"{r.op_id[:width]}  {describe(store, r)}  {short_at(r.at)}  {r.reason}")
        keys = [field.key for field in fields(r, rules)]
        if keys:
            lines.append("          " + _("fields: {keys}").format(keys=", ".join(keys)))
    return lines


def _unique_width(op_ids: list[str]) -> int:
    """The shortest beginning, of 8 characters or more, that tells the ids apart (ids made in
    the same instant share their first digits)."""
    width = 8
    while len({op_id[:width] for op_id in op_ids}) < len(set(op_ids)):
        width += 1
    return width


@click.group(
    invoke_without_command=True,
    help=_("The work the server refused: list it, show it, fix and resend it, or discard it."),
)
@json_option
@click.pass_context
@reports_errors
def refused(ctx: click.Context, as_json: bool) -> None:
    if ctx.invoked_subcommand is None:
        ctx.invoke(refused_list, as_json=as_json)


@refused.command("list", help=_("The refused work, oldest first, with the reason of each."))
@json_option
@reports_errors
@pass_env
def refused_list(env: Env, as_json: bool) -> None:
    from core.sync.refused import listed
    from core.sync.refused import refused as kept_on

    with env.desk(read_only=True) as (store, rules):
        kept = kept_on(store)
        rows = [listed(store, r) for r in kept]
        lines = refused_lines(store, kept, rules)
    emit(rows, as_json, lambda: "\n".join(lines) or _("Nothing was refused."))


@refused.command(
    "show", help=_("One refused operation's whole content, as JSON (to copy or to send).")
)
@click.argument("op_id")
@reports_errors
@pass_env
def refused_show(env: Env, op_id: str) -> None:
    from core.sync.refused import copy_text, find

    with env.store(read_only=True) as store:
        click.echo(copy_text(find(store, op_id)))


@refused.command(
    "resend",
    help=_(
        "Queue refused work again as a new operation, corrected with --set FIELD=VALUE "
        "(`vardia refused` names the fields); the next sync sends it."
    ),
)
@click.argument("op_id")
@click.option(
    "--set",
    "values",
    multiple=True,
    metavar="FIELD=VALUE",
    help=_("A corrected field, e.g. --set text='Font pack installed.'"),
)
@json_option
@reports_errors
@pass_env
def refused_resend(env: Env, op_id: str, values: tuple[str, ...], as_json: bool) -> None:
    from core.errors import InputError
    from core.sync.refused import find, resend

    fixes: dict[str, str] = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep:
            raise InputError(
                _(
                    "--set takes FIELD=VALUE, e.g. text='Font pack installed.'; got {value!r}."
                ).format(value=value)
            )
        fixes[key.strip()] = text
    with env.desk() as (store, rules):
        queued = resend(store, rules, find(store, op_id), fixes)
    emit(
        {"op_id": queued.op_id, "kind": queued.kind, "entity_id": queued.entity_id},
        as_json,
        lambda: _("Queued again as {op_id}; the next sync sends it.").format(op_id=queued.op_id),
    )


@refused.command(
    "discard", help=_("Give up refused work: it is undone on this device and forgotten.")
)
@click.argument("op_id")
@click.option("--yes", is_flag=True, help=_("Do not ask for confirmation."))
@json_option
@reports_errors
@pass_env
def refused_discard(env: Env, op_id: str, yes: bool, as_json: bool) -> None:
    from core.sync.refused import describe, discard, find

    with env.store() as store:
        found = find(store, op_id)
        what = describe(store, found)
        if not yes:
            click.confirm(_("Discard the {what}?").format(what=what), abort=True)
        discard(store, found)
    emit(
        {"discarded": found.op_id},
        as_json,
        lambda: _("Discarded: {what}.").format(what=what),
    )


def refused_summary(count: int) -> str:
    """How many were refused, and where to see them."""
    return ngettext(
        "{n} operation was refused; see it with `vardia refused` or key F in the desk.",
        "{n} operations were refused; see them with `vardia refused` or key F in the desk.",
        count,
    ).format(n=count)


COMMANDS: list[click.Command] = [refused]
