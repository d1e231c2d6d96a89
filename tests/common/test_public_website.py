"""A company's website, shown to the public as a link, is an http(s)
address on the Internet (trial, finding 10), judged with the webhooks'
SSRF rules (``common.webhooks.targets``) and without a name look-up."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from common.validators import validate_public_website


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://exemple.fr", "website_scheme"),
        ("javascript:alert(1)", "website_scheme"),
        ("file:///etc/passwd", "website_scheme"),
        ("http://localhost:8000/admin/", "website_private"),
        ("http://LOCALHOST./", "website_private"),
        ("http://127.0.0.1/", "website_private"),
        ("http://0x7f.1/", "website_private"),
        ("http://2130706433/", "website_private"),
        ("http://0177.0.0.1/", "website_private"),
        ("http://10.1.2.3/", "website_private"),
        ("http://172.16.0.1/", "website_private"),
        ("http://192.168.1.1/", "website_private"),
        ("http://100.64.0.1/", "website_private"),
        ("http://169.254.169.254/", "website_private"),
        ("http://[::1]/", "website_private"),
        ("http://[::ffff:127.0.0.1]/", "website_private"),
        ("http://[fe80::1]/", "website_private"),
        ("http://intranet/", "website_private"),
        ("http://nas.local/", "website_private"),
        ("http://app.internal/", "website_private"),
        ("http://user:pass@exemple.fr/", "website_userinfo"),
    ],
)
def test_a_local_private_or_odd_address_is_refused(url, code):
    with pytest.raises(ValidationError) as refused:
        validate_public_website(url)
    assert refused.value.code == code


@pytest.mark.parametrize(
    "url",
    [
        "",
        "https://alpha-electricite.fr",
        "http://www.alpha-electricite.fr/contact?x=1",
        "https://exämple.fr/",
        "https://93.184.216.34/",
        "https://[2606:4700::1111]/",
        "https://exemple.fr:8443/",
    ],
)
def test_a_public_address_passes(url):
    validate_public_website(url)
