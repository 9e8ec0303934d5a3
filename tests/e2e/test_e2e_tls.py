"""Sync over TLS with a certificate made here (trustme): verified against the vendor's own CA
given at login, refused without it, and a plain-http remote address refused before any
request leaves the device."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme

from core.clock import SystemClock
from core.errors import InputError, SyncError, UnreachableError
from core.store import Store
from core.sync.client import SyncClient
from server.embedded import LocalServer


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server(tmp_path: Path, authority: trustme.CA) -> Iterator[LocalServer]:
    leaf = authority.issue_cert("127.0.0.1", "localhost")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    for extra in leaf.cert_chain_pems[1:]:
        extra.write_to_path(str(cert), append=True)
    leaf.private_key_pem.write_to_path(str(key))
    server = LocalServer(tmp_path / "server-home", tls=(cert, key))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def ca_file(tmp_path: Path, authority: trustme.CA) -> Path:
    path = tmp_path / "vendor-ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return path


def _vardia(*args: str, home: Path, token: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VARDIA_HOME": str(home), "VARDIA_TOKEN": token}
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def test_a_technician_logs_in_and_syncs_over_tls_with_the_vendors_ca(
    tls_server: LocalServer, ca_file: Path, tmp_path: Path
) -> None:
    csv = tmp_path / "customers.csv"
    csv.write_text("id,name,city,plan,valid_from,valid_until\nC-1,Acme,Athens,,,\n")
    admin = [sys.executable, "-m", "server", "--database", tls_server.database]
    subprocess.run([*admin, "import-customers", str(csv)], check=True, capture_output=True)
    token = tls_server.add_technician("alice")
    me = tmp_path / "me"
    url = tls_server.url
    assert url.startswith("https://")

    untrusted = _vardia("login", "--server", url, home=me, token=token)
    login = _vardia("login", "--server", url, "--ca-file", str(ca_file), home=me, token=token)
    first = _vardia("sync", "--json", home=me)
    opened = _vardia("incident", "open", "--customer", "C-1", "--subject", "No ink", home=me)
    second = _vardia("sync", "--json", home=me)

    assert untrusted.returncode == 1, untrusted.stderr
    assert "does not trust" in untrusted.stderr and "--ca-file" in untrusted.stderr
    assert login.returncode == 0, login.stderr
    saved = json.loads((me / "config" / "login.json").read_text())
    assert saved["ca_file"] == str(ca_file.resolve()) and saved["allow_insecure_http"] is False
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["pulled"] == 1
    assert opened.returncode == 0, opened.stderr
    assert json.loads(second.stdout)["applied"] == 1
    assert "alice POST /v1/push 200" in tls_server.log.read_text()


def test_an_unverified_certificate_is_a_failure_to_fix_not_to_retry(
    tls_server: LocalServer, ca_file: Path, tmp_path: Path
) -> None:
    token = tls_server.add_technician("alice")
    with Store.open(tmp_path / "me", clock=SystemClock()) as store:
        with (
            SyncClient(store, tls_server.url, token, device_id="d") as client,
            pytest.raises(SyncError, match="does not trust") as refused,
        ):
            client.whoami()
        with SyncClient(store, tls_server.url, token, device_id="d", ca_file=ca_file) as client:
            who = client.whoami()
        plain = tls_server.url.replace("https://", "http://")
        with SyncClient(store, plain, token, device_id="d") as client:
            spoken_plainly = client.is_online()
    assert not isinstance(refused.value, UnreachableError)
    assert who.technician == "alice"
    assert spoken_plainly is False  # the TLS server does not answer plain HTTP


def test_plain_http_to_another_host_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    sent: list[httpx.Request] = []

    def server(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"technician": "alice", "role": "technician"})

    with Store.open(tmp_path / "me", clock=SystemClock()) as store:
        with pytest.raises(InputError, match="--allow-insecure-http"):
            SyncClient(
                store,
                "http://sync.vendor.example:8765",
                "secret",
                device_id="d",
                transport=httpx.MockTransport(server),
            )
        allowed = SyncClient(
            store,
            "http://sync.vendor.example:8765",
            "secret",
            device_id="d",
            transport=httpx.MockTransport(server),
            allow_insecure_http=True,
        )
        with allowed:
            allowed.is_online()
    assert len(sent) == 1 and sent[0].url.host == "sync.vendor.example"


def test_login_refuses_plain_http_to_another_host_and_says_why(tmp_path: Path) -> None:
    # .invalid never resolves: even a login that went ahead would reach no one.
    refused = _vardia("login", "--server", "http://sync.vendor.invalid", home=tmp_path, token="t")
    assert refused.returncode == 2
    assert "readable by anyone" in refused.stderr
    assert "--allow-insecure-http" in refused.stderr and "https://" in refused.stderr
    assert not (tmp_path / "config" / "login.json").exists()
