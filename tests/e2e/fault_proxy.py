"""A TCP proxy that loses the server's answers: between real sync clients and a real server.

Each request is read whole from the client and forwarded whole, on a connection of its own,
and the server's answer is read whole before the proxy decides its fate: relayed, relayed
late, dropped (the connection closed, nothing sent), or cut (a part sent, then closed). The
fault therefore always comes after the server has processed the request, which is the case
exactly-once must survive: the change applied, the device never told.

Faults are dealt from a seeded deck per kind of request (push, pull, other): a deck holds
each fault as many times as ``deck`` says, shuffled, and is dealt to the end before the next
shuffle, so every few pushes meet every fault. A proxy serves one device, whose requests come
one at a time, so a seed deals the same faults in the same order.
``arm`` sets one action to run at a chosen moment of the next push or pull instead of a
random fault: kill the client process, or the server, at a known point of the exchange.
"""

from __future__ import annotations

import random
import socket
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO

__all__ = ["Fault", "FaultyProxy", "Moment"]

MAX_HEAD = 64 * 1024
UPSTREAM_SECONDS = 60.0
"""How long an answer may take: longer than a server restart, for requests queued meanwhile."""
IDLE_SECONDS = 60.0


class Fault(StrEnum):
    PASS = "pass"
    DELAY = "delay"
    DROP = "drop"
    CUT = "cut"


class Moment(StrEnum):
    """Where in an exchange an armed action runs."""

    PUSH_SENT = "push sent"
    """A push forwarded whole to the server, its answer not yet read."""
    PUSH_ANSWERED = "push answered"
    """The server's answer to a push read whole, nothing of it relayed."""
    PULL_RELAYED = "pull relayed"
    """A page of a pull relayed whole to the client, which is now storing it."""


@dataclass
class _Armed:
    moment: Moment
    action: Callable[[], None]


def _read_head(stream: BinaryIO) -> bytes | None:
    head = bytearray()
    while not head.endswith(b"\r\n\r\n"):
        line = stream.readline(MAX_HEAD)
        if not line or len(head) > MAX_HEAD:
            return None
        head += line
    return bytes(head)


def _headers(head: bytes) -> dict[bytes, bytes]:
    found = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if value:
            found[name.strip().lower()] = value.strip().lower()
    return found


def _read_chunked(stream: BinaryIO) -> bytes | None:
    body = bytearray()
    while True:
        size_line = stream.readline(MAX_HEAD)
        if not size_line:
            return None
        body += size_line
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while (trailer := stream.readline(MAX_HEAD)) not in (b"\r\n", b""):
                body += trailer
            return bytes(body + b"\r\n")
        chunk = stream.read(size + 2)
        if len(chunk) < size + 2:
            return None
        body += chunk


def read_message(stream: BinaryIO, *, answer: bool) -> bytes | None:
    """One HTTP/1.1 message, head and body, as sent; None if the peer closed first."""
    head = _read_head(stream)
    if head is None:
        return None
    headers = _headers(head)
    if b"chunked" in headers.get(b"transfer-encoding", b""):
        body = _read_chunked(stream)
        return None if body is None else head + body
    if b"content-length" in headers:
        length = int(headers[b"content-length"])
        body = stream.read(length)
        return head + body if len(body) == length else None
    status = head.split(b" ", 2)[1] if answer else b""
    if answer and not (status.startswith(b"1") or status in (b"204", b"304")):
        return head + stream.read()  # the body runs to the end of the connection
    return head


class FaultyProxy:
    """Listens on 127.0.0.1 and relays to ``upstream_port``, faulting answers by ``seed``.

    ``deck`` says how many of each fault a deck holds; ``faulty = False`` relays every answer.
    ``counts`` says what befell the answers so far, by kind of request and fault.
    """

    def __init__(
        self,
        upstream_port: int,
        seed: int,
        deck: dict[Fault, int],
        *,
        longest_delay: float = 0.3,
    ) -> None:
        self._upstream = ("127.0.0.1", upstream_port)
        self._random = random.Random(seed)
        self._deck = [fault for fault, count in deck.items() for _ in range(count)]
        self._dealt: dict[str, list[Fault]] = {}
        self._longest_delay = longest_delay
        self._lock = threading.Lock()
        self._armed: _Armed | None = None
        self._closed = threading.Event()
        self.faulty = True
        self.counts: Counter[str] = Counter()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept, name=f"proxy-{self.port}", daemon=True).start()

    def arm(self, moment: Moment, action: Callable[[], None]) -> None:
        """Run ``action`` once, at ``moment`` of the next exchange that reaches it; until
        then no fault is dealt, so the moment is reached."""
        with self._lock:
            self._armed = _Armed(moment, action)

    @property
    def armed(self) -> bool:
        with self._lock:
            return self._armed is not None

    def close(self) -> None:
        self._closed.set()
        self._listener.close()

    # ------------------------------------------------------------------ relaying

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        client.settimeout(IDLE_SECONDS)
        with client, client.makefile("rb") as from_client:
            while True:
                try:
                    request = read_message(from_client, answer=False)
                except OSError:
                    return
                if request is None or not self._exchange(client, request):
                    return

    def _exchange(self, client: socket.socket, request: bytes) -> bool:
        """Forward one request, relay (or fault) its answer; False once the client is cut off."""
        path = request.split(b" ", 2)[1]
        kind = "push" if b"/push" in path else "pull" if b"/pull" in path else "other"
        try:
            with socket.create_connection(self._upstream, timeout=UPSTREAM_SECONDS) as upstream:
                upstream.sendall(request)
                self._run(kind, Moment.PUSH_SENT)
                with upstream.makefile("rb") as from_server:
                    answer = read_message(from_server, answer=True)
        except OSError:
            answer = None
        if answer is None:
            # The server died with the request: the client sees its connection closed.
            self.counts["server gone"] += 1
            return False
        if self._run(kind, Moment.PUSH_ANSWERED):
            return False
        fault = self._deal(kind)
        self.counts[f"{kind} {fault}"] += 1
        try:
            if fault is Fault.DROP:
                return False
            if fault is Fault.CUT:
                client.sendall(answer[: self._random_cut(len(answer))])
                return False
            if fault is Fault.DELAY:
                # The fault itself: a slow network, not a wait for something to happen.
                self._closed.wait(self._random_delay())
            client.sendall(answer)
        except OSError:
            return False
        return not self._run(kind, Moment.PULL_RELAYED)

    def _run(self, kind: str, moment: Moment) -> bool:
        """Run the armed action if this is its moment; True if it ran."""
        wanted = {Moment.PUSH_SENT: "push", Moment.PUSH_ANSWERED: "push"}.get(moment, "pull")
        with self._lock:
            armed = self._armed
            if armed is None or armed.moment is not moment or kind != wanted:
                return False
            self._armed = None
        self.counts[str(moment)] += 1
        armed.action()
        return True

    def _deal(self, kind: str) -> Fault:
        with self._lock:
            if not self.faulty or self._armed is not None:
                return Fault.PASS
            left = self._dealt.setdefault(kind, [])
            if not left:
                left.extend(self._deck)
                self._random.shuffle(left)
            return left.pop()

    def _random_cut(self, length: int) -> int:
        with self._lock:
            return self._random.randrange(1, max(2, length))

    def _random_delay(self) -> float:
        with self._lock:
            return self._random.uniform(0.0, self._longest_delay)
