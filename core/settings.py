"""Where vardia keeps its data and configuration, and who works there: read once at start.

The command line and the app read the environment here, at their edge, and pass the
values down; nothing below them (the store least of all) reads ``os.environ``.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

__all__ = ["Paths", "cache_dir", "technician_name"]


@dataclass(frozen=True)
class Paths:
    """The data directory (the store), the configuration directory (rules, keymap, login)
    and the log directory (the sync log a technician can send).

    ``$VARDIA_HOME`` puts all three under one folder (tests and second profiles use it):
    data in ``$VARDIA_HOME``, configuration in ``$VARDIA_HOME/config``, logs in
    ``$VARDIA_HOME/log``.
    A plain dataclass: every command reads it, and most need no model library.
    """

    data_dir: Path
    config_dir: Path
    log_dir: Path

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Paths:
        env = os.environ if environ is None else environ
        home = env.get("VARDIA_HOME")
        if home:
            root = Path(home).expanduser()
            return cls(data_dir=root, config_dir=root / "config", log_dir=root / "log")
        return cls(
            data_dir=Path(platformdirs.user_data_dir("vardia", appauthor=False)),
            config_dir=Path(platformdirs.user_config_dir("vardia", appauthor=False)),
            log_dir=Path(platformdirs.user_log_dir("vardia", appauthor=False)),
        )


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where vardia keeps what it can compute again (``core.holiday_file``): beside the
    configuration under ``$VARDIA_HOME``, else the platform's cache directory."""
    env = os.environ if environ is None else environ
    home = env.get("VARDIA_HOME")
    if home:
        return Path(home).expanduser() / "cache"
    return Path(platformdirs.user_cache_dir("vardia", appauthor=False))


def technician_name(environ: Mapping[str, str] | None = None) -> str:
    """Who a new store records work as: ``$VARDIA_TECHNICIAN``, else the OS user's name.

    Only a new store takes it; an existing one keeps its own (and a login renames it).
    """
    env = os.environ if environ is None else environ
    return env.get("VARDIA_TECHNICIAN") or getpass.getuser()
