"""The queue, intake, timer bar, incident, customer and statement in Greek at 80×24, with a
frozen clock.

Key bindings and labels are translated as their modules load, so these run in a process
that speaks Greek from its start: ``make test`` runs them a second time with
``VARDIA_LANG=el`` (``VARDIA_LANG=el pytest tests/tui/test_snapshots_el.py``); the English
run skips them and keeps its own snapshots in test_snapshots.py.
"""

from __future__ import annotations

import pytest

from core.i18n import language
from tests.tui.data import AppFactory
from tests.tui.test_snapshots import REFUSED, SCREENS, _then, refused_app

pytestmark = pytest.mark.skipif(
    language() != "el", reason="Greek snapshots run in a Greek process (VARDIA_LANG=el)"
)

GREEK = [
    "queue",
    "intake",
    "intake_blocked",
    "timer",
    "incident",
    "customer",
    "statement",
    "session_add",
    "session_history",
]


@pytest.mark.parametrize("screen", GREEK)
def test_screen_in_greek(snap_compare, open_app: AppFactory, screen: str) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(open_app(), terminal_size=(80, 24), run_before=_then(*SCREENS[screen]))


__all__ = ["refused_app"]  # the fixture, shared with the English run


@pytest.mark.parametrize("screen", list(REFUSED))
def test_refused_screen_in_greek(snap_compare, refused_app: AppFactory, screen: str) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(refused_app(), terminal_size=(80, 24), run_before=_then(*REFUSED[screen]))
