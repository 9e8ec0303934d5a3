"""How the desk works day to day: choices a vendor makes about its own routine.

Loaded by ``core.rules`` from the shipped ``workflow.toml`` overridden by the configuration
directory's, like the calendar; part of :class:`core.rules.Rules`, so the app and the
command line behave alike.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Alerting", "TimerWorkflow", "Workflow"]


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimerWorkflow(_Config):
    """What starting the timer does besides timing."""

    claims_incident: bool = True
    """Starting it takes the incident on: assigned to this technician when nobody holds it,
    and its first response recorded when it has none (see ``core.incidents.claim``)."""
    remind_after_minutes: int = Field(default=120, ge=0)
    """A reminder when a running timer has run this long (0: none), for a timer forgotten."""
    remind_into_after_hours: bool = True
    """A reminder when a running timer crosses into after-hours, where the surcharge applies."""


class Alerting(_Config):
    """How the app gets the technician's attention (``tui.alerts``)."""

    bell: bool = True
    """The terminal's bell, besides the flash and the note on screen (``--no-bell``: off)."""
    desktop: Literal["auto", "osc9", "osc777", "off"] = "auto"
    """A desktop notification through the terminal's escape: ``auto`` where the terminal is
    known to show one, ``osc9`` or ``osc777`` to force one, ``off`` for none."""


class Workflow(_Config):
    """The shipped ``workflow.toml``, with the vendor's laid over it."""

    timer: TimerWorkflow = TimerWorkflow()
    alerts: Alerting = Alerting()
