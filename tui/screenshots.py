"""Writes SVG screenshots of the main screens on the demo data: `python -m tui.screenshots DIR`."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from core.clock import FrozenClock
from core.demo import seed_store
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
                    written.append(Path(app.save_screenshot(f"{name}.svg", str(out))))
    return written


def main(argv: Sequence[str]) -> None:
    out = Path(argv[0] if argv else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(take(out)):
        print(path)


if __name__ == "__main__":
    main(sys.argv[1:])
