"""Run one command and report what it cost: ``python -S -E _spawn.py RESULT tty|plain -- ARGV``.

A child's ``ru_maxrss`` starts from the memory of the process that forked it (Linux
carries the forking process's high-water mark over ``exec``), so measuring a command
from the benchmark itself would report the benchmark's own memory. This launcher is a
bare interpreter (``-S``: no site-packages, a few MiB), so the peak it passes on is
small and every figure is the command's own. With ``tty`` the command gets the
terminal on standard input as its controlling terminal, standard output and error.

It writes one JSON object to RESULT: the monotonic instants the command started and
ended (``time.monotonic`` is one clock for every process of the machine), its exit
status, user and system CPU seconds and peak resident memory in KiB, from ``wait4``.
SIGTERM is passed on to the command.
"""

import json
import os
import signal
import sys
import time


def main() -> int:
    result, mode, dashes, *argv = sys.argv[1:]
    if dashes != "--" or mode not in ("tty", "plain") or not argv:
        sys.stderr.write(__doc__ or "")
        return 2
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the command
        try:
            if mode == "tty":
                os.login_tty(0)
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    if mode == "tty":
        os.close(0)  # the terminal ends when the command's copies close
    signal.signal(signal.SIGTERM, lambda _sig, _frame: os.kill(pid, signal.SIGTERM))
    while True:
        try:
            _pid, status, usage = os.wait4(pid, 0)
            break
        except InterruptedError:
            continue
    ended = time.monotonic()
    report = {
        "started": started,
        "ended": ended,
        "returncode": os.waitstatus_to_exitcode(status),
        "utime": usage.ru_utime,
        "stime": usage.ru_stime,
        "maxrss_kib": usage.ru_maxrss,
    }
    with open(result, "w") as handle:
        json.dump(report, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
