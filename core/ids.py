"""Ids made on the device: time-ordered UUIDv7 for records, short references people can say."""

from __future__ import annotations

import random
import secrets
import uuid
from datetime import datetime

import uuid6

__all__ = [
    "REF_ALPHABET",
    "device_ref_prefix",
    "new_device_id",
    "new_id",
    "short_ref",
    "uuid7_at",
]

# Crockford's base32 without the letters people misread (I, L, O, U).
REF_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id() -> str:
    """A UUIDv7: unique without coordination, and sorting by it sorts by creation time."""
    return str(uuid6.uuid7())


def new_device_id() -> str:
    return secrets.token_hex(8)


def device_ref_prefix(device_id: str) -> str:
    """Three base32 characters drawn from the device id, so each device mints its own refs."""
    value = int(device_id, 16)
    return "".join(REF_ALPHABET[(value >> (5 * i)) & 31] for i in range(3))


def short_ref(prefix: str, number: int) -> str:
    """An incident's human reference, e.g. ``K7Q-42``: unique per device without a network."""
    return f"{prefix}-{number}"


def uuid7_at(at: datetime, rng: random.Random) -> str:
    """A UUIDv7 for an instant from a seeded generator: reproducible ids for generated data."""
    ms = int(at.timestamp() * 1000) & ((1 << 48) - 1)
    value = (ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62)
    return str(uuid.UUID(int=value | rng.getrandbits(62)))
