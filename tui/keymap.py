"""Reads the user's key remapping from ``<config_dir>/keymap.toml``.

The file has one table, ``[keymap]``, mapping a binding id to the keys it should use::

    [keymap]
    "queue.search" = "slash,ctrl+f"
    "timer.stop" = "X"

Binding ids are listed on the help screen (``?``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from core.errors import ConfigError
from core.i18n import _

__all__ = ["KEYMAP_FILE", "load_keymap"]

KEYMAP_FILE = "keymap.toml"


def load_keymap(config_dir: Path) -> dict[str, str]:
    """The remapped keys by binding id; no file means no remapping."""
    path = config_dir / KEYMAP_FILE
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(
            _("{path} cannot be read ({error}); fix or remove it.").format(path=path, error=error)
        ) from None
    table = data.get("keymap", {})
    if not isinstance(table, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in table.items()
    ):
        raise ConfigError(
            _('{path}: [keymap] must map binding ids to keys, like "timer.stop" = "X".').format(
                path=path
            )
        )
    return dict(table)
