"""Compiles the translations (``core/locale/*/LC_MESSAGES/vardia.po``) into the ``.mo`` files
that gettext reads, for every wheel and for the editable install alike: the ``.po`` is the
source kept in the repository, the ``.mo`` is a build product (git ignores it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CatalogHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        for po in sorted(root.glob("core/locale/*/LC_MESSAGES/*.po")):
            with po.open("rb") as source:
                catalog = read_po(source)
            mo = po.with_suffix(".mo")
            with mo.open("wb") as target:
                write_mo(target, catalog)
            # An ignored file still goes into the wheel as an artifact.
            build_data["artifacts"].append(f"/{mo.relative_to(root).as_posix()}")
