"""Every string a person reads is marked for translation.

Found by reading the code (its syntax tree, nothing runs): click help, key binding
descriptions and tooltips, widget texts, notifications, the errors a user meets and
``"...".format`` templates must pass through ``_``/``N_`` unless listed in ALLOWED.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import core.errors

ROOT = Path(__file__).resolve().parent.parent
WORD = re.compile(r"[A-Za-z]{2,}")

TEXT_WIDGETS = {"Static", "Label", "Button", "Content", "Option", "Checkbox", "Switch"}
TEXT_METHODS = {"notify", "update", "echo", "secho", "prompt", "confirm", "write_text"}
TEXT_KEYWORDS = {"help", "description", "tooltip", "placeholder", "title", "prompt"}
USER_ERRORS = {
    name
    for name, value in vars(core.errors).items()
    if isinstance(value, type) and issubclass(value, core.errors.VardiaError)
} | {"ClickException", "UsageError", "BadParameter", "_Rejected"}
RESPONSES = {"HTTPException", "error_response", "_refusal"}
"""The server's answers: their second argument (or ``detail``) is the sentence a device shows."""
REASONS = ("server/", "core/sync/")
"""Where a ValueError's message is a reason the server sends back, for a person to read."""

PROGRAM = re.compile(r"vardia(-server)?")
"""The program's name, the same in every language: ``f"vardia: {message}"`` needs no mark."""

ALLOWED = {
    # The OpenAPI title and description: read by integrators, in English, like the wire.
    ("server/app.py", "vardia sync server"),
    ("server/app.py", "Push local changes, pull the desk's customers, incidents and price list."),
    # A programmer's mistake in building the client, never a person's.
    ("core/sync/client.py", "the sync timeout must be a finite number of seconds: "),
}
"""(file, literal) pairs meant to stay as they are in every language; keep it short."""


def _literal(node: ast.AST | None) -> str | None:
    """The words a node spells out literally: a string, or an f-string's fixed parts."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value
            for part in node.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
    return None


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _texts(call: ast.Call, rel: str) -> Iterator[ast.AST]:
    """The arguments of ``call`` that a person will read."""
    name = _name(call.func)
    if name == "Binding":
        yield from call.args[2:3]
    elif name in RESPONSES:
        yield from call.args[1:2]
    elif name in TEXT_WIDGETS | TEXT_METHODS | USER_ERRORS or (
        name == "ValueError" and rel.startswith(REASONS)
    ):
        yield from call.args[:1]
    for keyword in call.keywords:
        if keyword.arg in TEXT_KEYWORDS or (keyword.arg == "detail" and name in RESPONSES):
            yield keyword.value


def _unmarked(rel: str, source: str) -> Iterator[str]:
    for node in ast.walk(ast.parse(source, rel)):
        candidates: list[ast.AST] = []
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id in ("detail", "reason")
            for target in node.targets
        ):
            candidates.append(node.value)  # a response's detail, a refusal's reason
        if isinstance(node, ast.Call):
            candidates.extend(_texts(node, rel))
            # "... {x} ...".format(x=…) without _(): a template a person reads.
            if isinstance(node.func, ast.Attribute) and node.func.attr == "format":
                candidates.append(node.func.value)
        for candidate in candidates:
            text = _literal(candidate)
            if (
                text is not None
                and WORD.search(PROGRAM.sub("", text))
                and (rel, text) not in ALLOWED
            ):
                yield f"{rel}:{getattr(candidate, 'lineno', '?')}: {text!r}"


USER_FACING = sorted(
    path for package in ("core", "tui", "server") for path in (ROOT / package).rglob("*.py")
)


def test_every_user_facing_string_is_marked() -> None:
    found = [
        line
        for path in USER_FACING
        for line in _unmarked(path.relative_to(ROOT).as_posix(), path.read_text("utf-8"))
    ]
    assert not found, "not marked for translation (wrap in _() or N_()):\n" + "\n".join(found)


def test_the_scan_finds_what_it_looks_for() -> None:
    # The scan itself must be able to fail.
    code = (
        'Binding("q", "quit", "Quit")\n'
        'click.option("--x", help="An option.")\n'
        'Static(f"{n} left")\n'
        'raise InputError("Give a number.")\n'
        '"{a} by {b}".format(a=1, b=2)\n'
        'Binding("q", "quit", _("Quit"))\n'
        'Static(f"{a} · {b}")\n'
        'click.echo(f"vardia-server: {message}.")\n'
    )
    found = list(_unmarked("tui/sample.py", code))
    assert len(found) == 5, found
    server = (
        'raise HTTPException(403, "This needs an admin token.")\n'
        'raise _Rejected(f"there is no session {sid!r}")\n'
        'detail = "The body took too long."\n'
        'raise ValueError("a reason sent back")\n'
        'raise HTTPException(403, _("This needs an admin token."))\n'
    )
    assert len(list(_unmarked("server/sample.py", server))) == 4
