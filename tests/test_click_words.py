"""Click's own words are vardia's to translate: each message of the installed click is marked
in ``core.click_words`` (so the catalog has its Greek) or named there as one vardia never
shows. A click upgrade that adds a message fails here until it is sorted into one or the other.
"""

from __future__ import annotations

from pathlib import Path

import click
from babel.messages.extract import extract_from_dir

from core.click_words import CLICK_WORDS, NOT_SHOWN, speak_through_vardia
from core.i18n import language, use


def _click_messages() -> set[str]:
    found = set()
    for filename, _line, message, _comments, _context in extract_from_dir(
        Path(click.__file__).parent,
        method_map=[("**.py", "python")],
        keywords={"_": None, "ngettext": (1, 2)},
    ):
        if not filename.startswith("_winconsole"):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


DYNAMIC = {"required"}
"""Click's messages translated through a variable (``_(extra["required"])``): babel misses them."""


def test_every_message_of_click_is_marked_or_known_unshown() -> None:
    messages = _click_messages() | DYNAMIC
    marked = {word[0] if isinstance(word, tuple) else word for word in CLICK_WORDS}
    assert not marked & NOT_SHOWN
    assert sorted(messages - marked - NOT_SHOWN) == [], "new click messages: mark or list them"
    assert sorted((marked | NOT_SHOWN) - messages) == [], "click no longer says these"


def test_click_speaks_the_language_vardia_speaks_now() -> None:
    speak_through_vardia()
    before = language()
    try:
        use("el")
        assert click.exceptions.NoSuchOption("--nope").format_message() == (
            "Δεν υπάρχει επιλογή '--nope'."
        )
        use("en")
        assert click.exceptions.NoSuchOption("--nope").format_message() == (
            "No such option '--nope'."
        )
    finally:
        use(before)
