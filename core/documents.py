"""Renders a customer's monthly statement as the document the customer receives: one HTML page,
and its text form for a terminal.

One renderer of each form for ``vardia statement`` and ``vardia-server statement`` alike.
The text form fits the width it is given (80 columns in a file or a pipe): each session is a
line of figures whose columns give way with ``…``, and its subject a line under it cut with
``…``, never wrapped. The HTML page stands alone (its style inline, the logo a data URI, no
script, no font or image to fetch), prints on A4 from any browser (``@page``, a table header
repeated on every page, no row split across two), and speaks the language vardia speaks: its
words through the catalog, amounts and dates through ``core.i18n``. Every text that comes
from a record or the configuration is escaped.

A statement the server has not issued has no number: it is printed as a provisional draft,
and says so at its head.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo
from decimal import Decimal
from html import escape

from core import i18n
from core.calendar import ATHENS
from core.channels import CHANNEL_LABELS
from core.i18n import _, date_text, hours, language, money, month_name, quantity
from core.letterhead import Letterhead
from core.models import Customer
from core.periods import Month
from core.plans import PriceList
from core.statements import OVERLAP_MARK, Statement, StatementLine, credit_text, minutes_text

__all__ = [
    "MARKS",
    "line_marks",
    "marks_used",
    "partial_header",
    "statement_html",
    "statement_text",
]

MARKS = {
    "after_hours": "☾",
    "provisional": "*",
    "beyond_pack": "+",
    "overlaps": OVERLAP_MARK,
    "edited": "✎",
}
"""The marks a statement's lines carry, each explained in the legend of a page that uses it."""


def _legend(kind: str) -> str:
    return {
        "after_hours": _("after hours: outside the support hours, with the surcharge"),
        "provisional": _("provisional: priced on a device, not yet by the server"),
        "beyond_pack": _("a premium incident beyond the pack, billed by the hour"),
        "overlaps": _("its time overlaps another session of the same technician"),
        "edited": _("times changed after the session was recorded"),
    }[kind]


def marks_used(statement: Statement) -> list[tuple[str, str]]:
    """The marks the statement's lines carry, each with what it means, in ``MARKS`` order."""
    used = {
        "after_hours": any(ln.after_hours for ln in statement.lines),
        "provisional": any(ln.provisional for ln in statement.lines),
        "beyond_pack": any(ln.beyond_pack for ln in statement.lines),
        "overlaps": any(ln.overlaps for ln in statement.lines),
        "edited": any(ln.edits for ln in statement.lines),
    }
    return [(MARKS[kind], _legend(kind)) for kind, shown in used.items() if shown]


CSS = """
@page { size: A4; margin: 16mm 14mm 18mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font: 9.5pt/1.35 "Segoe UI", "Noto Sans", "DejaVu Sans", Arial, sans-serif;
       color: #111; margin: 0; }
@media screen { body { max-width: 210mm; margin: 8mm auto; padding: 0 14mm; } }
header.letterhead { display: flex; gap: 6mm; align-items: flex-start;
                    border-bottom: 1.5pt solid #222; padding-bottom: 3mm; }
header.letterhead img { max-height: 22mm; max-width: 45mm; }
header.letterhead .vendor { flex: 1; }
header.letterhead h1 { font-size: 15pt; margin: 0 0 1mm; }
header.letterhead p { margin: 0; }
h2 { font-size: 12.5pt; margin: 6mm 0 2mm; }
h3 { font-size: 10pt; margin: 5mm 0 1.5mm; }
.parties { display: flex; justify-content: space-between; gap: 8mm; margin-top: 4mm; }
.parties .customer { flex: 1; border: 0.75pt solid #999; padding: 2.5mm 3.5mm; }
.parties .customer p { margin: 0; }
.parties .customer .name { font-weight: 600; font-size: 11pt; }
dl.document { display: grid; grid-template-columns: auto auto; gap: 0.5mm 4mm; margin: 0; }
dl.document dt { color: #444; }
dl.document dd { margin: 0; font-weight: 600; }
.draft { border: 1pt dashed #a00; color: #a00; padding: 2mm 3mm; margin: 4mm 0 0;
         font-weight: 600; }
.partial { margin: 3mm 0 0; color: #444; }
table { border-collapse: collapse; width: 100%; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
table.lines th, table.lines td { padding: 1.2mm 1.5mm; vertical-align: top; }
table.lines thead th { border-bottom: 1pt solid #222; text-align: left; font-weight: 600; }
table.lines tbody tr { border-bottom: 0.5pt solid #ccc; }
table.lines tfoot td { border-top: 1pt solid #222; font-weight: 600; }
.num { text-align: right !important; font-variant-numeric: tabular-nums; white-space: nowrap; }
.ref { white-space: nowrap; }
.note { color: #444; font-size: 8.5pt; }
.summary { display: flex; justify-content: space-between; gap: 8mm; break-inside: avoid; }
.summary .left { flex: 1; }
table.plain td, table.plain th { padding: 0.8mm 1.5mm; text-align: left; }
table.plain th { font-weight: 600; border-bottom: 0.75pt solid #999; }
table.totals { width: 75mm; margin-top: 5mm; }
table.totals td { padding: 0.8mm 1.5mm; }
table.totals tr.total td { border-top: 1.5pt solid #222; font-weight: 700; font-size: 11pt; }
section.legend { margin-top: 6mm; font-size: 8.5pt; break-inside: avoid; }
section.legend dl { display: grid; grid-template-columns: 5mm auto; gap: 0.5mm 1mm; margin: 0; }
section.legend dd { margin: 0; }
footer { margin-top: 6mm; color: #555; font-size: 8pt; }
"""


