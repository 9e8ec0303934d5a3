"""The language: from the locale, $VARDIA_LANG and --lang, and Greek plural forms."""

from __future__ import annotations

import pytest

from core.i18n import N_, Labels, _, language_from, ngettext, requested_language, use


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "el_GR.UTF-8"}, "el"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "el_GR.UTF-8"}, "el"),
        ({"LANG": "el_GR.UTF-8", "LC_ALL": "C"}, "en"),
        ({"LC_ALL": "el_GR.UTF-8", "LANG": "en_GB.UTF-8"}, "el"),
        ({"LANG": "el_GR.UTF-8", "VARDIA_LANG": "en"}, "en"),
        ({"LANG": "C", "VARDIA_LANG": "el"}, "el"),
        ({"LANG": "el_GR.UTF-8", "VARDIA_LANG": "klingon"}, "el"),
    ],
)
def test_the_language_follows_the_locale_unless_vardia_lang_says(
    environ: dict[str, str], expected: str
) -> None:
    assert language_from(environ) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], None),
        (["--lang", "el"], "el"),
        (["--lang=en", "queue"], "en"),
        (["--home", "/srv/v", "--lang", "el", "serve"], "el"),
        (["incident", "note", "D-1", "--", "--lang", "el"], None),
        (["--lang"], None),
    ],
)
def test_lang_is_read_from_the_command_line_before_click(
    args: list[str], expected: str | None
) -> None:
    assert requested_language(args) == expected


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="klingon"):
        use("klingon")


@pytest.mark.usefixtures("greek")
@pytest.mark.parametrize(
    ("n", "expected"), [(1, "1 συνεδρία"), (0, "0 συνεδρίες"), (2, "2 συνεδρίες")]
)
def test_greek_plurals_take_the_singular_for_one_only(n: int, expected: str) -> None:
    assert ngettext("{n} session", "{n} sessions", n).format(n=n) == expected


@pytest.mark.usefixtures("greek")
def test_labels_translate_when_read_not_when_marked() -> None:
    labels = Labels({"a": N_("on site")})
    assert labels["a"] == "επί τόπου"
    use("en")
    assert labels["a"] == "on site"
    assert _("on site") == "on site"
