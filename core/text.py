"""Text as people search it: Greek accents and letter case make no difference, nor the script.

A technician on a Latin keyboard types Greek names in Latin letters ("Greeklish"), so a
Greek name is also searched in its ELOT 743 transliteration (the Greek standard, the one on
passports): ``Σταθόπουλος`` → ``stathopoulos``. The table below is the standard's, letter by
letter and for its digraphs (ου, μπ, ντ, γγ, γκ, γξ, γχ, and αυ/ευ/ηυ, whose υ reads v or
f by what follows); a diaeresis keeps two vowels apart (``Ταΰγετος`` → ``taygetos``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

__all__ = ["fold", "found_in", "latin_forms", "searchable", "transliterate"]

_LETTERS = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th",
    "ι": "i", "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p",
    "ρ": "r", "σ": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
}  # fmt: skip
_DIGRAPHS = {"ου": "ou", "ντ": "nt", "γγ": "ng", "γκ": "gk", "γξ": "nx", "γχ": "nch"}
_VOWEL_U = {"αυ": "a", "ευ": "e", "ηυ": "i"}
"""The vowel pairs whose υ is a consonant: v, or f before a voiceless sound or at the end."""
_VOICELESS = frozenset("θκξπστφχψ")
_DIAERESIS = "\u0308"


def fold(text: str) -> str:
    """``Φαρμακείο`` → ``φαρμακειο``, so a search typed without accents still finds it."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def searchable(*fields: str) -> str:
    """The ``fields`` folded, one per line: what ``found_in`` looks in, made once and kept
    by a screen that searches the same rows at every keystroke."""
    return "\n".join(map(fold, fields))


def found_in(needle: str, *fields: str) -> bool:
    """Whether ``needle``, already folded (and typed: it holds no line break), is part of one
    of the ``fields``, folded."""
    return needle in searchable(*fields)


def transliterate(text: str, *, mp: str | None = None) -> str:
    """``text`` folded and in Latin letters by ELOT 743: ``Μπακάλης`` → ``bakalis``.

    ELOT writes μπ as b at the start of a word and mp inside it; ``mp`` gives one spelling
    for every μπ instead, as people also type them.
    """
    letters = list(_letters(text))
    out: list[str] = []
    i = 0
    while i < len(letters):
        letter, _apart = letters[i]
        following, following_apart = letters[i + 1] if i + 1 < len(letters) else ("", False)
        pair = letter + following
        if following and not following_apart and pair in _VOWEL_U:
            after = letters[i + 2][0] if i + 2 < len(letters) else ""
            voiceless = after in _VOICELESS or not after.isalpha()
            out.append(_VOWEL_U[pair] + ("f" if voiceless else "v"))
            i += 2
        elif pair == "μπ":
            at_start = i == 0 or not letters[i - 1][0].isalpha()
            out.append(mp or ("b" if at_start else "mp"))
            i += 2
        elif pair in _DIGRAPHS and not following_apart:
            out.append(_DIGRAPHS[pair])
            i += 2
        else:
            out.append(_LETTERS.get(letter, letter))
            i += 1
    return "".join(out)


def latin_forms(text: str) -> frozenset[str]:
    """The Latin spellings a search of ``text`` accepts: ELOT's, and with every μπ as mp or b."""
    return frozenset(transliterate(text, mp=mp) for mp in (None, "mp", "b"))


def _letters(text: str) -> Iterator[tuple[str, bool]]:
    """Each base character of ``text`` folded, and whether it carries a diaeresis."""
    for ch in unicodedata.normalize("NFC", text.casefold()):
        decomposed = unicodedata.normalize("NFD", ch)
        yield decomposed[0], _DIAERESIS in decomposed[1:]
