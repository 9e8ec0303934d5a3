"""Where a token may be sent: HTTPS with a verified certificate, or plain HTTP on this machine.

Technicians sync from customers' sites and mobile networks; a token sent over plain
``http://`` can be read by anyone on the path. Plain HTTP is accepted only to a loopback
address (127.0.0.0/8, ::1, ``localhost``), unless the technician explicitly allows it at
login for a network they trust. Certificates are always verified, against the system's
authorities or a vendor's own (``ca_file``).
"""

from __future__ import annotations

import ipaddress
import ssl
from pathlib import Path
from urllib.parse import urlsplit

from core.errors import ConfigError, InputError
from core.i18n import _

__all__ = ["check_server_url", "is_loopback", "ssl_context", "tls_failure"]


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses; a name is not resolved."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def check_server_url(url: str, *, allow_insecure_http: bool = False) -> str:
    """``url`` without a trailing slash, or InputError saying why it cannot carry a token."""
    url = url.strip().rstrip("/")
    not_a_url = InputError(
        _("The server's address {url} is not an http:// or https:// URL.").format(url=url)
    )
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise not_a_url from None
    if parts.scheme not in ("http", "https") or not host:
        raise not_a_url
    if parts.username is not None or parts.password is not None:
        raise InputError(_("The server's address must not hold a user name or password."))
    if parts.query or parts.fragment:
        raise InputError(_("The server's address must not have a query or a fragment."))
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(host):
        raise InputError(
            _(
                "{url} is plain http://, so your token would cross the network readable by "
                "anyone on the way; use https://, or, only on a network you trust, log in "
                "with --allow-insecure-http."
            ).format(url=url)
        )
    return url


def ssl_context(ca_file: Path | str | None) -> ssl.SSLContext | bool:
    """What httpx verifies certificates with: the system's authorities, or only ``ca_file``'s."""
    if ca_file is None:
        return True
    try:
        return ssl.create_default_context(cafile=str(ca_file))
    except (OSError, ssl.SSLError, ValueError) as error:
        raise ConfigError(
            _("The certificate authority file {path} cannot be used ({error}).").format(
                path=ca_file, error=getattr(error, "strerror", None) or error
            )
        ) from None


def tls_failure(error: BaseException) -> ssl.SSLError | None:
    """The TLS error behind a connection failure, if that is what it was."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
