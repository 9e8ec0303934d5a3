"""The vardia sync server: an HTTP API over SQLite or PostgreSQL.

It installs as vardia's ``server`` extra (``pip install 'vardia[server]'``): a
technician's machine needs none of it. :func:`missing_stack` says, without importing
anything heavy, whether the extra is there.
"""

from __future__ import annotations

import importlib.util

from core.i18n import _

__all__ = ["STACK", "missing_stack"]

__version__ = "0.1.0"

STACK = ("fastapi", "uvicorn", "sqlalchemy", "alembic")
"""The distributions the ``server`` extra brings, as their top-level modules."""


def missing_stack() -> str | None:
    """A sentence naming the ``server`` extra when part of it is not installed, else None."""
    absent = [name for name in STACK if importlib.util.find_spec(name) is None]
    if not absent:
        return None
    return _(
        "this needs vardia's server extra (missing: {absent}); "
        "install vardia with it, e.g. pip install 'vardia[server]'."
    ).format(absent=", ".join(absent))
