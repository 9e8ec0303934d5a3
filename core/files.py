"""Writing on the device's disk: the operating system's refusals, as sentences.

A full disk, a read-only folder or a folder the user may not write in each become one
``StoreWriteError`` that says what happened and what to do, never a traceback.
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator
from pathlib import Path

from core.errors import StoreWriteError
from core.i18n import _

__all__ = ["unwritable", "writing"]


def unwritable(path: Path, error: OSError) -> StoreWriteError:
    """The sentence for an operating system's refusal to write ``path``."""
    where = path.parent
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        text = _(
            "The disk holding {dir} is full, so {path} could not be written. "
            "Free some space and try again."
        )
    elif error.errno == errno.EROFS:
        text = _(
            "The folder {dir} is on a read-only disk, so vardia cannot save there. "
            "Make it writable, or set VARDIA_HOME to a writable folder."
        )
    elif error.errno in (errno.EACCES, errno.EPERM):
        text = _(
            "vardia may not write in {dir} (permission denied). Give your user write access "
            "to it, or set VARDIA_HOME to a folder of yours."
        )
    else:
        text = _("{path} could not be written: {reason}.")
    return StoreWriteError(text.format(dir=where, path=path, reason=error.strerror or error))


@contextlib.contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn the operating system's refusal to write ``path`` into one sentence."""
    try:
        yield
    except OSError as error:
        raise unwritable(path, error) from None
