"""The statement a customer receives: the HTML document and the spreadsheet, on demo data."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.demo import demo_statement, demo_vendor
from core.documents import statement_html
from core.errors import ConfigError
from core.i18n import money
from core.letterhead import Letterhead
from core.periods import Month
from core.rules import load_letterhead, load_rules
from core.statements import (
    BOM,
    CSV_HEADER,
    CsvDialect,
    Statement,
    StatementDocument,
    write_statement_csv,
)

ATHENS = ZoneInfo("Europe/Athens")
RULES = load_rules(None)
MONTH = Month(2026, 11)
LETTERHEAD = demo_vendor()
ISSUED = StatementDocument(
    number="2026/0042", issued_at=datetime(2026, 12, 2, 9, 30, tzinfo=ATHENS)
)
CUSTOMER, STATEMENT = demo_statement(RULES)
"""The demo customer with the most sessions in November 2026, and its month."""
assert len(STATEMENT.lines) >= 3, "the demo month should give the document something to show"


class _Page(HTMLParser):
    """What a browser would fetch and show: the sources it loads and the text it renders."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.text: list[str] = []
        self.tags: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.sources += [v or "" for k, v in attrs if k in ("src", "href")]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _page(html: str) -> tuple[_Page, str]:
    page = _Page()
    page.feed(html)
    return page, " ".join(" ".join(page.text).split())


def test_the_document_carries_letterhead_customer_number_lines_and_the_json_totals(
    greek: None,
) -> None:
    issued = STATEMENT.model_copy(update={"document": ISSUED})
    page, text = _page(statement_html(issued, CUSTOMER, LETTERHEAD, RULES.plans, ATHENS))
    for shown in ("Πληροφορική Αιγαίου Α.Ε.", "094019245", "Αμαρουσίου", "support@aigaio-soft.gr"):
        assert shown in text
    # The customer as the document names it: its ΑΦΜ, ΔΟΥ and address, from its record.
    assert CUSTOMER.tax_id and CUSTOMER.tax_office and CUSTOMER.address
    assert CUSTOMER.name in text and CUSTOMER.address in text
    assert f"ΑΦΜ {CUSTOMER.tax_id} · ΔΟΥ {CUSTOMER.tax_office}" in text
    assert text.count(CUSTOMER.tax_id) == 1
    assert "2026/0042" in text and "02/12/2026" in text
    assert "01/11/2026 – 30/11/2026" in text
    assert "πρόχειρο" not in text.lower()
    # Every line, and the totals the JSON statement gives, as Greek money.
    assert page.tags["tr"] >= len(STATEMENT.lines)
    for line in STATEMENT.lines:
        assert line.incident_ref in text and money(line.net) in text
    totals = Statement.model_validate_json(issued.model_dump_json()).totals
    for amount in (totals.net, totals.vat, totals.total):
        assert money(amount) in text
    assert f"ΦΠΑ 24 % {money(totals.vat)}" in text
    assert f"Σύνολο {money(totals.total)}" in text


def test_the_document_stands_alone_and_prints_on_a4() -> None:
    logo = Path(__file__).parent / "logo.svg"
    with_logo = LETTERHEAD.model_copy(update={"logo": logo})
    html = statement_html(STATEMENT, CUSTOMER, with_logo, RULES.plans, ATHENS)
    page, _text = _page(html)
    assert re.search(r"@page\s*\{\s*size:\s*A4", html)
    # Nothing to fetch: the logo is inside the page, and no script, font or sheet is linked.
    assert page.sources == [f"data:image/svg+xml;base64,{_b64(logo)}"]
    assert page.tags["script"] == page.tags["link"] == 0
    assert "url(" not in html and "@import" not in html


def _b64(path: Path) -> str:
    import base64

    return base64.b64encode(path.read_bytes()).decode()


def test_a_draft_says_it_has_no_number_and_each_mark_used_is_explained() -> None:
    _parsed, text = _page(statement_html(STATEMENT, CUSTOMER, LETTERHEAD, RULES.plans, ATHENS))
    assert STATEMENT.document is None
    assert "Provisional draft, without a number" in text
    lines = STATEMENT.lines
    used = {
        "after hours: outside the support hours": any(ln.after_hours for ln in lines),
        "provisional: priced on a device": any(ln.provisional for ln in lines),
        "a premium incident beyond the pack": any(ln.beyond_pack for ln in lines),
        "times changed after the session was recorded": any(ln.edits for ln in lines),
    }
    assert any(used.values())
    assert {meaning: meaning in text for meaning in used} == used


