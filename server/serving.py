"""Runs the API under uvicorn with the connection-level bounds uvicorn does not have.

What uvicorn's own settings bound, read in its h11 implementation:

- ``h11_max_incomplete_event_size`` bounds the bytes of a request head held while it is
  incomplete (the header size); used here as ``Limits.max_header_bytes``.
- ``timeout_keep_alive`` closes a connection idle *after* an answer; any byte received
  cancels it, and a new connection has no timer at all, so a client that sends a head
  one byte at a time (slowloris) keeps its connection forever.
- ``limit_concurrency`` answers 503 once a complete head arrives while too many
  connections are open; it never closes one, so connections held by slow clients keep
  their descriptors and every newcomer, normal or not, is refused.

So each connection here gets a deadline for its request head (``header_timeout``), and
the number of open connections is capped (``max_connections``): past the cap, the oldest
connection that is waiting on its client (no complete head yet, a body still arriving,
or idle between requests) is closed, so a flood of slow clients gives way to new ones and
normal requests still get answered. The body's own deadline is the guard's
(``body_timeout``). Under TLS, a handshake in progress is bounded by ``header_timeout``.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
import ssl
import sys
import time
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from server.guard import ACCESS_LOG, Limits

__all__ = [
    "ConnectionCap",
    "check_certificate",
    "configure_logging",
    "descriptor_budget",
    "listen",
    "serve",
]

# Descriptors kept for the database, the log and the listening socket, beyond connections.
RESERVED_DESCRIPTORS = 100


class ConnectionCap:
    """The open connections of one server, oldest first, at most ``limit`` of them."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._open: dict[_Protocol, None] = {}
        self.evicted = 0

    def __len__(self) -> int:
        return len(self._open)

    def add(self, protocol: _Protocol) -> None:
        self._open[protocol] = None
        if len(self._open) <= self.limit:
            return
        victim = next((p for p in self._open if p is not protocol and p.waiting_on_client()), None)
        victim = victim or protocol
        # Forgotten now: its connection_lost comes later, and the next newcomer must pick
        # another one.
        self.discard(victim)
        victim.drop()
        self.evicted += 1

    def discard(self, protocol: _Protocol) -> None:
        self._open.pop(protocol, None)


class _Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request head and a connection cap."""

    cap: ConnectionCap
    header_timeout: float

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._deadline: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm()
        self.cap.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.cap.discard(self)
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm()

    def on_response_complete(self) -> None:
        self._arm()
        super().on_response_complete()
        if self.conn.their_state is not h11.IDLE:
            self._disarm()

    def shutdown(self) -> None:
        """On stop, a connection waiting on its client is closed at once, not waited for."""
        if self.waiting_on_client():
            self.drop()
        else:
            super().shutdown()

    def waiting_on_client(self) -> bool:
        """True when the server waits for the client: a head, a body, or the next request."""
        if self.cycle is None or self.cycle.response_complete:
            return True
        return bool(self.conn.their_state is h11.SEND_BODY)

    def drop(self) -> None:
        """Close now, without flushing: a client that does not read cannot hold it open."""
        self._disarm()
        if not self.transport.is_closing():
            self.transport.abort()

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.header_timeout, self._head_too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _head_too_slow(self) -> None:
        self._deadline = None
        if self.conn.their_state is h11.IDLE:
            self.drop()


def _protocol_class(limits: Limits, cap: ConnectionCap) -> type[asyncio.Protocol]:
    return type(
        "VardiaProtocol", (_Protocol,), {"cap": cap, "header_timeout": limits.header_timeout}
    )


class _Loop(asyncio.SelectorEventLoop):
    """An event loop whose TLS handshakes must finish within the head deadline (not 60 s)."""

    def __init__(self, handshake_timeout: float) -> None:
        super().__init__()
        self.handshake_timeout = handshake_timeout

    async def create_server(self, *args: Any, **kwargs: Any) -> asyncio.Server:
        if kwargs.get("ssl") is not None and kwargs.get("ssl_handshake_timeout") is None:
            kwargs["ssl_handshake_timeout"] = self.handshake_timeout
        return await super().create_server(*args, **kwargs)


def descriptor_budget(wanted: int) -> int:
    """Raise the soft descriptor limit as far as allowed; the connections that then fit."""
    if sys.platform == "win32":  # no descriptor limit to read or raise
        return wanted
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted + RESERVED_DESCRIPTORS
    if soft < target and (hard == resource.RLIM_INFINITY or soft < hard):
        raised = target if hard == resource.RLIM_INFINITY else min(target, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError):
            pass
    return max(1, min(wanted, soft - RESERVED_DESCRIPTORS))


def check_certificate(certfile: str, keyfile: str | None) -> None:
    """Load the certificate and key once, so a wrong file is a sentence, not a traceback."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certfile, keyfile)


def configure_logging(level: str) -> None:
    """One line per event on stderr: the access log at info, uvicorn's own notes at warning."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.formatter.converter = time.gmtime  # type: ignore[union-attr]
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    ACCESS_LOG.setLevel(level.upper())
    # uvicorn's start-up chatter, its own access log (off) and alembic's notes on checking
    # the schema stay out unless debugging.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "alembic"):
        logging.getLogger(name).setLevel("DEBUG" if level == "debug" else "WARNING")


def serve(
    app: Any,
    limits: Limits,
    *,
    sock: socket.socket,
    certfile: str | None = None,
    keyfile: str | None = None,
    forwarded_allow_ips: str = "127.0.0.1",
    on_listening: Any = None,
) -> None:
    """Serve ``app`` on ``sock`` until a signal stops it; ``on_listening(url)`` once serving."""
    cap = ConnectionCap(limits.max_connections)
    config = uvicorn.Config(
        app,
        http=_protocol_class(limits, cap),
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        h11_max_incomplete_event_size=limits.max_header_bytes,
        timeout_keep_alive=5,
        forwarded_allow_ips=forwarded_allow_ips,
        proxy_headers=True,
        access_log=False,
        log_config=None,
        server_header=False,
        lifespan="off",
        # Requests in the API get this long to finish when the server is told to stop.
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)

    async def run() -> None:
        task = asyncio.ensure_future(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.05)
        if server.started and on_listening is not None:
            on_listening(_url(sock, tls=certfile is not None))
        await task

    # What is loaded by now (the modules, the API, its schemas) lives as long as the server:
    # the cyclic collector need not walk it again at every full collection (a tenth of the
    # time of a long push went to that). What the start-up's work left to collect is
    # collected first, so it is not kept for good.
    gc.collect()
    gc.freeze()
    with asyncio.Runner(loop_factory=lambda: _Loop(limits.header_timeout)) as runner:
        runner.run(run())


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port``; raises OSError as the system says."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=2048)


def _url(sock: socket.socket, *, tls: bool) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"{'https' if tls else 'http'}://{shown}:{port}"
