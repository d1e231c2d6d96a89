"""Hostile webhook URLs: every one refused with a message, and no network
needed (the resolver is a dictionary)."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from common.webhooks.targets import (
    address_forbidden,
    endpoint_url_validate,
    endpoint_url_validator,
)

PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"


def resolver_from(table):
    """A resolver answering from ``table`` (name -> addresses), recording
    every question; unknown names fail like the system's resolver."""
    calls = []

    def resolve(host, port):
        calls.append((host, port))
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    resolve.calls = calls
    return resolve


PUBLIC = resolver_from({"hooks.partner.fr": [PUBLIC_V4, PUBLIC_V6]})


def refused(url, *, allow_http=False, allow_private=False, resolver=PUBLIC):
    with pytest.raises(ValidationError) as caught:
        endpoint_url_validate(
            url, allow_http=allow_http, allow_private=allow_private, resolver=resolver
        )
    return caught.value


def test_a_public_https_url_is_accepted_with_every_address_checked():
    resolve = resolver_from({"hooks.partner.fr": [PUBLIC_V4, PUBLIC_V6, PUBLIC_V4]})
    target = endpoint_url_validate(
        "https://Hooks.Partner.FR/webhooks/plusquepro?src=1",
        allow_http=False,
        allow_private=False,
        resolver=resolve,
    )
    assert resolve.calls == [("hooks.partner.fr", 443)]
    assert (target.scheme, target.host, target.port) == ("https", "hooks.partner.fr", 443)
    assert target.path == "/webhooks/plusquepro?src=1"
    assert target.addresses == (ipaddress.ip_address(PUBLIC_V4), ipaddress.ip_address(PUBLIC_V6))


def test_an_unprivileged_port_is_accepted():
    target = endpoint_url_validate(
        "https://hooks.partner.fr:8443", allow_http=False, allow_private=False, resolver=PUBLIC
    )
    assert (target.port, target.path) == (8443, "/")


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.partner.fr/",
        "ftp://hooks.partner.fr/",
        "file:///etc/passwd",
        "gopher://hooks.partner.fr:70/",
        "javascript:alert(1)",
        "//hooks.partner.fr/",
        "hooks.partner.fr/",
        "",
    ],
)
def test_only_https_in_production(url):
    assert refused(url).code == "webhook_url_scheme"


def test_plain_http_where_the_settings_allow_it():
    target = endpoint_url_validate(
        "http://hooks.partner.fr/", allow_http=True, allow_private=False, resolver=PUBLIC
    )
    assert target.port == 80
    assert refused("ftp://hooks.partner.fr/", allow_http=True).code == "webhook_url_scheme"


@pytest.mark.parametrize(
    "url",
    [
        "https://user:pass@hooks.partner.fr/",
        "https://user@hooks.partner.fr/",
        "https://hooks.partner.fr@127.0.0.1/",
        "https://hooks.partner.fr\\@127.0.0.1/",
        "https://@hooks.partner.fr/",
    ],
)
def test_no_user_name_or_password(url):
    assert refused(url).code == "webhook_url_userinfo"


@pytest.mark.parametrize("port", [22, 25, 0, 389, 6379 - 6000, 1023])
def test_privileged_ports_other_than_http_are_refused(port):
    assert refused(f"https://hooks.partner.fr:{port}/").code == "webhook_url_port"


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.partner.fr:99999/",
        "https://hooks.partner.fr:-1/",
        "https://hooks.partner.fr:http/",
    ],
)
def test_impossible_ports_are_refused(url):
    assert refused(url).code == "webhook_url_invalid"


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://127.0.0.1/", "127.0.0.1"),
        ("https://127.1/", "127.0.0.1"),
        ("https://2130706433/", "127.0.0.1"),  # decimal
        ("https://0177.0.0.01/", "127.0.0.1"),  # octal
        ("https://0x7f.0x0.0x0.0x1/", "127.0.0.1"),  # hexadecimal
        ("https://0x7f000001/", "127.0.0.1"),
        ("https://0x7f.1/", "127.0.0.1"),
        ("https://127.0.0.1./", "127.0.0.1"),
        ("https://0.0.0.0/", "0.0.0.0"),  # noqa: S104 (a hostile URL, not a bind)
        ("https://0/", "0.0.0.0"),  # noqa: S104
        ("https://10.0.0.5/", "10.0.0.5"),
        ("https://172.16.3.4/", "172.16.3.4"),
        ("https://192.168.1.1/", "192.168.1.1"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("https://2852039166/", "169.254.169.254"),
        ("https://100.64.0.1/", "100.64.0.1"),  # CGNAT
        ("https://224.0.0.1/", "224.0.0.1"),
        ("https://255.255.255.255/", "255.255.255.255"),
        ("https://240.0.0.1/", "240.0.0.1"),
        ("https://192.0.2.10/", "192.0.2.10"),
        ("https://198.18.0.1/", "198.18.0.1"),
        ("https://[::1]/", "::1"),
        ("https://[::]/", "::"),
        ("https://[0:0:0:0:0:0:0:1]/", "::1"),
        ("https://[::ffff:127.0.0.1]/", "::ffff:7f00:1"),
        ("https://[::ffff:7f00:1]/", "::ffff:7f00:1"),
        ("https://[::ffff:169.254.169.254]/", "::ffff:a9fe:a9fe"),
        ("https://[::127.0.0.1]/", "::7f00:1"),
        ("https://[64:ff9b::10.0.0.1]/", "64:ff9b::a00:1"),
        ("https://[2002:7f00:1::]/", "2002:7f00:1::"),  # 6to4 of 127.0.0.1
        ("https://[fc00::1]/", "fc00::1"),
        ("https://[fd12:3456::1]/", "fd12:3456::1"),
        ("https://[fe80::1]/", "fe80::1"),
        ("https://[ff02::1]/", "ff02::1"),
        ("https://[2001:db8::1]/", "2001:db8::1"),
        ("https://[fd00:ec2::254]/", "fd00:ec2::254"),  # AWS metadata over IPv6
    ],
)
def test_address_literals_of_internal_networks_in_any_notation_are_refused(url, address):
    resolve = resolver_from({})
    error = refused(url, resolver=resolve)
    assert error.code == "webhook_url_private"
    assert error.params["address"] == address
    assert resolve.calls == []


