"""The server under strangers, against a real uvicorn process: floods stay bounded in memory
and descriptors, and normal requests are still answered. Bounds are on counts, never on time.

The numbers measured are printed (``pytest -s``) for the record.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server.embedded import LocalServer
from tests.server.flood import descriptors, flood, raise_descriptor_limit, rss_kib
from tests.server.sync_factories import incident, open_op, push_body

MIB = 1024


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    found = LocalServer(tmp_path / "server-home")
    yield found
    found.stop()


def _get(path: str, token: str | None, extra: str = "") -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return f"GET {path} HTTP/1.1\r\nHost: vardia\r\nConnection: close\r\n{auth}{extra}\r\n".encode()


def test_a_junk_token_per_request_does_not_escape_the_strangers_limit(
    server: LocalServer,
) -> None:
    token = server.add_technician("alice")
    burst, rate = 20, 0.01
    server.start(stranger_burst=burst, stranger_rate=rate)
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as me:
        assert me.get("/v1/whoami").status_code == 200
        pid = server.pid
        assert pid is not None
        junk = [_get("/v1/whoami", f"junk-{n:06d}-" + "x" * 200) for n in range(1500)]
        started = time.monotonic()
        counts = flood(server.port, junk[:500])
        before = rss_kib(pid)
        counts += flood(server.port, junk[500:])
        elapsed = time.monotonic() - started
        after = rss_kib(pid)
        answered = me.get("/v1/whoami")

    print(f"\njunk tokens: {dict(counts)}; RSS {before} KiB -> {after} KiB; {elapsed:.1f} s")
    # Only the first `burst` strangers' requests (and what the rate refills) were looked at.
    assert counts[401] <= burst + rate * elapsed + 1
    assert counts[429] == 1500 - counts[401]
    assert after - before < 16 * MIB
    assert answered.status_code == 200


async def _closed(reader: asyncio.StreamReader) -> None:
    """Until the server's end of the connection is closed, by a close or a reset."""
    with contextlib.suppress(ConnectionResetError):
        await reader.read()


def test_a_thousand_slow_bodies_leave_descriptors_bounded_and_requests_answered(
    server: LocalServer,
) -> None:
    raise_descriptor_limit(4096)
    token = server.add_technician("alice")
    cap = 200
    server.start(max_connections=cap)
    pid = server.pid
    assert pid is not None
    head = (
        "POST /v1/push HTTP/1.1\r\nHost: vardia\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: 100000\r\n\r\n{{"
    ).encode()

    async def run() -> tuple[int, int, int, int, int]:
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=server.url, headers=headers) as me:
            assert (await me.get("/v1/whoami")).status_code == 200
            fds, rss = descriptors(pid), rss_kib(pid)
            held = []
            for _ in range(1100):
                reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
                writer.write(head)
                await writer.drain()
                held.append((reader, writer))
            # A new connection, accepted after the 1,100: once it is answered, the server has
            # seen them all.
            async with httpx.AsyncClient(base_url=server.url, headers=headers) as newcomer:
                answered = (await newcomer.get("/v1/whoami")).status_code
            peak_fds, peak_rss = descriptors(pid), rss_kib(pid)
            # Each client ends its body short; the server's end of the connection closing
            # (the client reads to its end) is the event that its descriptor is released.
            for _reader, writer in held:
                with contextlib.suppress(ConnectionResetError):  # refused over the cap
                    writer.write_eof()
            await asyncio.wait_for(asyncio.gather(*(_closed(r) for r, _w in held)), 60)
            for _reader, writer in held:
                writer.close()
        return answered, fds, rss, peak_fds, peak_rss

    answered, fds, rss, peak_fds, peak_rss = asyncio.run(run())
    settled = descriptors(pid) <= fds + 10

    print(f"\nslow bodies: fds {fds} -> {peak_fds} (cap {cap}); RSS {rss} KiB -> {peak_rss} KiB")
    assert answered == 200
    assert peak_fds <= cap + 100
    assert peak_rss - rss < 64 * MIB
    assert settled, f"{descriptors(pid)} descriptors still open"


def test_a_strangers_slow_body_is_refused_unread_and_its_connection_closed(
    server: LocalServer,
) -> None:
    server.start()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(
            b"POST /v1/push HTTP/1.1\r\nHost: vardia\r\nAuthorization: Bearer junk\r\n"
            b"Content-Length: 100000\r\n\r\n{"
        )
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 401")
    assert b"connection: close" in answer.lower()


def test_a_body_or_a_head_that_never_ends_is_cut_off(server: LocalServer) -> None:
    token = server.add_technician("alice")
    server.start(body_timeout=1, header_timeout=1)
    with socket.create_connection(("127.0.0.1", server.port)) as slow_body:
        slow_body.sendall(
            f"POST /v1/push HTTP/1.1\r\nHost: vardia\r\nAuthorization: Bearer {token}\r\n"
            "Content-Length: 1000\r\n\r\n{".encode()
        )
        body_answer = _read_all(slow_body)
    with socket.create_connection(("127.0.0.1", server.port)) as slow_head:
        slow_head.sendall(b"GET /v1/health HTTP/1.1\r\nHost: vard")
        head_answer = _read_all(slow_head)

    assert body_answer.startswith(b"HTTP/1.1 408")
    assert head_answer == b""  # closed without an answer: there was no request to answer


