"""The server a technician logged in to and their token, kept in the config directory (0600)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from core.errors import ConfigError
from core.files import writing
from core.i18n import _

__all__ = ["LOGIN_FILE", "Login", "load_login", "save_login"]

LOGIN_FILE = "login.json"


class Login(BaseModel):
    """Where to sync and as whom, and how far to trust the way there.

    ``ca_file`` is the vendor's own certificate authority, when its server's certificate
    is not signed by one the system knows; ``allow_insecure_http`` is the technician's
    explicit choice to send the token over plain HTTP to a host that is not this machine.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    server: str
    token: str
    technician: str
    ca_file: str | None = None
    allow_insecure_http: bool = False


def save_login(config_dir: Path, login: Login) -> Path:
    """Write the login readable by its owner only, atomically (temp file, fsync, rename)."""
    path = config_dir / LOGIN_FILE
    temp = path.with_suffix(".tmp")
    with writing(path):
        config_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(login.model_dump_json())
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    return path


def load_login(config_dir: Path) -> Login | None:
    """The saved login, or None; refuses a file others can read (the token is a secret)."""
    path = config_dir / LOGIN_FILE
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            _("{path} can be read by other users; run `chmod 600 {path}` and try again.").format(
                path=path
            )
        )
    try:
        return Login.model_validate_json(path.read_bytes())
    except ValidationError:
        raise ConfigError(
            _("{path} is not a valid login; run `vardia login` again.").format(path=path)
        ) from None