def test_every_text_from_a_record_or_the_configuration_is_escaped() -> None:
    hostile = CUSTOMER.model_copy(update={"name": "<script>alert(1)</script> & Σία"})
    shaped = STATEMENT.model_copy(
        update={
            "customer_name": hostile.name,
            "lines": tuple(
                ln.model_copy(update={"incident_subject": '<img src=x onerror="1">'})
                for ln in STATEMENT.lines
            ),
        }
    )
    letterhead = LETTERHEAD.model_copy(update={"name": "A&B <Α.Ε.>"})
    html = statement_html(shaped, hostile, letterhead, RULES.plans, ATHENS)
    page, text = _page(html)
    assert page.tags["script"] == 0 and page.sources == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Σία" in html
    assert "A&amp;B &lt;Α.Ε.&gt;" in html
    assert '<img src=x onerror="1">' in text  # shown as text, never as a tag


def test_greek_excel_reads_the_csv_in_columns_with_decimal_commas(greek: None) -> None:
    out = io.StringIO()
    write_statement_csv(STATEMENT, out)  # Greek: Greek Excel's dialect by default
    sheet = out.getvalue()
    assert sheet.startswith(BOM)
    rows = list(csv.reader(io.StringIO(sheet.removeprefix(BOM)), delimiter=";"))
    assert rows[0] == list(CSV_HEADER)
    assert all(len(row) == len(CSV_HEADER) for row in rows)
    column = {name: index for index, name in enumerate(CSV_HEADER)}

    def number(row: list[str], name: str) -> Decimal:
        text = row[column[name]]
        assert "." not in text, text  # a decimal comma, no point Excel would misread
        return Decimal(text.replace(",", "."))

    sessions = [row for row in rows if row[0] == "session"]
    assert [row[column["incident"]] for row in sessions] == [
        ln.incident_ref for ln in STATEMENT.lines
    ]
    for row, line in zip(sessions, STATEMENT.lines, strict=True):
        assert number(row, "amount") == line.amount
        assert number(row, "billable_minutes") == line.billable_minutes
        assert number(row, "in_hours_minutes") == line.in_hours_minutes
    totals = {row[0]: row for row in rows if row[0] != "session"}
    t = STATEMENT.totals
    assert number(totals["net"], "amount") == t.net
    assert number(totals["VAT 24 %"], "amount") == t.vat
    assert number(totals["total"], "amount") == t.total


def test_the_english_dialect_keeps_commas_and_points() -> None:
    out = io.StringIO()
    write_statement_csv(STATEMENT, out, CsvDialect.EXCEL)
    rows = list(csv.DictReader(io.StringIO(out.getvalue().removeprefix(BOM))))
    total = next(r for r in rows if r["line"] == "total")
    assert total["amount"] == f"{STATEMENT.totals.total:.2f}"


def test_the_letterhead_comes_from_the_configuration_with_a_sentence_for_a_bad_file(
    tmp_path: Path,
) -> None:
    assert load_letterhead(None) == Letterhead()
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "letterhead.toml").write_text(
        'name = "Πληροφορική Αιγαίου Α.Ε."\ntax_id = "094019245"\nlogo = "logo.png"\n',
        encoding="utf-8",
    )
    mine = load_letterhead(tmp_path)
    assert (mine.name, mine.tax_id, mine.phone) == ("Πληροφορική Αιγαίου Α.Ε.", "094019245", "")
    assert mine.logo == tmp_path / "logo.png"
    assert (mine.logo_uri() or "").startswith("data:image/png;base64,")
    for text, says in (
        ('nmae = "x"\n', "field 'nmae': extra inputs are not permitted"),
        ('logo = "missing.png"\n', "field 'logo': the logo"),
        ('logo = "notes.txt"\n', "must be a PNG, JPEG, GIF, WebP or SVG image"),
        ("name = \n", "is not valid TOML"),
    ):
        (tmp_path / "letterhead.toml").write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=re.escape(says)) as error:
            load_letterhead(tmp_path)
        assert str(tmp_path / "letterhead.toml") in str(error.value)


def test_the_commands_offer_every_dialect_the_writer_knows() -> None:
    from core.statement_flags import DIALECTS

    assert tuple(d.value for d in CsvDialect) == DIALECTS
