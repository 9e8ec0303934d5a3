"""Raw HTTP/1.1 clients for flooding a real server: many requests, or many slow connections."""

from __future__ import annotations

import asyncio
import os
import resource
from collections import Counter
from pathlib import Path

__all__ = ["descriptors", "flood", "raise_descriptor_limit", "rss_kib", "status_of"]


def raise_descriptor_limit(wanted: int) -> None:
    """Let this process hold ``wanted`` sockets (as far as the hard limit allows)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        top = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (top, hard))


def rss_kib(pid: int) -> int:
    """The resident memory of process ``pid``, in KiB (``VmRSS`` in /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def descriptors(pid: int) -> int:
    """How many file descriptors process ``pid`` holds open."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def status_of(head: bytes) -> int:
    """The status code of a response's first line, 0 when there was none."""
    parts = head.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


async def _one(port: int, request: bytes) -> int:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return -1
    try:
        writer.write(request)
        await writer.drain()
        return status_of(await reader.readline())
    except OSError:
        return -1
    finally:
        writer.close()


async def _flood(port: int, requests: list[bytes], concurrency: int) -> Counter[int]:
    counts: Counter[int] = Counter()
    queue = iter(requests)

    async def worker() -> None:
        for request in queue:
            counts[await _one(port, request)] += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return counts


def flood(port: int, requests: list[bytes], concurrency: int = 20) -> Counter[int]:
    """Send each request on a connection of its own; the count of each status answered."""
    return asyncio.run(_flood(port, requests, concurrency))
