"""One key per client and company, with no readable personal data.

The loyalty score counts *new clients* and whether they came back
(issue 13), so the sessions of one person with one company must share a
key, whatever the spelling of their address, while a session row carries
nothing that names them. The key is an HMAC-SHA256 (RFC 2104) of the
company's id and the client's identity, keyed with ``LOYALTY_CLIENT_KEY``:

1. the canonical e-mail (``common.email_addresses.canonical_email``:
   ``Jean.Dupont@Gmail.com`` and ``jeandupont@gmail.com`` are one client);
2. else the phone number in E.164 (``common.formats.parse_phone``);
3. else the normalised name (``common.text.normalize``).

The company's id is part of the message: the same person has unrelated
keys at two companies, so keys cannot be joined across companies. Without
the secret, a key cannot be tested against a guessed address.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ValidationError

from common.email_addresses import canonical_email
from common.formats import parse_phone
from common.text import normalize

# 64 hexadecimal characters: SHA-256.
CLIENT_KEY_LENGTH = 64


class NoClientIdentity(ValueError):
    """Neither an e-mail, a phone number nor a name to tell the client by."""


def client_identity(*, email: str = "", phone: str = "", name: str = "") -> str:
    """The text the key is made from: ``"e:<canonical e-mail>"``, else
    ``"p:<E.164 phone>"``, else ``"n:<normalised name>"``. Raises
    :class:`NoClientIdentity` when all three are empty (a phone that does
    not parse counts as empty)."""
    if email.strip():
        return f"e:{canonical_email(email)}"
    if phone.strip():
        try:
            return f"p:{parse_phone(phone)}"
        except ValidationError:
            pass  # not a number: the name decides
    folded = normalize(name)
    if folded:
        return f"n:{folded}"
    raise NoClientIdentity("no e-mail, phone or name")


def client_key(*, company_id: int, email: str = "", phone: str = "", name: str = "") -> str:
    """The client's key at ``company_id``: 64 hexadecimal characters,
    HMAC-SHA256 keyed with ``settings.LOYALTY_CLIENT_KEY`` of
    ``"<company_id>|<client_identity>"``. Raises :class:`NoClientIdentity`."""
    identity = client_identity(email=email, phone=phone, name=name)
    message = f"{company_id}|{identity}".encode()
    return hmac.new(settings.LOYALTY_CLIENT_KEY.encode(), message, hashlib.sha256).hexdigest()
