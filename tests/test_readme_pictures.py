"""What the README shows is the app's own and current: the pictures and documents it links
exist, and the statement in docs/ is what the demo data renders now (`make screenshots`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.demo import demo_document
from core.i18n import language, use
from core.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_picture_and_document_the_readme_links_is_there_in_both_languages() -> None:
    links = re.findall(r"\]\(((?:screenshots|docs)/[^)\s]+)\)", README)
    assert {"screenshots/queue.svg", "screenshots/queue-el.svg"} <= set(links)
    assert {"docs/statement-el.html", "docs/statement-en.html"} <= set(links)
    assert [link for link in links if not (ROOT / link).is_file()] == []


@pytest.mark.parametrize("lang", ["en", "el"])
def test_the_statement_in_docs_is_what_the_demo_data_renders_now(lang: str) -> None:
    spoken = language()
    use(lang)
    try:
        rendered = demo_document(load_rules(None))
    finally:
        use(spoken)
    shipped = (ROOT / "docs" / f"statement-{lang}.html").read_text(encoding="utf-8")
    assert shipped == rendered, "docs/ is stale: `make screenshots` renders it again"
