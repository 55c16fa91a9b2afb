"""Which webhook addresses may be called: http(s) only, and never this machine's own network
(loopback, private, link-local, ...) unless WEBHOOK_ALLOW_PRIVATE is set (tests, on-premise
receivers). Checked when a webhook is added and again before each delivery, so a name that
later resolves to an inner address (DNS rebinding) is refused then."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeAddress(ValueError):
    pass


def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return not address.is_global or address.is_multicast


def check_url(url: str, resolve: bool = True) -> None:
    """Raise UnsafeAddress unless ``url`` may receive webhooks."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise UnsafeAddress("The port is not a number from 1 to 65535.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeAddress("Use an http:// or https:// address.")
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return
    host = parts.hostname
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    elif not resolve:
        if host == "localhost" or host.endswith(".localhost"):
            raise UnsafeAddress(f"{host} is this machine: set WEBHOOK_ALLOW_PRIVATE=true.")
        return
    else:
        try:
            found = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
        except OSError:
            raise UnsafeAddress(f"{host} cannot be resolved.") from None
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found]
    for address in addresses:
        if _refused(address):
            raise UnsafeAddress(
                f"{host} is a private, loopback or link-local address ({address}); "
                "set WEBHOOK_ALLOW_PRIVATE=true to allow it."
            )