@pytest.mark.parametrize(
    "url",
    [
        "https://1.2.3.4.5/",
        "https://256.0.0.1/",
        "https://1.2.3.256/",
        "https://4294967296/",
        "https://0x1g.0x2/",
        "https://09.0.0.1/",
        "https://example.123/",
        "https://[fe80::1%25eth0]/",
        "https://[not:an:address]/",
        "https://[::1/",
        "https://%31%32%37.0.0.1/",
        "https://127.0.0.1\\.hooks.partner.fr/",
        "https://-bad-.partner.fr/",
        "https://under_score.partner.fr/",
        "https://" + "a" * 64 + ".partner.fr/",
        "https:///path-only",
    ],
)
def test_malformed_hosts_are_refused(url):
    assert refused(url).code in {"webhook_url_host", "webhook_url_invalid"}


@pytest.mark.parametrize(
    "url",
    [
        "https://localhost/",
        "https://LOCALHOST./",
        "https://api.localhost/",
        "https://redis/",
        "https://printer.local/",
        "https://db.internal/",
        "https://router.home.arpa/",
        "https://1.0.0.127.in-addr.arpa/",
    ],
)
def test_local_network_names_are_refused_before_any_lookup(url):
    resolve = resolver_from({})
    assert refused(url, resolver=resolve).code == "webhook_url_private"
    assert resolve.calls == []


@pytest.mark.parametrize(
    "answers",
    [
        ["127.0.0.1"],
        [PUBLIC_V4, "10.1.2.3"],  # one private answer among public ones is enough
        [PUBLIC_V6, "::1"],
        ["169.254.169.254"],
        ["::ffff:192.168.0.1"],
        ["fe80::1%eth0"],
        ["100.100.100.200"],  # Alibaba's metadata service, CGNAT range
        ["0.0.0.0"],  # noqa: S104
    ],
)
def test_a_name_resolving_to_any_internal_address_is_refused(answers):
    error = refused(
        "https://rebind.attacker.fr/", resolver=resolver_from({"rebind.attacker.fr": answers})
    )
    assert error.code == "webhook_url_private"


@pytest.mark.parametrize("answers", [[], ["not-an-address"]])
def test_a_name_without_usable_answers_is_refused(answers):
    error = refused(
        "https://void.partner.fr/", resolver=resolver_from({"void.partner.fr": answers})
    )
    assert error.code == "webhook_url_dns"


def test_an_unknown_name_is_refused():
    assert refused("https://nowhere.partner.fr/").code == "webhook_url_dns"


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.partner.fr/a b",
        "https://hooks.partner.fr/\r\nX-Injected: 1",
        "https://hooks.partner.fr/\x00",
        "https://hooks.partner.fr/\t",
        "https://hooks.partner.fr/café",
        "https://café.fr/",
        "https://hooks.partner.fr/#section",
        "https://hooks.partner.fr/" + "a" * 2000,
    ],
)
def test_unsafe_characters_fragments_and_huge_urls_are_refused(url):
    assert refused(url).code == "webhook_url_invalid"


def test_development_settings_allow_local_servers_and_ports():
    resolve = resolver_from({"localhost": ["127.0.0.1", "::1"]})
    target = endpoint_url_validate(
        "http://localhost:8000/hook", allow_http=True, allow_private=True, resolver=resolve
    )
    assert target.addresses == (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))
    target = endpoint_url_validate(
        "http://2130706433:25/", allow_http=True, allow_private=True, resolver=resolve
    )
    assert (target.host, target.port) == ("127.0.0.1", 25)


def test_without_a_resolver_a_name_is_checked_but_not_looked_up():
    target = endpoint_url_validate(
        "https://hooks.partner.fr/", allow_http=False, allow_private=False, resolver=None
    )
    assert target.addresses == ()
    assert refused("https://localhost/", resolver=None).code == "webhook_url_private"
    assert refused("https://2130706433/", resolver=None).code == "webhook_url_private"


@pytest.mark.parametrize(
    "address", [PUBLIC_V4, PUBLIC_V6, "8.8.8.8", "::ffff:8.8.8.8", "2a00:1450:4007:80c::200e"]
)
def test_public_addresses_are_allowed(address):
    assert not address_forbidden(ipaddress.ip_address(address))


def test_messages_are_in_french_and_english():
    with translation.override("fr"):
        french = refused("http://hooks.partner.fr/").messages[0]
    with translation.override("en"):
        english = refused("http://hooks.partner.fr/").messages[0]
    assert english.startswith("The URL must start with https://")
    assert french.startswith("L'URL doit commencer par https://")


def test_the_validator_applies_the_settings(settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    for url, code in (
        ("http://93.184.215.14/", "webhook_url_scheme"),
        ("https://10.0.0.1/", "webhook_url_private"),
    ):
        with pytest.raises(ValidationError) as caught:
            endpoint_url_validator(url)
        assert caught.value.code == code
    endpoint_url_validator("https://93.184.215.14/hook")
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    endpoint_url_validator("http://127.0.0.1:8000/hook")