def statement_html(
    statement: Statement,
    customer: Customer,
    letterhead: Letterhead,
    plans: PriceList,
    tz: tzinfo = ATHENS,
) -> str:
    """The statement as a self-contained HTML document, for a browser to show and print."""
    document = statement.document
    title = _("Statement {number} — {name}").format(
        number=document.number if document else _("draft"), name=statement.customer_name
    )
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{language()}">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{CSS}</style></head>",
        "<body>",
        *_letterhead(letterhead),
        _tag("h2", _("Statement of account")),
        '<div class="parties">',
        *_customer_block(customer),
        *_document_block(statement, plans, tz),
        "</div>",
    ]
    if document is None:
        draft = _(
            "Provisional draft, without a number: only the server numbers statements. Issue it "
            "again while the server can be reached before sending it to the customer."
        )
        parts.append(f'<p class="draft">{_e(draft)}</p>')
    if statement.partial:
        partial = _(
            "Only the sessions this device holds are shown: colleagues’ sessions may be missing."
        )
        parts.append(f'<p class="partial">{_e(partial)}</p>')
    parts += [*_lines(statement, tz), '<div class="summary"><div class="left">']
    parts += [*_allowances(statement, plans), "</div>", *_totals(statement), "</div>"]
    legend = marks_used(statement)
    if legend:
        parts.append('<section class="legend">' + _tag("h3", _("Marks")) + "<dl>")
        parts += [f"<dt>{_e(mark)}</dt><dd>{_e(meaning)}</dd>" for mark, meaning in legend]
        parts.append("</dl></section>")
    parts += [
        _tag("footer", _("Amounts in euros. Times in hours and minutes (h:mm).")),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _e(text: object) -> str:
    """``html.escape`` for every text from a record or the configuration; line breaks kept."""
    return escape(str(text)).replace("\n", "<br>")


def _tag(name: str, text: object, cls: str = "") -> str:
    """``<name class="cls">text</name>``, the text escaped."""
    attribute = f' class="{cls}"' if cls else ""
    return f"<{name}{attribute}>{_e(text)}</{name}>"


def _tax_line(tax_id: str, tax_office: str) -> str:
    """``ΑΦΜ … · ΔΟΥ …``, leaving out what is not known."""
    return " · ".join(
        filter(
            None,
            [
                _("Tax no. (ΑΦΜ) {tax_id}").format(tax_id=tax_id) if tax_id else "",
                _("Tax office (ΔΟΥ) {office}").format(office=tax_office) if tax_office else "",
            ],
        )
    )


def _paragraphs(lines: Iterable[str]) -> Iterator[str]:
    return (_tag("p", line) for line in lines if line)


def _letterhead(letterhead: Letterhead) -> Iterator[str]:
    yield '<header class="letterhead">'
    logo = letterhead.logo_uri()
    if logo is not None:
        yield f'<img src="{_e(logo)}" alt="{_e(letterhead.name)}">'
    yield '<div class="vendor">'
    if letterhead.name:
        yield _tag("h1", letterhead.name)
    phone = _("Tel. {phone}").format(phone=letterhead.phone) if letterhead.phone else ""
    yield from _paragraphs(
        [
            _tax_line(letterhead.tax_id, letterhead.tax_office),
            letterhead.address,
            " · ".join(filter(None, [phone, letterhead.email])),
        ]
    )
    yield "</div></header>"


def _customer_block(customer: Customer) -> Iterator[str]:
    yield '<div class="customer">' + _tag("p", _("Customer"), "note")
    yield _tag("p", customer.name, "name")
    # The address usually ends with the town; the town alone when there is no address.
    yield from _paragraphs(
        [
            _tax_line(customer.tax_id, customer.tax_office),
            customer.address or customer.city,
            customer.contact,
            customer.email,
        ]
    )
    yield _tag("p", _("Customer code {id}").format(id=customer.id), "note") + "</div>"


def _document_block(statement: Statement, plans: PriceList, tz: tzinfo) -> Iterator[str]:
    month = Month.parse(statement.month)
    document = statement.document
    rows = [
        (_("Number"), document.number if document else _("draft")),
        (
            _("Date"),
            date_text(document.issued_at.astimezone(tz).date()) if document else _("—"),
        ),
        (
            _("Period"),
            f"{date_text(month.first_day)} – {date_text(month.last_day)}",
        ),
        (_("Plan"), plans.label(statement.plan) if statement.plan else _("none")),
    ]
    yield '<dl class="document">'
    for label, value in rows:
        yield f"<dt>{_e(label)}</dt><dd>{_e(value)}</dd>"
    yield "</dl>"


def line_marks(ln: StatementLine) -> str:
    """The marks a line's incident reference carries: provisional, beyond the pack, overlap."""
    return (
        (MARKS["provisional"] if ln.provisional else "")
        + (MARKS["beyond_pack"] if ln.beyond_pack else "")
        + (MARKS["overlaps"] if ln.overlaps else "")
    )


def _lines(statement: Statement, tz: tzinfo) -> Iterator[str]:
    if not statement.lines:
        yield _tag("p", _("No sessions this month."))
        return
    headers = [
        (_("Date"), ""),
        (_("Incident"), ""),
        (_("Technician"), ""),
        (_("Channel"), ""),
        (_("In hours"), "num"),
        (_("After hours"), "num"),
        (_("Billed"), "num"),
        (_("Amount"), "num"),
    ]
    yield '<table class="lines"><thead><tr>'
    yield "".join(_tag("th", title, cls) for title, cls in headers)
    yield "</tr></thead><tbody>"
    for ln in statement.lines:
        channel = CHANNEL_LABELS[ln.channel] + (
            f" {MARKS['after_hours']}" if ln.after_hours else ""
        )
        subject = f'<span class="ref">{_e(ln.incident_ref + line_marks(ln))}</span> ' + _e(
            ln.incident_subject
        )
        if ln.expenses:
            subject += '<br><span class="note">' + _e(
                _("including expenses {amount}").format(amount=money(ln.expenses))
            )
            subject += "</span>"
        for edit in ln.edits[-1:]:
            subject += '<br><span class="note">' + _e(
                _("{mark} edited {day} by {by}: {reason}; was {old}").format(
                    mark=MARKS["edited"],
                    day=date_text(edit.at.astimezone(tz).date()),
                    by=edit.by,
                    reason=edit.reason,
                    old=money(edit.old_amount),
                )
            )
            subject += "</span>"
        yield "".join(
            [
                "<tr>",
                _tag("td", date_text(ln.date), "ref"),
                f"<td>{subject}</td>",
                _tag("td", ln.technician),
                _tag("td", channel, "ref"),
                _tag("td", hours(ln.in_hours_minutes), "num"),
                _tag("td", hours(ln.after_hours_minutes), "num"),
                _tag("td", hours(ln.billable_minutes), "num"),
                _tag("td", money(ln.net), "num"),
                "</tr>",
            ]
        )
    t = statement.totals
    yield "</tbody><tfoot><tr>"
    yield (
        '<td colspan="4">'
        + _e(_("{n} sessions").format(n=t.sessions))
        + "</td>"
        + _tag("td", hours(t.in_hours_minutes), "num")
        + _tag("td", hours(t.after_hours_minutes), "num")
        + _tag("td", hours(t.billable_minutes), "num")
        + _tag("td", money(t.net), "num")
    )
    yield "</tr></tfoot></table>"


def _hours_text(value: Decimal) -> str:
    return _("{n} h").format(n=quantity(value))


def _allowances(statement: Statement, plans: PriceList) -> Iterator[str]:
    if statement.allowances:
        yield _tag("h3", _("Included hours, this contract year"))
        yield '<table class="plain"><thead><tr>'
        for title in (_("Channel"), _("Included"), _("This month"), _("To date"), _("Left")):
            yield f"<th>{_e(title)}</th>"
        yield "</tr></thead><tbody>"
        for a in statement.allowances:
            cells = (a.included_hours, a.used_in_month, a.used_to_date, a.left)
            yield (
                f"<tr><td>{_e(CHANNEL_LABELS[a.channel])}</td>"
                + "".join(f'<td class="num">{_e(_hours_text(v))}</td>' for v in cells)
                + "</tr>"
            )
        yield "</tbody></table>"
    if statement.premium is not None:
        p = statement.premium
        yield _tag("h3", _("Premium incidents ({pack})").format(pack=plans.label(p.pack)))
        yield "<p>" + _e(
            _(
                "{used} of {total} used this contract year ({month} this month), {left} left."
            ).format(used=p.used_to_date, total=p.incidents, month=p.used_in_month, left=p.left)
        )
        if p.beyond_pack:
            yield " " + _e(_("{n} beyond the pack, billed by the hour.").format(n=p.beyond_pack))
        yield "</p>"
    t = statement.totals
    if t.credit_before or t.credit_bought or t.credit_applied or t.credit_after:
        yield _tag("h3", _("Prepaid credit"))
        yield '<table class="plain"><tbody>'
        for label, value in (
            (_("Before the month"), t.credit_before),
            (_("Bought"), t.credit_bought),
            (_("Used"), t.credit_applied),
            (_("Left"), t.credit_after),
        ):
            yield f'<tr><td>{_e(label)}</td><td class="num">{_e(money(value))}</td></tr>'
        yield "</tbody></table>"


def _totals(statement: Statement) -> Iterator[str]:
    t = statement.totals
    rows = [
        (_("Support time"), t.time_charges, ""),
        (_("Expenses and out-of-office fees"), t.expenses, ""),
        (_("Net"), t.net, ""),
        (
            _("Prepaid credit applied"),
            -t.credit_applied if t.credit_applied else t.credit_applied,
            "",
        ),
        (_("Net due"), t.net_due, ""),
        (_("VAT {rate} %").format(rate=quantity(t.vat_rate * 100)), t.vat, ""),
        (_("Total"), t.total, "total"),
    ]
    yield '<table class="totals"><tbody>'
    for label, value, cls in rows:
        row = _tag("td", label) + _tag("td", money(value), "num")
        yield f'<tr class="{cls}">{row}</tr>' if cls else f"<tr>{row}</tr>"
    yield "</tbody></table>"


def partial_header(as_of: datetime | None) -> str:
    """The line over a statement a device built alone: partial, and as of when."""
    if as_of is None:
        return _("Partial — this device's sessions only; it has never synced.")
    return _("Partial — this device's sessions only, as of its last sync {when}.").format(
        when=i18n.short_at(as_of)
    )


_SUBJECT_INDENT = 7
"""A line's subject sits on a line of its own under its figures, indented past the date."""


def _said(sentence: str, width: int) -> list[str]:
    """A sentence of the text form (a title, a note, what is left) in lines within ``width``,
    broken between words; only a record's text, a subject, is cut instead."""
    return textwrap.wrap(sentence, width, subsequent_indent="  ", break_long_words=True) or [""]


def _grid(headers: list[tuple[str, bool]], rows: list[list[str]], width: int) -> list[str]:
    """Columns as wide as their widest cell, numbers (``True`` in ``headers``) to the right.
    While the grid is wider than ``width`` the widest text column gives way, cut with ``…``,
    down to its header's width: a header is never cut."""
    titles = [title for title, _number in headers]
    widths = [max([len(title), *(len(row[i]) for row in rows)]) for i, title in enumerate(titles)]
    while sum(widths) + 2 * (len(widths) - 1) > width:
        text = [i for i, (title, number) in enumerate(headers) if widths[i] > len(title) > 0]
        text = [i for i in text if not headers[i][1]]
        if not text:
            break
        widths[max(text, key=lambda i: widths[i])] -= 1

    def line(cells: list[str]) -> str:
        return "  ".join(
            i18n.fit(cell, w).rjust(w) if number else i18n.fit(cell, w).ljust(w)
            for cell, w, (_title, number) in zip(cells, widths, headers, strict=True)
        ).rstrip()

    return [line(titles), *(line(row) for row in rows)]


def statement_text(
    statement: Statement, plans: PriceList, tz: tzinfo = ATHENS, width: int = i18n.TEXT_WIDTH
) -> str:
    """The statement as a person reads it in a terminal, within ``width`` columns.

    Each session is a line of figures, and its subject a line under it cut with ``…``;
    the marks the lines carry are explained under them, as in the HTML's legend.
    """
    st, t = statement, statement.totals
    out = _said(
        _("Statement {month} — {name} ({id}), plan {plan}").format(
            month=month_name(Month.parse(st.month).first_day),
            name=st.customer_name,
            id=st.customer_id,
            plan=plans.label(st.plan) if st.plan else _("none"),
        ),
        width,
    )
    if st.document is not None:
        out.append(
            _("Document {number}, issued {date}").format(
                number=st.document.number, date=date_text(st.document.issued_at.astimezone(tz))
            )
        )
    if st.partial:
        out += _said(partial_header(st.as_of), width)
    headers = [
        (_("Day"), False),
        (_("Incident"), False),
        (_("Technician"), False),
        (_("Channel"), False),
        (_("In hrs"), True),
        (_("After"), True),
        (_("Billed"), True),
        (_("Amount"), True),
    ]
    rows = [
        [
            i18n.day_month(ln.date),
            ln.incident_ref + line_marks(ln) + (MARKS["edited"] if ln.edits else ""),
            ln.technician,
            CHANNEL_LABELS[ln.channel] + (f" {MARKS['after_hours']}" if ln.after_hours else ""),
            hours(ln.in_hours_minutes),
            hours(ln.after_hours_minutes),
            _("{minutes} min").format(minutes=minutes_text(ln.billable_minutes)),
            i18n.figure(ln.net),
        ]
        for ln in st.lines
    ]
    if st.lines:
        grid = _grid(headers, rows, width)
        out.append(grid[0])
        indent = " " * _SUBJECT_INDENT
        for ln, figures in zip(st.lines, grid[1:], strict=True):
            out.append(figures)
            if ln.incident_subject:
                out.append(indent + i18n.fit(ln.incident_subject, width - _SUBJECT_INDENT))
            for edit in ln.edits[-1:]:
                edited = _("edited {at} by {by}: {reason}; was {old}").format(
                    at=i18n.day_month(edit.at.astimezone(tz).date()),
                    by=edit.by,
                    reason=edit.reason,
                    old=i18n.figure(edit.old_amount),
                )
                out.append(
                    f"{indent}{MARKS['edited']} " + i18n.fit(edited, width - _SUBJECT_INDENT - 2)
                )
        for mark, meaning in marks_used(st):
            out += _said(f"{mark} {meaning}", width)
    else:
        out.append(_("No sessions this month."))
    out.append("")
    for a in st.allowances:
        out += _said(
            _(
                "Included {channel}: {used} of {total} h used this contract year, {left} h left"
            ).format(
                channel=CHANNEL_LABELS[a.channel],
                used=quantity(a.used_to_date),
                total=quantity(a.included_hours),
                left=quantity(a.left),
            ),
            width,
        )
    if st.premium is not None:
        p = st.premium
        out += _said(
            _("Premium incidents ({pack}): {used} of {total} used, {left} left").format(
                pack=plans.label(p.pack), used=p.used_to_date, total=p.incidents, left=p.left
            ),
            width,
        )
    sums = [
        (_("Support time"), t.time_charges),
        (_("Expenses and out-of-office fees"), t.expenses),
        (_("Net"), t.net),
        (_("Prepaid credit applied"), -t.credit_applied if t.credit_applied else t.credit_applied),
        (_("Net due"), t.net_due),
        (_("VAT {rate} %").format(rate=quantity(t.vat_rate * 100)), t.vat),
        (_("Total"), t.total),
    ]
    label_width = max(len(label) for label, _v in sums)
    amount_width = max(len(i18n.figure(value)) for _l, value in sums)
    out += [
        f"{label:<{label_width}}  {i18n.figure(value):>{amount_width}}" for label, value in sums
    ]
    out += _said(credit_text(t), width)
    return "\n".join(out)
