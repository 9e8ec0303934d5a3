"""How the desk works day to day: choices a vendor makes about its own routine.

Loaded by ``core.rules`` from the shipped ``workflow.toml`` overridden by the configuration
directory's, like the calendar; part of :class:`core.rules.Rules`, so the app and the
command line behave alike.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["TimerWorkflow", "Workflow"]


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimerWorkflow(_Config):
    """What starting the timer does besides timing."""

    claims_incident: bool = True
    """Starting it takes the incident on: assigned to this technician when nobody holds it,
    and its first response recorded when it has none (see ``core.incidents.claim``)."""


class Workflow(_Config):
    """The shipped ``workflow.toml``, with the vendor's laid over it."""

    timer: TimerWorkflow = TimerWorkflow()
