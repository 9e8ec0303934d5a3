"""The suite speaks English unless a run asks otherwise (``VARDIA_LANG=el`` for the Greek
snapshots): a developer's Greek locale must not change what the English tests see. A test
that needs Greek takes the ``greek`` fixture, which puts the language back afterwards.
"""

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("VARDIA_LANG", "en")


@pytest.fixture
def greek() -> Iterator[None]:
    from core.i18n import language, use

    spoken = language()
    use("el")
    yield
    use(spoken)
