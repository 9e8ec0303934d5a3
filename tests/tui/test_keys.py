"""Keys are the user's: a keymap file remaps them by binding id, the palette offers them all."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigError
from tests.tui.data import AppFactory
from tui.keymap import KEYMAP_FILE, load_keymap
from tui.screens.intake import IntakeScreen


async def test_a_remapped_key_runs_the_action_and_the_old_key_does_not(
    open_app: AppFactory, tmp_path: Path
) -> None:
    (tmp_path / KEYMAP_FILE).write_text('[keymap]\n"queue.intake" = "ctrl+o"\n', "utf-8")
    app = open_app(keymap=load_keymap(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, IntakeScreen)
        await pilot.press("ctrl+o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, IntakeScreen)


def test_a_broken_keymap_file_is_named(tmp_path: Path) -> None:
    (tmp_path / KEYMAP_FILE).write_text("[keymap\n", "utf-8")
    with pytest.raises(ConfigError, match=KEYMAP_FILE):
        load_keymap(tmp_path)


async def test_the_palette_offers_the_screens_actions_with_their_keys(
    open_app: AppFactory,
) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        offered = {c.title: c.help for c in app.get_system_commands(app.screen)}
        for title in ("New incident", "Search", "Timer", "Statement", "Week report"):
            assert title in offered
        assert offered["Refused work"] == "key: F"
        assert offered["New incident"] == "key: n"
