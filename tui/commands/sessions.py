"""``vardia session``: work added without the timer, edits and deletions with their reason,
the sessions of an incident and one session's history (SPEC §5, §10)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import click

from core.errors import InputError
from core.i18n import _, ngettext
from core.models import Channel
from core.statements import OVERLAP_MARK
from tui.cli import Env, choice, emit, json_option, pass_env, reports_errors, session_json
from tui.format import (
    CHANNEL_LABELS,
    PROVISIONAL,
    PROVISIONAL_MARK,
    cents,
    figure,
    numeric_at,
    session_marks,
    short_at,
    table,
)
from tui.stopwatch import elapsed

if TYPE_CHECKING:
    from core.models import Segment, Session
    from core.rules import Rules
    from core.store import Store

__all__ = ["COMMANDS"]


segment_option = click.option(
    "--segment",
    "segments",
    multiple=True,
    metavar="START/END",
    help=_("A stretch of work, e.g. 14:00/14:40, 'yesterday 14:00/yesterday 14:40'."),
)
reason_option = click.option(
    "--reason", default="", help=_("Why, in a few words; it is kept with the session.")
)


@click.group(help=_("Sessions: add work done without the timer, edit or delete with a reason."))
def session() -> None:
    pass


def _segments(rules: Rules, store: Store, typed: Sequence[str]) -> list[Segment]:
    from core.calendar import typed_segment

    now = store.clock.now()
    return [typed_segment(text, rules.timezone, now, happened=True) for text in typed]


def _needs_reason(reason: str, what: str) -> None:
    """A missing reason is a mistake in what was typed (exit 2), said before anything is read."""
    if not reason.strip():
        raise InputError(what)


def _worked(found: Session) -> timedelta:
    return sum((s.end - s.start for s in found.segments), timedelta())


def _view(store: Store, found: Session) -> dict[str, Any]:
    from core.sessions import history, overlaps_of, short_id

    return {
        **session_json(found),
        "short_id": short_id(found),
        "ref": store.incident(found.incident_id).ref,
        "overlaps": [short_id(other) for other in overlaps_of(store, found)],
        "history": [
            {
                "at": change.edit.at,
                "by": change.edit.by,
                "reason": change.edit.reason,
                "old": {
                    "segments": change.edit.old_segments,
                    "channel": change.edit.old_channel.value,
                    "net": cents(change.edit.old_quote.net),
                },
                "new": {
                    "segments": change.new_segments,
                    "channel": change.new_channel.value,
                    "net": cents(change.new_quote.net),
                },
            }
            for change in history(found)
        ],
    }


def _saved(store: Store, found: Session, said: str) -> None:
    """Print what was saved, and warn (on stderr) of other sessions that share its time."""
    from core.sessions import overlaps_of, short_id

    others = overlaps_of(store, found)
    if others:
        click.echo(
            "vardia: "
            + ngettext(
                "This session overlaps {n} other session of {who} ({ids}); it is saved, "
                "and its statement line is marked.",
                "This session overlaps {n} other sessions of {who} ({ids}); it is saved, "
                "and its statement lines are marked.",
                len(others),
            ).format(n=len(others), who=found.technician, ids=", ".join(map(short_id, others))),
            err=True,
        )
    click.echo(said)


def _done(store: Store, found: Session, as_json: bool, said: str) -> None:
    if as_json:
        emit(_view(store, found), True)
        # A script reads the overlaps from the JSON; the sentence is for people.
        return
    _saved(store, found, said)


@session.command("add", help=_("Record work done without the timer."))
@click.argument("incident")
@click.option("--channel", type=choice(Channel), required=True)
@segment_option
@reason_option
@click.option("--note", default="", help=_("What was done."))
@json_option
@reports_errors
@pass_env
def session_add(
    env: Env,
    incident: str,
    channel: str,
    segments: tuple[str, ...],
    reason: str,
    note: str,
    as_json: bool,
) -> None:
    from core.sessions import add_session

    _needs_reason(reason, _("Say why the work was not timed with --reason; it is kept."))
    if not segments:
        raise InputError(_("Give the work's time with --segment START/END, e.g. 14:00/14:40."))
    with env.desk() as (store, rules):
        typed = _segments(rules, store, segments)
        added = add_session(
            store, rules, incident, Channel(channel.lower()), typed, reason=reason, note=note
        )
        _done(store, added, as_json, _said(store, added, _("Added session {id} on {ref}")))


def _said(store: Store, found: Session, what: str) -> str:
    from core.sessions import short_id

    q = found.quote
    return (
        what.format(id=short_id(found), ref=store.incident(found.incident_id).ref)
        + ": "
        + _("{worked} worked, net {net} €, total {total} € ({provisional}).").format(
            worked=elapsed(_worked(found)),
            net=figure(q.net),
            total=figure(q.total),
            provisional=PROVISIONAL,
        )
    )


@session.command("edit", help=_("Change a session's times or channel, with a reason."))
@click.argument("session_id", metavar="SESSION")
@segment_option
@click.option("--channel", type=choice(Channel))
@reason_option
@json_option
@reports_errors
@pass_env
def session_edit(
    env: Env,
    session_id: str,
    segments: tuple[str, ...],
    channel: str | None,
    reason: str,
    as_json: bool,
) -> None:
    from core.sessions import find_session
    from core.timer import edit_session

    _needs_reason(reason, _("Say why the session changes with --reason; it is kept with it."))
    if not segments and channel is None:
        raise InputError(_("Give the new times (--segment) or the new channel (--channel)."))
    with env.desk() as (store, rules):
        found = find_session(store, session_id)
        edited = edit_session(
            store,
            rules,
            found.id,
            segments=_segments(rules, store, segments) if segments else found.segments,
            channel=Channel(channel.lower()) if channel else None,
            reason=reason,
        )
        _done(store, edited, as_json, _said(store, edited, _("Edited session {id} on {ref}")))


@session.command("delete", help=_("Delete a session: an edit to no time, kept in its history."))
@click.argument("session_id", metavar="SESSION")
@reason_option
@json_option
@reports_errors
@pass_env
def session_delete(env: Env, session_id: str, reason: str, as_json: bool) -> None:
    from core.sessions import delete_session, find_session

    _needs_reason(reason, _("Say why the session is deleted with --reason; it is kept."))
    with env.desk() as (store, rules):
        found = find_session(store, session_id)
        deleted = delete_session(store, rules, found.id, reason=reason)
        _done(store, deleted, as_json, _said(store, deleted, _("Deleted session {id} on {ref}")))


def _marks(found: Session, overlapped: frozenset[str]) -> str:
    from core.ledger import is_provisional

    return (
        session_marks(found)
        + (OVERLAP_MARK if found.id in overlapped else "")
        + (PROVISIONAL_MARK if is_provisional(found) else "")
    )


def _list_text(rules: Rules, store: Store, found: Sequence[Session]) -> str:
    from core.ledger import billed_quote
    from core.overlaps import overlapping
    from core.sessions import short_id

    if not found:
        return _("No sessions.")
    overlapped = overlapping([*store.sessions(technician=store.technician), *found])
    refs = {s.incident_id: store.incident(s.incident_id).ref for s in found}
    rows = [
        (
            short_id(s),
            numeric_at(s.started_at, rules.timezone),
            refs[s.incident_id],
            s.technician,
            CHANNEL_LABELS[s.channel],
            elapsed(_worked(s)),
            figure(billed_quote(s).net),
            _marks(s, overlapped),
        )
        for s in found
    ]
    headers = (
        _("Id"),
        _("Started"),
        _("Incident"),
        _("Technician"),
        _("Channel"),
        _("Worked"),
        _("Net €"),
        "",
    )
    legend = _("+ added by hand  ✎ edited  ✖ deleted  ! overlaps another  * provisional")
    return table(headers, rows, caps=(6, 15, 10, 10, 8, 8, 10)) + "\n" + legend


@session.command("list", help=_("The sessions of an incident, or all of yours."))
@click.argument("incident", required=False)
@json_option
@reports_errors
@pass_env
def session_list(env: Env, incident: str | None, as_json: bool) -> None:
    from core.sessions import short_id

    with env.desk(read_only=True) as (store, rules):
        if incident is None:
            found = store.sessions(technician=store.technician)
        else:
            on = store.incident(incident)
            found = store.sessions(customer_id=on.customer_id, incident_id=on.id)
        if as_json:
            emit([{**session_json(s), "short_id": short_id(s)} for s in found], True)
            return
        click.echo(_list_text(rules, store, found))


def _show_text(rules: Rules, view: dict[str, Any], found: Session) -> str:
    from core.ledger import billed_quote
    from core.sessions import history

    def spans(segments: Sequence[Segment]) -> str:
        if all(s.end == s.start for s in segments):
            return _("no time")
        return ", ".join(
            f"{short_at(s.start, rules.timezone)}–{s.end.astimezone(rules.timezone):%H:%M}"
            for s in segments
        )

    lines = [
        _("Session {id} on {ref}, {who}, {channel}").format(
            id=view["short_id"],
            ref=view["ref"],
            who=found.technician,
            channel=CHANNEL_LABELS[found.channel],
        ),
        _("  time     {spans} ({worked} worked)").format(
            spans=spans(found.segments), worked=elapsed(_worked(found))
        ),
        _("  price    net {net} €, total {total} €{provisional}").format(
            net=figure(billed_quote(found).net),
            total=figure(billed_quote(found).total),
            provisional=f" ({PROVISIONAL})" if view["provisional"] else "",
        ),
    ]
    if view["overlaps"]:
        lines.append(_("  overlaps {ids}").format(ids=", ".join(view["overlaps"])))
    changes = history(found)
    if not changes:
        lines.append(_("Never changed: as the timer measured it."))
        return "\n".join(lines)
    lines.append(_("History"))
    for change in changes:
        edit = change.edit
        lines.append(f"  {short_at(edit.at, rules.timezone)}  {edit.by}: {edit.reason}")
        lines.append(
            _("    time     {old} → {new}").format(
                old=spans(edit.old_segments), new=spans(change.new_segments)
            )
        )
        if edit.old_channel != change.new_channel:
            lines.append(
                _("    channel  {old} → {new}").format(
                    old=CHANNEL_LABELS[edit.old_channel], new=CHANNEL_LABELS[change.new_channel]
                )
            )
        lines.append(
            _("    net      {old} € → {new} €").format(
                old=figure(edit.old_quote.net), new=figure(change.new_quote.net)
            )
        )
    return "\n".join(lines)


@session.command("show", help=_("One session: its time, price and history of changes."))
@click.argument("session_id", metavar="SESSION")
@json_option
@reports_errors
@pass_env
def session_show(env: Env, session_id: str, as_json: bool) -> None:
    from core.sessions import find_session

    with env.desk(read_only=True) as (store, rules):
        found = find_session(store, session_id)
        view = _view(store, found)
    emit(view, as_json, lambda: _show_text(rules, view, found))


COMMANDS: list[click.Command] = [session]
