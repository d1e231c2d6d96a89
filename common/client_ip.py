"""The visitor's address, behind as many proxies as the deployment trusts.

Rate limits (django-ratelimit, django-allauth) and the addresses kept
with reviews key on the client's IP. Behind a TLS proxy ``REMOTE_ADDR``
is the proxy's, the same for every visitor, so every per-IP limit became
one site-wide bucket (issue 10, §5).

Each proxy appends the address it received the request from to
``X-Forwarded-For``; anything to the left of what our own proxies wrote
was sent by the client and can be forged. With ``TRUSTED_PROXY_COUNT``
= *n* (settings; 0 when the application is reached directly), the
client is the *n*-th address from the right: the one our outermost proxy
saw. With *n* = 0 the header is ignored, whatever it says.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address as text (``"203.0.113.7"``, ``"2001:db8::1"``).

    ``X-Forwarded-For`` is read only when ``settings.TRUSTED_PROXY_COUNT``
    is positive; a header with fewer entries than that (a request that
    did not come through every proxy, such as an internal health probe)
    or whose entry is not an IP address falls back to ``REMOTE_ADDR``.
    ``""`` when there is no address at all (a Unix socket without a
    proxy)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count <= 0 or not header:
        return remote
    hops = [hop.strip() for hop in header.split(",")]
    if len(hops) < count:
        return remote
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
