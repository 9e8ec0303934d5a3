"""The errors vardia raises, each a sentence a person can act on.

    VardiaError
    ├── ConfigError            a configuration file is missing, unreadable or invalid
    ├── InputError             a value typed by a person or a script is not acceptable
    ├── RuleError              a business rule refuses the request
    │   ├── BlockedError       the customer is blocked (overdue amounts) and no override was given
    │   └── NoPremiumLeftError a premium pack has no incident left
    ├── NotFoundError          no customer, incident or session with that id
    ├── TimerError             the timer cannot do that now (none running, already running…)
    ├── StoreError             the local data cannot be used
    │   ├── StoreLockedError   another vardia is using the same data directory
    │   ├── StoreDamagedError  a data file is unreadable; it is kept as it was
    │   ├── StoreWriteError    the data folder cannot be written (a full disk, read-only, no access)
    │   └── SchemaTooNewError  a data file was written by a newer vardia
    └── SyncError              the server could not be reached or refused a request
        ├── AuthError          the server refused the token
        └── UnreachableError   the server could not be reached (or is busy); the work waits

Every message says what happened and what to do; none is a traceback. A command that
stops on one exits with ``exit_status(error)`` (SPEC §10): ``EXIT_USAGE`` for a mistake in
what was typed (an InputError, a RuleError, a NotFoundError, a TimerError), as on a usage
error; ``EXIT_UNREACHABLE`` when the server could not be reached; ``EXIT_FAILED`` for
anything else (configuration, local data, a server's refusal).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = [
    "EXIT_FAILED",
    "EXIT_UNREACHABLE",
    "EXIT_USAGE",
    "AuthError",
    "BlockedError",
    "ConfigError",
    "InputError",
    "NoPremiumLeftError",
    "NotFoundError",
    "RuleError",
    "SchemaTooNewError",
    "StoreDamagedError",
    "StoreError",
    "StoreLockedError",
    "StoreWriteError",
    "SyncError",
    "TimerError",
    "UnreachableError",
    "VardiaError",
    "exit_status",
    "first_problem",
]

EXIT_USAGE = 2
"""The exit status of ``vardia`` and ``vardia-server`` for a mistake in what was typed."""
EXIT_UNREACHABLE = 3
"""The server could not be reached (or is busy): what was captured is kept and waits."""
EXIT_FAILED = 1
"""Anything else: a configuration or data file cannot be used, the server refused, or no
trusted connection could be made."""


class VardiaError(Exception):
    """Base of every error vardia shows to a person."""


class ConfigError(VardiaError):
    """A configuration file is missing, unreadable or invalid."""


class InputError(VardiaError):
    """A value typed by a person or a script is not acceptable."""


class RuleError(VardiaError):
    """A business rule refuses the request."""


class BlockedError(RuleError):
    """The customer has overdue amounts and no override reason was given."""


class NoPremiumLeftError(RuleError):
    """The customer's premium pack has no incident left this contract year."""


class NotFoundError(VardiaError):
    """No customer, incident or session with that id."""


class TimerError(VardiaError):
    """The timer cannot do that now."""


class StoreError(VardiaError):
    """The local data cannot be used."""


class StoreLockedError(StoreError):
    """Another vardia process holds the data directory."""


class StoreDamagedError(StoreError):
    """A data file is unreadable; it has been kept as it was."""


class StoreWriteError(StoreError):
    """The data folder cannot be written: the disk is full, read-only, or not ours to write."""


class SchemaTooNewError(StoreError):
    """A data file was written by a newer version of vardia."""


class SyncError(VardiaError):
    """The server could not be reached or refused a request."""


class AuthError(SyncError):
    """The server refused the token."""


class UnreachableError(SyncError):
    """The server could not be reached, or is too busy to answer; what is queued waits."""


def exit_status(error: VardiaError) -> int:
    """The exit status a command ends with on ``error`` (SPEC §10)."""
    if isinstance(error, UnreachableError):
        return EXIT_UNREACHABLE
    if isinstance(error, InputError | RuleError | NotFoundError | TimerError):
        return EXIT_USAGE
    return EXIT_FAILED


def first_problem(error: ValidationError, nowhere: str = "") -> tuple[str, str]:
    """Where a model's validation first failed (dotted field path, ``nowhere`` at the top)
    and pydantic's message for it: what a sentence about a refused record names."""
    first = error.errors()[0]
    return ".".join(str(part) for part in first["loc"]) or nowhere, first["msg"]
