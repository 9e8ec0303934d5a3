"""``make bench``: runs every ``bench/<name>.py`` that defines ``run() -> dict``; results to JSON.

``python -m bench`` runs them all; ``python -m bench rules store`` runs only those named.
"""

from __future__ import annotations

import json
import sys

from bench.common import RESULTS, discover, load, record


def main(argv: list[str]) -> int:
    names = argv or discover()
    for name in names:
        print(f"== {name}", flush=True)
        result = load(name).run()
        record(name, result)
        print(json.dumps(result, indent=2, sort_keys=True), flush=True)
    print(f"results written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
