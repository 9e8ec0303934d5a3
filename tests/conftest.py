"""The suite speaks English unless a run asks otherwise (``VARDIA_LANG=el`` for the Greek
snapshots): a developer's Greek locale must not change what the English tests see.
"""

import os

os.environ.setdefault("VARDIA_LANG", "en")