def test_a_head_larger_than_the_bound_is_refused_whole_or_in_pieces(server: LocalServer) -> None:
    server.start(max_header_bytes=4096)
    request = _get("/v1/health", None, f"X-Padding: {'a' * 5000}\r\n")
    with socket.create_connection(("127.0.0.1", server.port)) as whole:
        whole.sendall(request)
        at_once = _read_all(whole)
    with socket.create_connection(("127.0.0.1", server.port)) as pieces:
        for start in range(0, len(request), 1000):
            pieces.sendall(request[start : start + 1000])
            if start >= 4000:
                break
        in_pieces = _read_all(pieces)
    with httpx.Client(base_url=server.url) as client:
        fine = client.get("/v1/health", headers={"X-Padding": "a" * 3000})
    assert at_once.startswith(b"HTTP/1.1 431")
    # Pieces the kernel joins arrive whole; either way the head is refused.
    assert in_pieces.split(b" ", 2)[1] in (b"400", b"431")
    assert fine.status_code == 200


def test_strangers_from_many_addresses_keep_the_limiter_bounded(server: LocalServer) -> None:
    server.start(limiter_size=50, stranger_burst=1, stranger_rate=0.001)
    statuses = []
    for n in range(120):
        # Every address of 127.0.0.0/8 is this machine: 120 strangers, one bucket each.
        transport = httpx.HTTPTransport(local_address=f"127.0.{n // 250}.{n % 250 + 2}")
        with httpx.Client(base_url=server.url, transport=transport) as client:
            statuses.append(client.get("/v1/health").status_code)
    with httpx.Client(base_url=server.url) as again:
        repeated = [again.get("/v1/health").status_code for _ in range(3)]
    assert statuses == [200] * 120  # each address has its own burst
    assert repeated[-1] == 429


def test_the_access_log_names_requests_and_never_a_token(server: LocalServer) -> None:
    token = server.add_technician("alice")
    server.start()
    with httpx.Client(base_url=server.url) as client:
        client.get("/v1/whoami", headers={"Authorization": f"Bearer {token}"})
        client.get(f"/v1/pull?token={token}", headers={"Authorization": f"Bearer {token}"})
        client.post(
            "/v1/push",
            json=push_body([open_op(incident("I-1"))]),
            headers={"Authorization": f"Bearer {token}", "X-Token": token},
        )
        client.get("/v1/whoami", headers={"Authorization": "Bearer not-a-token-secret"})
    server.stop()
    log = server.log.read_text()
    assert "alice GET /v1/whoami 200" in log
    assert "alice POST /v1/push 200" in log
    assert "GET /v1/whoami 401" in log
    assert token not in log and "not-a-token-secret" not in log


def test_the_servers_files_are_its_owners_only(tmp_path: Path, server: LocalServer) -> None:
    token = server.add_technician("alice")
    server.start()
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as c:
        assert c.post("/v1/push", json=push_body([open_op(incident("I-1"))])).status_code == 200
    home = server.home
    env = {**os.environ, "VARDIA_SERVER_HOME": str(tmp_path / "admin")}
    subprocess.run([sys.executable, "-m", "server", "init"], env=env, check=True)

    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for name in ("vardia.db", "vardia.db-wal", "vardia.db-shm", "server.log"):
        assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name
    admin = tmp_path / "admin"
    assert stat.S_IMODE(admin.stat().st_mode) == 0o700
    for name in ("server.json", "vardia.db"):
        assert stat.S_IMODE((admin / name).stat().st_mode) == 0o600, name


def test_init_tightens_a_database_an_older_server_left_readable(tmp_path: Path) -> None:
    home = tmp_path / "old"
    home.mkdir(mode=0o755)
    env = {**os.environ, "VARDIA_SERVER_HOME": str(home)}
    subprocess.run([sys.executable, "-m", "server", "init"], env=env, check=True)
    os.chmod(home, 0o755)
    os.chmod(home / "vardia.db", 0o644)
    again = subprocess.run(
        [sys.executable, "-m", "server", "init"], env=env, capture_output=True, text=True
    )
    assert "now its owner's only" in again.stdout
    assert stat.S_IMODE((home / "vardia.db").stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700


def test_serve_says_where_it_listens_and_stops_on_ctrl_c_with_a_sentence(tmp_path: Path) -> None:
    env = {**os.environ, "VARDIA_SERVER_HOME": str(tmp_path / "srv")}
    subprocess.run([sys.executable, "-m", "server", "init"], env=env, check=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--port", "0", "--log-level", "warning"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    address = first.split(" on ", 1)[1].split(" ", 1)[0]
    with httpx.Client(base_url=address) as client:
        health = client.get("/v1/health")
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)

    assert first.startswith("vardia-server listening on http://127.0.0.1:")
    assert health.status_code == 200
    assert out.strip() == "vardia-server stopped."
    assert process.returncode == 0
    assert "Aborted" not in err and "Traceback" not in err


def _read_all(sock: socket.socket) -> bytes:
    sock.settimeout(60)
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_nul_in_the_query_is_refused_not_a_server_error(server: LocalServer) -> None:
    token = server.add_technician("office", admin=True)
    server.start()
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as c:
        answer = c.get("/v1/admin/sessions", params={"technician": "a\x00b"})
    assert answer.status_code == 422
