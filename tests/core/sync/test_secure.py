"""Where a token may go: HTTPS anywhere, plain HTTP only on this machine unless allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigError, InputError
from core.sync.secure import check_server_url, is_loopback, ssl_context


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765",
        "http://127.12.0.9",
        "http://localhost:8765/",
        "http://LOCALHOST.",
        "http://[::1]:8765",
        "http://[::ffff:127.0.0.1]",
        "https://sync.vendor.example",
        "https://203.0.113.7:8443",
    ],
)
def test_https_anywhere_and_plain_http_on_this_machine_are_accepted(url: str) -> None:
    assert check_server_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://sync.vendor.example",
        "http://10.0.0.5:8765",
        "http://[2001:db8::1]",
        "http://127.0.0.1.vendor.example",
        "http://localhost.vendor.example",
    ],
)
def test_plain_http_elsewhere_is_refused_unless_allowed(url: str) -> None:
    with pytest.raises(InputError, match="--allow-insecure-http"):
        check_server_url(url)
    assert check_server_url(url, allow_insecure_http=True) == url


@pytest.mark.parametrize(
    "url",
    ["sync.vendor.example", "ftp://host", "https://", "https://host:port", "https://u:p@host",
     "https://host/?token=x", "https://[::1"],
)  # fmt: skip
def test_what_is_not_a_server_address_is_refused(url: str) -> None:
    with pytest.raises(InputError):
        check_server_url(url)


def test_names_are_not_resolved() -> None:
    assert not is_loopback("vm")  # even where it resolves to 127.0.0.1


def test_a_ca_file_that_is_not_one_is_a_sentence(tmp_path: Path) -> None:
    junk = tmp_path / "ca.pem"
    junk.write_text("not a certificate")
    with pytest.raises(ConfigError, match=r"ca\.pem cannot be used"):
        ssl_context(junk)
    with pytest.raises(ConfigError, match="cannot be used"):
        ssl_context(tmp_path / "missing.pem")
    assert ssl_context(None) is True
