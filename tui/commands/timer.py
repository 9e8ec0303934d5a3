"""``vardia timer``: start, pause, resume and stop the one timer, or see it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import click

from core.channels import Channel
from core.i18n import _
from tui.cli import Env, choice, emit, json_option, pass_env, reports_errors, session_json
from tui.stopwatch import elapsed as stopwatch

if TYPE_CHECKING:
    from core.models import Timer
    from core.store import Store

__all__ = ["COMMANDS"]


@click.group(help=_("The timer: one running at a time, on disk from its first second."))
def timer() -> None:
    pass


def _timer_view(store: Store, found: Timer | None) -> dict[str, Any] | None:
    from core.store.glance import timer_view

    if found is None:
        return None
    on = store.incident(found.incident_id)
    incident = {"id": on.id, "ref": on.ref, "subject": on.subject}
    return timer_view(found.model_dump(mode="json"), incident, store.clock.now())


def _render_timer(view: dict[str, Any] | None) -> str:
    if view is None:
        return _("No timer is running.")
    shown = _("running") if view["running"] else _("paused")
    worked = stopwatch(timedelta(seconds=view["elapsed_seconds"]))
    return f"{view['ref']} {view['channel']} {shown} {worked}  {view['subject']}"


def _timer_command(name: str, help_text: str) -> click.Command:
    """``pause`` or ``resume``: the rule of that name in core.timer, on the store alone."""

    @click.command(name, help=help_text)
    @json_option
    @reports_errors
    @pass_env
    def command(env: Env, as_json: bool) -> None:
        from core import timer as timer_rules

        action: Callable[[Store], Timer] = getattr(timer_rules, name)
        with env.store() as store:
            view = _timer_view(store, action(store))
        emit(view, as_json, lambda: _render_timer(view))

    return command


@timer.command("start", help=_("Start the timer on an incident."))
@click.argument("ref")
@click.option("--channel", type=choice(Channel), required=True)
@click.option("--stop-running", is_flag=True, help=_("Stop and save a running timer first."))
@click.option("--discard-running", is_flag=True, help=_("Throw a running timer away first."))
@json_option
@reports_errors
@pass_env
def timer_start(
    env: Env, ref: str, channel: str, stop_running: bool, discard_running: bool, as_json: bool
) -> None:
    from core.errors import InputError
    from core.timer import IfRunning, start

    if stop_running and discard_running:
        raise InputError(_("Choose one of --stop-running and --discard-running."))
    if_running = IfRunning.STOP if stop_running else IfRunning.DISCARD if discard_running else None
    with env.desk() as (store, rules):
        view = _timer_view(
            store, start(store, rules, ref, Channel(channel.lower()), if_running=if_running)
        )
    emit(view, as_json, lambda: _render_timer(view))


timer.add_command(_timer_command("pause", _("Pause the running timer.")))
timer.add_command(_timer_command("resume", _("Resume the paused timer.")))


@timer.command("stop", help=_("Stop the timer: price the session and save it."))
@click.option("--note", default="", help=_("What was done."))
@click.option(
    "--at",
    "at",
    metavar="TIME",
    help=_("When the work ended, if the timer was left running: HH:MM today, or a date and time."),
)
@json_option
@reports_errors
@pass_env
def timer_stop(env: Env, note: str, at: str | None, as_json: bool) -> None:
    from core.calendar import typed_instant
    from core.statements import minutes_text
    from core.timer import stop
    from tui.format import PROVISIONAL, figure

    with env.desk() as (store, rules):
        ended = None
        if at is not None:
            ended = typed_instant(at, _("stop time"), rules.timezone, store.clock.now())
        session = stop(store, rules, note=note, at=ended)
        ref = store.incident(session.incident_id).ref
    q = session.quote
    emit(
        session_json(session),
        as_json,
        lambda: _(
            "Saved a session on {ref}: {minutes} min billed, net {net} €, total {total} € "
            "({provisional} until the server prices it)."
        ).format(
            ref=ref,
            minutes=minutes_text(q.billable_minutes),
            net=figure(q.net),
            total=figure(q.total),
            provisional=PROVISIONAL,
        ),
    )


@timer.command("discard", help=_("Throw the timer away: nothing is recorded or sent."))
@click.option("--yes", is_flag=True, help=_("Do not ask first."))
@json_option
@reports_errors
@pass_env
def timer_discard(env: Env, yes: bool, as_json: bool) -> None:
    from core.timer import discard

    with env.store() as store:
        found = store.timer()
        view = _timer_view(store, found)
        if found is not None and not yes:
            click.confirm(
                _("Discard the timer ({timer})? Its time is not recorded.").format(
                    timer=_render_timer(view)
                ),
                abort=True,
                err=True,
            )
        discard(store)
    emit(
        view,
        as_json,
        lambda: _("Discarded the timer on {ref}.").format(ref=view["ref"] if view else ""),
    )


@timer.command("status", help=_("The running timer, if any."))
@json_option
@reports_errors
@pass_env
def timer_status(env: Env, as_json: bool) -> None:
    from core.clock import SystemClock
    from core.store.glance import running_timer, timer_view

    # Read from the files alone, within the start-up budget (SPEC §9); the store itself
    # only when the index does not lead to the incident.
    found = running_timer(env.paths.data_dir)
    view: dict[str, Any] | None = None
    if found is not None and found[1] is not None:
        view = timer_view(found[0], found[1], SystemClock().now())
    elif found is not None:
        with env.store(read_only=True) as store:
            view = _timer_view(store, store.timer())
    emit(view, as_json, lambda: _render_timer(view))


COMMANDS: list[click.Command] = [timer]
