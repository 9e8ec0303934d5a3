"""Where vardia keeps its data and configuration, read once at start and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs
from pydantic import BaseModel, ConfigDict

__all__ = ["Paths"]


class Paths(BaseModel):
    """The data directory (the store) and the configuration directory (rules, keymap, login).

    ``$VARDIA_HOME`` puts both under one folder (tests and second profiles use it):
    data in ``$VARDIA_HOME``, configuration in ``$VARDIA_HOME/config``.
    """

    model_config = ConfigDict(frozen=True)

    data_dir: Path
    config_dir: Path

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Paths:
        env = os.environ if environ is None else environ
        home = env.get("VARDIA_HOME")
        if home:
            root = Path(home).expanduser()
            return cls(data_dir=root, config_dir=root / "config")
        return cls(
            data_dir=Path(platformdirs.user_data_dir("vardia", appauthor=False)),
            config_dir=Path(platformdirs.user_config_dir("vardia", appauthor=False)),
        )
