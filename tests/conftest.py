"""The suite speaks English unless a run asks otherwise (``VARDIA_LANG=el`` for the Greek
snapshots): a developer's Greek locale must not change what the English tests see. A test
that needs Greek takes the ``greek`` fixture, which puts the language back afterwards.

What vardia caches outside a ``$VARDIA_HOME`` (``core.settings.cache_dir``) goes to a
folder of the run's own, never the developer's cache.
"""

import os
import tempfile
from collections.abc import Iterator

import pytest

os.environ.setdefault("VARDIA_LANG", "en")
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="vardia-test-cache-")


@pytest.fixture
def greek() -> Iterator[None]:
    from core.i18n import language, use

    spoken = language()
    use("el")
    yield
    use(spoken)
