"""The domain stays free of the UI: importing every core module never loads textual or the server.

And the app never climbs back up to the command line: a contract refuses it, and a test
shows that the contract would.

rich is not on the list: httpx loads it for its own command line whenever it is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from tui.__main__ import COMMANDS, cli

IMPORT_ALL_OF_CORE = """
import importlib, pkgutil, sys
import core
for info in pkgutil.walk_packages(core.__path__, "core."):
    importlib.import_module(info.name)
print(",".join(m for m in ("textual", "tui", "server", "fastapi", "sqlalchemy")
               if m in sys.modules))
"""


def test_core_loads_no_ui_and_no_server() -> None:
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL_OF_CORE], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def test_the_check_sees_a_ui_import() -> None:
    """Guards the guard: the same probe reports textual once something imports it."""
    out = subprocess.run(
        [sys.executable, "-c", "import textual\n" + IMPORT_ALL_OF_CORE],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "textual" in out.stdout


def test_the_app_importing_the_command_line_breaks_a_contract(tmp_path: Path) -> None:
    """The import contracts of pyproject.toml refuse a screen that imports ``tui.commands``."""
    root = Path(__file__).resolve().parents[1]
    for package in ("core", "tui", "server"):
        shutil.copytree(root / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(root / "pyproject.toml", tmp_path)
    lint = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"]
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}

    clean = subprocess.run(lint, cwd=tmp_path, env=env, capture_output=True, text=True)
    (tmp_path / "tui" / "screens" / "sneaky.py").write_text("from tui.commands import reports\n")
    broken = subprocess.run(lint, cwd=tmp_path, env=env, capture_output=True, text=True)

    assert clean.returncode == 0, clean.stdout
    assert broken.returncode != 0
    assert "tui.screens.sneaky -> tui.commands.reports" in broken.stdout


LOADED_BY = """
import sys
from tui.__main__ import cli
try:
    cli({args!r}, standalone_mode=False)
except SystemExit:
    pass
print("loaded:" + ",".join(m for m in {heavy!r} if m in sys.modules))
"""
HEAVY = ("httpx", "textual", "rich", "fastapi", "uvicorn", "sqlalchemy", "server.db", "core.demo")


@pytest.mark.parametrize("args", [["--help"], ["timer", "status"], ["timer", "--help"]])
def test_a_small_command_loads_no_ui_no_http_and_no_server(args: list[str], tmp_path: Path) -> None:
    """Subcommands load lazily: starting ``vardia`` for a small job stays cheap."""
    code = LOADED_BY.format(args=args, heavy=HEAVY)
    env = {**os.environ, "VARDIA_HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.splitlines()[-1] == "loaded:"


def test_the_lazy_check_sees_a_heavy_import(tmp_path: Path) -> None:
    """Guards the guard: the TUI's own start imports textual, and the probe says so."""
    code = "import tui.app\n" + LOADED_BY.format(args=["--help"], heavy=HEAVY)
    env = {**os.environ, "VARDIA_HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert "textual" in out.stdout.splitlines()[-1]


def test_the_command_list_loads_no_command_and_no_model(tmp_path: Path) -> None:
    """``vardia --help`` lists the commands from their table, so it stays cheap at any size."""
    modules = (*sorted({e.target.partition(":")[0] for e in COMMANDS.values()}), "pydantic")
    code = LOADED_BY.format(args=["--help"], heavy=modules)
    env = {**os.environ, "VARDIA_HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.splitlines()[-1] == "loaded:"
    assert "timer      Start, pause, resume and stop the timer" in out.stdout


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_listed_command_loads_under_its_name(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert isinstance(command, click.Command)
    assert command.name == name
    assert not command.hidden


def test_the_timer_status_reads_a_running_timer_without_the_models(tmp_path: Path) -> None:
    """``vardia timer status`` answers from the timer file (core.store.glance): no record
    model, no store, whatever the size of the data (SPEC §9)."""
    from core.models import Channel
    from core.rules import load_rules
    from core.store import Store
    from core.timer import start

    env = {**os.environ, "VARDIA_HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-m", "tui", "demo", "--seed-only"], env=env, check=True)
    with Store.open(tmp_path) as store:
        ref = store.open_incidents()[0].ref
        start(store, load_rules(None), ref, Channel.PHONE)
    heavy = ("pydantic", "core.models", "core.store.store", "babel", "tui.format")
    code = LOADED_BY.format(args=["timer", "status"], heavy=heavy)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.splitlines()[-1] == "loaded:"
    assert out.stdout.startswith(f"{ref} phone running ")
