"""Marks user-facing strings for translation and chooses the language; English is the source.

Greek when the locale is Greek (``LC_ALL``, else ``LC_MESSAGES``, else ``LANG``, as POSIX
orders them), English otherwise; ``$VARDIA_LANG`` overrides the locale and ``--lang`` on the
command line overrides both. The language is chosen at import from the environment, and the
command lines' entry points call :func:`use` with ``--lang`` before they load the modules
whose key bindings and help texts are translated as those modules load.

``_`` and ``ngettext`` translate when called; :func:`N_` only marks a string for the catalog
(``core/locale/el/LC_MESSAGES/vardia.po``, compiled to a ``.mo`` by the build), for text
translated later with ``_``, and :func:`N_plural` a message with its plural, for ``ngettext``.

Amounts, numbers and dates follow the language too (``1.234,56 €``, ``23/11/2026``, babel's
CLDR data for Greek): they are here, in ``core``, because the documents the server writes
show them as the app does; ``tui.format`` builds the app's other texts on them.
"""

from __future__ import annotations

import gettext
import os
import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

__all__ = [
    "LANGUAGES",
    "N_",
    "TEXT_WIDTH",
    "Labels",
    "N_plural",
    "_",
    "cents",
    "date_text",
    "dated",
    "day_month",
    "figure",
    "fit",
    "hours",
    "language",
    "language_from",
    "money",
    "month_name",
    "ngettext",
    "quantity",
    "requested_language",
    "short_at",
    "text_width",
    "use",
    "use_lang_option",
]

LANGUAGES = ("en", "el")
"""The languages vardia speaks: English, its source, and Greek."""

DOMAIN = "vardia"
LOCALE_DIR = Path(__file__).parent / "locale"

_K = TypeVar("_K")


def language_from(environ: Mapping[str, str]) -> str:
    """``$VARDIA_LANG`` when it names a language vardia speaks, else the locale's language."""
    chosen = environ.get("VARDIA_LANG", "").strip().lower()
    if chosen in LANGUAGES:
        return chosen
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return "el" if value.lower().startswith("el") else "en"
    return "en"


def requested_language(args: Sequence[str]) -> str | None:
    """The value of ``--lang`` in a command line (up to ``--``), read before click parses it."""
    for index, arg in enumerate(args):
        if arg == "--":
            return None
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
        if arg == "--lang":
            return args[index + 1] if index + 1 < len(args) else None
    return None


def use_lang_option(args: Sequence[str]) -> None:
    """Speak what ``--lang`` asks for, if it names a language; click reports any other value."""
    lang = requested_language(args)
    if lang in LANGUAGES:
        use(lang)


def _load(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang], fallback=True)


_language = language_from(os.environ)
_translation = _load(_language)


def use(lang: str) -> None:
    """Speak ``lang`` from now on (one of :data:`LANGUAGES`)."""
    global _language, _translation
    if lang not in LANGUAGES:
        raise ValueError(f"vardia speaks {', '.join(LANGUAGES)}, not {lang!r}")
    _language, _translation = lang, _load(lang)


def language() -> str:
    """The language vardia speaks now: ``"en"`` or ``"el"``."""
    return _language


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks ``message`` for the catalog without translating it yet."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Marks a message and its plural for the catalog without translating them yet."""
    return singular, plural


class Labels(Mapping[_K, str]):
    """A table of labels marked with :func:`N_`, each translated when it is read."""

    def __init__(self, marked: Mapping[_K, str]) -> None:
        self._marked = dict(marked)

    def __getitem__(self, key: _K) -> str:
        return _(self._marked[key])

    def __iter__(self) -> Iterator[_K]:
        return iter(self._marked)

    def __len__(self) -> int:
        return len(self._marked)


def hours(minutes: Decimal) -> str:
    """Minutes as ``h:mm``, the way a timesheet reads."""
    whole = int(minutes.to_integral_value())
    return f"{whole // 60}:{whole % 60:02d}"


def cents(amount: Decimal) -> str:
    """An amount with its two decimals, ``12.50``, as JSON carries it (half-up), in any language."""
    from core.money import to_cents  # core.money marks its sentences with this module's ``_``

    return f"{to_cents(amount):.2f}"


def figure(amount: Decimal) -> str:
    """An amount with its two decimals as a table shows it: ``12.50``, in Greek ``1.234,56``."""
    if _language == "en":
        return cents(amount)
    from babel.numbers import format_decimal

    from core.money import to_cents

    return format_decimal(to_cents(amount), format="#,##0.00", locale=_language)


def quantity(value: Decimal) -> str:
    """A number as a person writes it: ``2``, ``3.5``, never ``2.0000``; in Greek ``3,5``."""
    if _language == "en":
        return format(value.normalize(), "f")
    from babel.numbers import format_decimal

    return format_decimal(value.normalize(), locale=_language)


def money(amount: Decimal) -> str:
    """An amount in euros, ``12.50 €``, in Greek ``1.234,56 €``."""
    return f"{figure(amount)} €"


def dated(at: date, english: str, greek: str) -> str:
    """``at`` by a strftime pattern in English, by a CLDR pattern (babel) in Greek."""
    if _language == "en":
        return at.strftime(english)
    from babel.dates import format_date, format_datetime

    if isinstance(at, datetime):
        return format_datetime(at, greek, tzinfo=at.tzinfo, locale=_language)
    return format_date(at, greek, locale=_language)


def month_name(first_day: date) -> str:
    """A month by its name, as a title names it: ``November 2026``, ``Νοέμβριος 2026``."""
    return dated(first_day, "%B %Y", "LLLL y")


def date_text(day: date) -> str:
    """A calendar date: ``2026-11-23`` in English, ``23/11/2026`` in Greek."""
    return dated(day, "%Y-%m-%d", "dd/MM/y")


def short_at(at: datetime | None, tz: tzinfo | None = None) -> str:
    """An instant as a technician in Athens (or ``tz``) reads it: ``Mon 23 Nov 17:00``,
    ``Δευ 23/11 17:00``; ``—`` for none."""
    if at is None:
        return _("—")
    if tz is None:
        from core.calendar import ATHENS  # core.calendar marks its sentences with ``_``

        tz = ATHENS
    return dated(at.astimezone(tz), "%a %d %b %H:%M", "EEE dd/MM HH:mm")


def days_text(first: date, last: date) -> str:
    """Days from ``first`` to ``last``, as a week's title names them: ``30 Nov – 06 Dec 2026``,
    ``30/11 – 06/12/2026``."""
    return f"{dated(first, '%d %b', 'dd/MM')} – {dated(last, '%d %b %Y', 'dd/MM/y')}"


def day_month(day: date) -> str:
    """``23/11``, in every language."""
    return f"{day:%d/%m}"


TEXT_WIDTH = 80
"""The width a command's text output fits: an 80-column terminal, over SSH."""


def text_width(widest: int | None = None) -> int:
    """The terminal's width (at most ``widest``), or ``TEXT_WIDTH`` for a file or a pipe."""
    if not sys.stdout.isatty():
        return TEXT_WIDTH
    columns = shutil.get_terminal_size((TEXT_WIDTH, 24)).columns
    return columns if widest is None else min(columns, widest)


def fit(text: str, width: int) -> str:
    """``text`` on one line of at most ``width`` characters, cut with ``…``."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: max(width - 1, 0)] + "…"
