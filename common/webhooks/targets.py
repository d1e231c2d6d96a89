"""Which URLs a webhook may be sent to: the guard against SSRF.

A partner types the URL; our worker calls it from inside our network. So a
URL is accepted only when it is HTTPS (plain HTTP only where the settings
allow it, for development), carries no user name or password, uses an
HTTP port, and its host — every address it resolves to — is a public
unicast address: no loopback, private, link-local (169.254.169.254, the
cloud metadata service), shared (CGNAT 100.64.0.0/10), multicast, reserved
or unspecified address, and no IPv6 form of one of them (IPv4-mapped,
NAT64, 6to4, unique-local fc00::/7).

Host names in numeric disguise (``http://2130706433/``, ``0177.0.0.1``,
``0x7f.1``, ``127.1``) are read the way browsers and ``inet_aton`` read
them (WHATWG URL Standard, "IPv4 parser"), so they are judged as the
address they really are.

:func:`endpoint_url_validate` returns the parsed :class:`Target` with the
addresses it checked; :mod:`common.webhooks.delivery` connects to those
addresses and never resolves the name again (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port -> the addresses (as text) a connection to them would use.
Resolver = Callable[[str, int], Sequence[str]]

URL_MAX_LENGTH = 2000
# The standard HTTP ports, and the unprivileged range where HTTP servers
# are commonly run. The ports below 1024 hold other protocols (SMTP 25,
# SSH 22, LDAP 389…) that a forged POST could talk to.
STANDARD_PORTS = frozenset({80, 443})
UNPRIVILEGED_PORTS = range(1024, 65536)

# Addresses no webhook may reach, beyond what ``ipaddress`` flags
# (is_private & co.), listed so that the rule does not depend on the
# Python version's tables (IANA special-purpose registries).
_FORBIDDEN_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",
        "100.64.0.0/10",  # shared address space (carrier-grade NAT)
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, including the metadata service
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
        "::/128",
        "::1/128",
        "::/96",  # IPv4-compatible (deprecated)
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments (Teredo, ORCHID…)
        "2001:db8::/32",  # documentation
        "fc00::/7",  # unique-local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
# IPv6 prefixes that carry an IPv4 address in their last 32 bits, which a
# translator on the path would reach (NAT64, RFC 6052 and RFC 8215).
_NAT64_NETWORKS = tuple(ipaddress.ip_network(n) for n in ("64:ff9b::/96", "64:ff9b:1::/48"))

# Names that only make sense inside a network (RFC 6761, RFC 6762,
# RFC 8375, and common private suffixes).
_INTERNAL_SUFFIXES = (
    "localhost",
    "local",
    "localdomain",
    "internal",
    "intranet",
    "lan",
    "home",
    "corp",
    "home.arpa",
    "in-addr.arpa",
    "ip6.arpa",
    "test",
    "invalid",
    "example",
)
_LABEL_RE = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
# Any character a URL must not carry raw: controls, spaces, non-ASCII.
_UNSAFE_CHARACTERS_RE = re.compile(r"[^\x21-\x7e]")
_NUMBER_RE = re.compile(r"(0[xX][0-9a-fA-F]*|[0-9]+)")


@dataclass(frozen=True)
class Target:
    """An endpoint URL taken apart, with the addresses that were checked."""

    url: str
    scheme: str
    host: str  # the name (IDNA, lower case) or the canonical address
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[IPAddress, ...]


def system_resolve(host: str, port: int) -> list[str]:
    """The addresses the system's resolver gives for ``host`` (TCP)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def address_forbidden(address: IPAddress) -> bool:
    """Whether a webhook must not be sent to ``address``."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or _nat64_embedded(address)
        if embedded is not None:
            return address_forbidden(embedded)
        if address.sixtofour is not None and address_forbidden(address.sixtofour):
            return True
    if any(address in network for network in _FORBIDDEN_NETWORKS):
        return True
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def _nat64_embedded(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if any(address in network for network in _NAT64_NETWORKS):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def ipv4_from_host(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address ``host`` denotes when it "ends in a number" (WHATWG
    URL Standard), in decimal, octal or hexadecimal parts, 1 to 4 of them.

    Returns None for a host name; raises ValidationError for a host that
    ends in a number but is no valid address (``1.2.3.4.5``, ``0x1g``)."""
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if not _NUMBER_RE.fullmatch(parts[-1]):
        return None
    invalid = ValidationError(
        _("The address %(host)s is not a valid IP address."),
        code="webhook_url_host",
        params={"host": host},
    )
    if len(parts) > 4:
        raise invalid
    numbers = []
    for part in parts:
        if not _NUMBER_RE.fullmatch(part):
            raise invalid
        if part[:2].lower() == "0x":
            numbers.append(int(part[2:] or "0", 16))
        elif len(part) > 1 and part.startswith("0"):
            if not set(part) <= set("01234567"):
                raise invalid
            numbers.append(int(part, 8))
        else:
            numbers.append(int(part))
    if any(number > 255 for number in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise invalid
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _host_name(host: str) -> str:
    """``host`` as an ASCII DNS name, or ValidationError."""
    invalid = ValidationError(
        _("The host name %(host)s is not valid."), code="webhook_url_host", params={"host": host}
    )
    try:
        ascii_host = host.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError as error:
        raise invalid from error
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_LABEL_RE.fullmatch(label) for label in labels):
        raise invalid
    return ascii_host


