"""A full disk and a read-only disk, met by the real command line: one sentence, the right
exit status, and a failure reported only when the change was not recorded (SPEC §7.2, §10).

Each test runs vardia on a small tmpfs mounted in a mount namespace of its own
(``unshare -m``), so the disk really is full or really is read-only; that needs root.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from core.clock import FrozenClock
from core.rules import load_rules
from core.store import Store, storage
from tests.tui.data import NOW, customers, incidents

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None,
    reason="mounting a small disk in a namespace of its own needs root and unshare",
)

# Runs inside the namespace: mounts the disk, copies the data folder onto it, then runs
# each step and prints what every vardia command said, as JSON.
ON_SMALL_DISK = r"""
import json, os, shutil, subprocess, sys
disk, home, steps = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", disk], check=True)
data = os.path.join(disk, "home")
shutil.copytree(home, data)
filler = os.path.join(disk, "filler")
said = []
for step in steps:
    if step[0] == "fill":  # leave this many bytes free
        with open(filler, "wb") as out:
            free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize - step[1]
            out.write(b"\0" * max(free, 0))
        while os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize > step[1]:
            with open(filler, "ab") as out:
                out.write(b"\0" * 4096)
    elif step[0] == "free":
        os.remove(filler)
    elif step[0] == "read-only":
        subprocess.run(["mount", "-o", "remount,ro", disk], check=True)
    else:
        done = subprocess.run(
            [sys.executable, "-m", "tui", *step],
            env={**os.environ, "VARDIA_HOME": data, "VARDIA_LANG": "en"},
            capture_output=True, text=True,
        )
        said.append({"rc": done.returncode, "out": done.stdout, "err": done.stderr})
print(json.dumps(said))
"""


def _on_small_disk(home: Path, tmp_path: Path, *steps: list[Any]) -> list[dict[str, Any]]:
    disk = tmp_path / "disk"
    disk.mkdir()
    script = [sys.executable, "-c", ON_SMALL_DISK, str(disk), str(home), json.dumps(steps)]
    done = subprocess.run(
        ["unshare", "-m", *script],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    said: list[dict[str, Any]] = json.loads(done.stdout)
    return said


def _home(tmp_path: Path, open_count: int) -> Path:
    home = tmp_path / "home"
    rules = load_rules(None)
    people = customers()
    with Store.open(home, clock=FrozenClock(NOW)) as store:
        store.import_records(customers=people, incidents=incidents(rules, people, open_count))
    return home


def _one_sentence(said: dict[str, Any], *words: str) -> None:
    lines = said["err"].strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vardia: "), said["err"]
    assert all(word in lines[0] for word in words), lines[0]


OPEN = ["incident", "open", "--customer", "c0000", "--subject", "Printer offline"]
QUEUE = ["queue", "--json"]
STATUS = ["status", "--json"]


def test_on_a_full_disk_nothing_is_recorded_and_the_command_says_so(tmp_path: Path) -> None:
    home = _home(tmp_path, 3)
    opened, note, queue, status = _on_small_disk(
        home,
        tmp_path,
        ["fill", 0],
        OPEN,
        ["incident", "note", "TST-1", "called back"],
        ["free"],
        QUEUE,
        STATUS,
    )
    assert opened["rc"] == 1 and "Traceback" not in opened["err"]
    _one_sentence(opened, "is full", "Free some space")
    assert note["rc"] == 1
    _one_sentence(note, "is full")
    assert queue["rc"] == 0 and len(json.loads(queue["out"])) == 3  # nothing was added
    assert json.loads(status["out"])["pending"] == 0  # nor queued to be sent


def test_a_read_only_disk_is_read_but_never_written(tmp_path: Path) -> None:
    home = _home(tmp_path, 3)
    queue, opened, timer = _on_small_disk(
        home,
        tmp_path,
        ["read-only"],
        QUEUE,
        OPEN,
        ["timer", "start", "TST-1", "--channel", "phone"],
    )
    assert queue["rc"] == 0 and len(json.loads(queue["out"])) == 3
    for refused in (opened, timer):
        assert refused["rc"] == 1
        _one_sentence(refused, "read-only disk", "VARDIA_HOME")


def test_a_change_recorded_but_not_filed_is_reported_as_saved_and_filed_on_the_next_start(
    tmp_path: Path,
) -> None:
    # A big queue file and a little room: the journal entry fits, the queue's rewrite does not.
    # The queue's tail is full (core.store.storage), so the next change rewrites the file.
    home = _home(tmp_path, 900)
    with Store.open(home, clock=FrozenClock(NOW)) as store:
        touched = store.open_incidents()[: storage.TAIL_MAX_RECORDS]
        store.import_records(incidents=[i.model_copy(update={"subject": "x"}) for i in touched])
    assert (home / "open.json.tail").exists()
    room = (home / "open.json").stat().st_size // 2
    note = ["incident", "note", "TST-1", "called back"]
    opened, refused, noted, queue, status = _on_small_disk(
        home, tmp_path, ["fill", room], OPEN, note, ["free"], note, QUEUE, STATUS
    )
    assert opened["rc"] == 0, opened["err"]  # the change is recorded: no failure to report
    _one_sentence(opened, "saved and waits to be sent", "is full", "next starts")
    assert refused["rc"] == 1  # filing the first at start still finds the disk full
    _one_sentence(refused, "is full")
    assert noted["rc"] == 0 and noted["err"] == ""  # with room, the start files it first
    subjects = [incident["subject"] for incident in json.loads(queue["out"])]
    assert len(subjects) == 901 and "Printer offline" in subjects
    assert json.loads(status["out"])["pending"] == 2
