"""The links the platform e-mails (invitations, confirmations, private
review links) all carry the same thing: a row's id and its random nonce,
signed with a salt of their own. Changing the nonce revokes the link;
a max age makes it expire."""

from __future__ import annotations

from datetime import timedelta

from django.core import signing


def make_token(salt: str, pk: int, nonce: str) -> str:
    return signing.dumps({"i": pk, "n": nonce}, salt=salt)


def read_token(token: str, salt: str, max_age: timedelta | None = None) -> tuple[object, object]:
    """(id, nonce) of a valid token. Raises signing.SignatureExpired or
    signing.BadSignature; the caller still checks the row exists with
    that nonce."""
    data = signing.loads(token, salt=salt, max_age=max_age)
    if not isinstance(data, dict):
        raise signing.BadSignature("unexpected payload")
    return data.get("i"), data.get("n")
