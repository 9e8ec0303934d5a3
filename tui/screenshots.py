"""Writes SVG screenshots of the main screens on the demo data, and the demo's statement as
the document a customer receives: `python -m tui.screenshots SCREENSHOTS_DIR [DOCS_DIR]`.

In the language the process speaks: English writes ``queue.svg`` and ``statement-en.html``,
Greek (``VARDIA_LANG=el``, as ``make screenshots`` runs it a second time) ``queue-el.svg``
and ``statement-el.html``. The key bindings are translated as their modules load, so a
language is a process of its own.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from core.clock import FrozenClock
from core.demo import demo_document, seed_store
from core.i18n import language
from core.rules import load_rules
from core.store import Store
from tui.app import make_app

__all__ = ["SHOTS", "main", "take"]

# Tuesday 24 Nov 2026, 16:30 in Athens: support hours, with a full queue.
AT = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)

SHOTS: dict[str, Sequence[str]] = {
    "queue": (),
    "incident": ("down", "down", "enter"),
    "timer": ("t", "down", "enter"),
    "intake": ("n", *"ταβ", "enter"),
    "customer": ("c",),
    "help": ("question_mark",),
}
"""Each screenshot's name and the keys that lead to it from the queue."""


def _suffix() -> str:
    """``-el`` for the Greek pictures; the English ones keep their plain names."""
    return "" if language() == "en" else f"-{language()}"


async def take(out: Path, size: tuple[int, int] = (120, 40)) -> list[Path]:
    """One SVG per entry of SHOTS, each from a fresh app on the same demo data."""
    rules = load_rules(None)
    clock = FrozenClock(AT)
    written = []
    with tempfile.TemporaryDirectory(prefix="vardia-shots-") as tmp:
        with Store.open(tmp, clock=clock, technician="maria") as store:
            seed_store(store, rules)
        for name, keys in SHOTS.items():
            with Store.open(tmp, clock=clock) as store:
                store.discard_timer()
                app = make_app(rules, store, None, clock, tick=False)
                async with app.run_test(size=size) as pilot:
                    await app.workers.wait_for_complete()
                    await pilot.pause()
                    for key in keys:
                        await pilot.press(key)
                        await app.workers.wait_for_complete()
                        await pilot.pause()
                    app.refresh_status()
                    await pilot.pause()
                    shot = f"{name}{_suffix()}.svg"
                    written.append(Path(app.save_screenshot(shot, str(out))))
    return written


def write_document(out: Path) -> Path:
    """The demo's statement as the HTML page a customer receives, in the language spoken."""
    path = out / f"statement-{language()}.html"
    path.write_text(demo_document(load_rules(None)), encoding="utf-8")
    return path


def main(argv: Sequence[str]) -> None:
    out = Path(argv[0] if argv else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(take(out)):
        print(path)
    if len(argv) > 1:
        docs = Path(argv[1])
        docs.mkdir(parents=True, exist_ok=True)
        print(write_document(docs))


if __name__ == "__main__":
    main(sys.argv[1:])