def internal_name(name: str) -> bool:
    """Whether a host name only makes sense inside a network: no dot
    (``localhost``, ``intranet``) or a private suffix (``.local``,
    ``.internal``, ``.test``…)."""
    if "." not in name:  # a bare name resolves through the local search domains
        return True
    return any(name == suffix or name.endswith("." + suffix) for suffix in _INTERNAL_SUFFIXES)


def _refused_address(address: IPAddress) -> ValidationError:
    return ValidationError(
        _(
            "The address %(address)s is not a public Internet address (private, local or "
            "reserved network): webhooks are only sent to public servers."
        ),
        code="webhook_url_private",
        params={"address": str(address)},
    )


def endpoint_url_validate(
    url: str,
    *,
    allow_http: bool,
    allow_private: bool,
    resolver: Resolver | None = system_resolve,
) -> Target:
    """Check that a webhook may be sent to ``url``, and return it parsed.

    ``allow_http`` accepts plain ``http://`` URLs, ``allow_private`` any
    address and port (development and tests: settings
    ``WEBHOOK_ALLOW_HTTP`` and ``WEBHOOK_ALLOW_PRIVATE_TARGETS``). The host
    name is resolved with ``resolver`` (the system's by default) and every
    address is checked; ``resolver=None`` skips the name lookup (the form
    checks of a URL that is resolved again at each delivery) and returns
    no address for a name.

    Raises ``ValidationError`` with a message for the partner, in their
    language, and a code starting with ``webhook_url_``.
    """
    if len(url) > URL_MAX_LENGTH:
        raise ValidationError(
            _("A webhook URL has at most %(max)d characters."),
            code="webhook_url_invalid",
            params={"max": URL_MAX_LENGTH},
        )
    if _UNSAFE_CHARACTERS_RE.search(url):
        raise ValidationError(
            _(
                "The URL contains spaces, control characters or non-ASCII characters: "
                "percent-encode them, and write the host name in punycode."
            ),
            code="webhook_url_invalid",
        )
    try:
        parts = urlsplit(url)
        port_given = parts.port
    except ValueError as error:
        raise ValidationError(_("This is not a valid URL."), code="webhook_url_invalid") from error
    scheme = parts.scheme.lower()
    allowed_schemes = ("https", "http") if allow_http else ("https",)
    if scheme not in allowed_schemes:
        raise ValidationError(
            _("The URL must start with https:// (webhooks are only sent encrypted).")
            if not allow_http
            else _("The URL must start with https:// or http://."),
            code="webhook_url_scheme",
        )
    if "@" in parts.netloc:
        raise ValidationError(
            _("The URL must not contain a user name or password: sign-in is by signature."),
            code="webhook_url_userinfo",
        )
    if parts.fragment or url.endswith("#"):
        raise ValidationError(
            _("The URL must not contain a fragment (#…)."), code="webhook_url_invalid"
        )
    raw_host = parts.hostname or ""
    if not raw_host:
        raise ValidationError(_("The URL has no host name."), code="webhook_url_host")

    port = port_given if port_given is not None else (443 if scheme == "https" else 80)
    if not allow_private and port not in STANDARD_PORTS and port not in UNPRIVILEGED_PORTS:
        raise ValidationError(
            _("The port %(port)d is not allowed: use 443, 80 or a port from 1024 to 65535."),
            code="webhook_url_port",
            params={"port": port},
        )

    literal: IPAddress | None
    if parts.netloc.rpartition("@")[2].startswith("["):
        if "%" in raw_host:
            raise ValidationError(
                _("The address %(host)s is not a valid IP address."),
                code="webhook_url_host",
                params={"host": raw_host},
            )
        try:
            literal = ipaddress.IPv6Address(raw_host)
        except ValueError as error:
            raise ValidationError(
                _("The address %(host)s is not a valid IP address."),
                code="webhook_url_host",
                params={"host": raw_host},
            ) from error
    else:
        literal = ipv4_from_host(raw_host)

    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if literal is not None:
        if not allow_private and address_forbidden(literal):
            raise _refused_address(literal)
        return Target(url, scheme, str(literal), port, path, (literal,))

    host = _host_name(raw_host)
    if not allow_private and internal_name(host):
        raise ValidationError(
            _(
                "The host name %(host)s is a local network name: webhooks are only sent to "
                "public servers, named by a full domain name."
            ),
            code="webhook_url_private",
            params={"host": host},
        )
    if resolver is None:
        return Target(url, scheme, host, port, path, ())
    addresses = _resolve(host, port, resolver)
    if not allow_private:
        for address in addresses:
            if address_forbidden(address):
                raise _refused_address(address)
    return Target(url, scheme, host, port, path, addresses)


def endpoint_url_validator(url: str) -> None:
    """:func:`endpoint_url_validate` with the settings' rules and the
    system's resolver, as a Django validator (form, serializer or model
    field): a partner learns at once that a URL will never be called."""
    endpoint_url_validate(
        url,
        allow_http=settings.WEBHOOK_ALLOW_HTTP,
        allow_private=settings.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    )


def _resolve(host: str, port: int, resolver: Resolver) -> tuple[IPAddress, ...]:
    not_found = ValidationError(
        _("The host name %(host)s cannot be found (DNS)."),
        code="webhook_url_dns",
        params={"host": host},
    )
    try:
        answers = resolver(host, port)
    except (OSError, UnicodeError) as error:
        raise not_found from error
    addresses: list[IPAddress] = []
    for answer in answers:
        try:
            # A scoped link-local answer ("fe80::1%eth0") keeps its scope out.
            address = ipaddress.ip_address(answer.partition("%")[0])
        except ValueError as error:
            raise not_found from error
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise not_found
    return tuple(addresses)
