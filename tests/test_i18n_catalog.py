"""Greek has every marked string: found as ``make catalog`` finds them (babel's
extractor, keywords ``_``, ``N_``, ``N_plural`` and ``ngettext``), translated in
``core/locale/el/LC_MESSAGES/vardia.po`` with the same placeholders and plural forms.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.i18n import DOMAIN, LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "tui", "server")
PO = LOCALE_DIR / "el" / "LC_MESSAGES" / f"{DOMAIN}.po"
KEYWORDS = {"_": None, "N_": None, "N_plural": (1, 2), "ngettext": (1, 2)}
FIELD = re.compile(r"\{[^{}]*\}")


def _marked() -> Iterator[tuple[str | tuple[str, ...], str]]:
    for package in PACKAGES:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            yield message, f"{package}/{filename}:{lineno}"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    with PO.open("rb") as source:
        return read_po(source)


def test_every_marked_string_has_a_greek_translation(catalog: Catalog) -> None:
    missing = []
    for message, where in _marked():
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(msgid)
        strings = entry.string if entry is not None else ""
        strings = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or entry.fuzzy or not all(strings):
            missing.append(f"{where}: {msgid!r}")
    assert not missing, "untranslated (make catalog, then translate):\n" + "\n".join(missing)


def test_the_catalog_has_greek_plural_forms(catalog: Catalog) -> None:
    assert catalog.locale is not None and str(catalog.locale) == "el"
    assert catalog.plural_forms == "nplurals=2; plural=(n != 1);"
    plurals = [m for m in catalog if m.id and isinstance(m.id, tuple)]
    assert plurals and all(len(m.string) == 2 for m in plurals)


def test_translations_keep_every_placeholder(catalog: Catalog) -> None:
    wrong = []
    for entry in catalog:
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for msgid, msgstr in zip(ids, strings, strict=False):
            if sorted(FIELD.findall(msgid)) != sorted(FIELD.findall(msgstr)):
                wrong.append(f"{msgid!r} → {msgstr!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_the_installed_catalog_is_compiled_from_this_po(catalog: Catalog) -> None:
    mo = PO.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: `make` installs vardia again, which compiles it"
    with mo.open("rb") as compiled:
        translations = gettext.GNUTranslations(compiled)
    stale = [
        entry.id
        for entry in catalog
        if entry.id and isinstance(entry.id, str) and translations.gettext(entry.id) != entry.string
    ]
    assert not stale, f"{mo} is older than the .po: run `make`; first stale: {stale[:3]}"
