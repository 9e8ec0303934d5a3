"""Who a request is from: technicians' tokens, stored as digests, and their roles."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine, insert, select, update

from core.errors import InputError, NotFoundError
from core.i18n import _
from server.db import bump_version, technicians

__all__ = [
    "Caller",
    "Role",
    "add_technician",
    "authenticate",
    "hash_token",
    "revoke_technician",
    "rotate_token",
]


class Role(StrEnum):
    """What a token may do."""

    TECHNICIAN = "technician"
    ADMIN = "admin"


@dataclass(frozen=True)
class Caller:
    """The technician a request's token belongs to."""

    name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def hash_token(token: str) -> str:
    """Only this digest is stored; a leaked database gives no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


def add_technician(engine: Engine, name: str, *, admin: bool, now: datetime) -> str:
    """Create a technician and return the token, which is shown once and never stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InputError(_("A technician's name must be 1 to 100 characters."))
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        bump_version(conn)
        if conn.execute(select(technicians.c.id).where(technicians.c.name == name)).first():
            raise InputError(_("A technician named {name} already exists.").format(name=name))
        conn.execute(
            insert(technicians).values(
                name=name,
                role=Role.ADMIN if admin else Role.TECHNICIAN,
                token_hash=hash_token(token),
                created_at=now,
            )
        )
    return token


def revoke_technician(engine: Engine, name: str, *, now: datetime) -> None:
    """Revoke a technician's token; their records stay."""
    with engine.begin() as conn:
        bump_version(conn)
        done = conn.execute(
            update(technicians)
            .where(technicians.c.name == name, technicians.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        if done.rowcount != 1:
            raise NotFoundError(_("No active technician named {name}.").format(name=name))


def rotate_token(engine: Engine, name: str) -> str:
    """Give ``name`` a new token, shown once, and lift a revocation; the old token stops
    working at once. Sessions, operations and devices are the technician's by name, so
    their history stays theirs."""
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        bump_version(conn)
        done = conn.execute(
            update(technicians)
            .where(technicians.c.name == name.strip())
            .values(token_hash=hash_token(token), revoked_at=None)
        )
        if done.rowcount != 1:
            raise NotFoundError(_("No technician named {name}.").format(name=name))
    return token


def authenticate(engine: Engine, token: str) -> Caller | None:
    """The caller a bearer token belongs to, or None if it is unknown or revoked."""
    digest = hash_token(token)
    with engine.connect() as conn:
        row = conn.execute(
            select(technicians.c.name, technicians.c.role, technicians.c.token_hash).where(
                technicians.c.token_hash == digest, technicians.c.revoked_at.is_(None)
            )
        ).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return Caller(name=row.name, role=Role(row.role))
