"""One canonical form of an e-mail address, for identity checks, and the
check of an address a person types (:func:`validate_email_address`).

People write one mailbox many ways: ``Jean.Dupont@GoogleMail.com``,
``jeandupont@gmail.com`` and ``jean.dupont+avis@gmail.com`` all reach the
same person. Checks that ask "is this the same person?" — a company's
staff reviewing it, a duplicate request, later the returning clients of
the loyalty score — compare :func:`canonical_email` forms. The address a
person typed is still the one stored for sending: the canonical form is a
key, not an address to write to.

Use it where a false "same person" is safe (a review refused, a duplicate
refused), never to grant access: an invitation to join a company is
accepted only from the very address it was sent to.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

from .control_characters import ANY_CONTROL_CHARACTER

# Google: "Gmail doesn't recognize dots as characters within usernames"
# (support.google.com/mail/answer/7436150), and googlemail.com, Gmail's
# name in Germany and the UK until 2012, delivers to the same mailboxes
# (support.google.com/mail/answer/10313).
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
GMAIL_DOMAIN = "gmail.com"
# Sub-addressing, RFC 5233: "local+detail" reaches "local". Gmail,
# Outlook, iCloud, Proton, Fastmail, Orange and most servers deliver it;
# it is removed for every domain, since a detail names no other person.
SUBADDRESS_SEPARATOR = "+"
# A fully qualified domain may end with a dot: "gmail.com." is "gmail.com".
_DOMAIN_END = re.compile(r"[.\s]+$")


def canonical_email(address: str) -> str:
    """The form of ``address`` under which one person's mailbox has one key.

    Rules, in order:

    1. surrounding white space (including no-break spaces) is removed,
       the text is put in Unicode NFC (RFC 6532 §3.1) and lower case (no
       provider tells mailboxes apart by case, although RFC 5321 allows it);
    2. the last ``@`` separates the local part from the domain;
    3. a trailing dot of the domain is dropped and an internationalised
       domain is written in ASCII (IDNA, ``exämple.fr`` →
       ``xn--exmple-cua.fr``, the same codec Django's ``EmailValidator`` uses);
    4. ``+detail`` is removed from the local part, for every domain (RFC 5233);
    5. for ``gmail.com`` and ``googlemail.com`` the dots of the local part
       are removed and the domain is ``gmail.com``.

    Never raises: text that is not an address (no ``@``, an empty side, a
    domain IDNA refuses) gets the best-effort form of the rules that apply,
    so it can only be equal to itself. Validating an address is the job of
    the form that takes it. Idempotent: ``canonical_email`` of a canonical
    form is itself.
    """
    text = unicodedata.normalize("NFC", address.strip()).lower()
    local, at, domain = text.rpartition("@")
    if not at:
        return text
    local, domain = local.strip(), _ascii_domain(domain)
    base = local.split(SUBADDRESS_SEPARATOR, 1)[0].strip()
    if base:
        local = base
    if domain in GMAIL_DOMAINS:
        local, domain = local.replace(".", "").strip() or local, GMAIL_DOMAIN
    return f"{local}@{domain}"


def email_domain(address: str) -> str:
    """The ASCII domain of an address's canonical form ("" without one)."""
    _local, at, domain = canonical_email(address).rpartition("@")
    return domain if at else ""


def ascii_host(host: str) -> str:
    """A host name as compared with e-mail domains: lower case, ASCII,
    without a trailing dot (``Exämple.FR.`` → ``xn--exmple-cua.fr``)."""
    return _ascii_domain(unicodedata.normalize("NFC", host).lower())


def _ascii_domain(domain: str) -> str:
    """Lower case, NFC, without surrounding space nor trailing dot."""
    domain = _DOMAIN_END.sub("", domain.strip())
    try:
        ascii_form = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return domain  # not a domain IDNA can write; compared as it is
    # IDNA reads "。" and "．" as dots: one may now end the domain.
    return _DOMAIN_END.sub("", ascii_form)


# --- Validation of a typed address ----------------------------------------------

# RFC 5321 §4.5.3.1.3: a path holds at most 256 octets, its angle brackets
# included, so an address has at most 254 characters; Django's
# models.EmailField columns are this long. Django's forms.EmailField
# accepts 320 (its DoS bound), which let longer addresses reach the column:
# truncated by allauth on sign-up, a DataError on PostgreSQL elsewhere.
EMAIL_MAX_LENGTH = 254
# Django's validator lets "localhost" through as a domain; an address that
# a person gives us must be deliverable on the Internet.
_EMAIL_VALIDATOR = EmailValidator(allowlist=[])


def validate_email_address(value: str) -> None:
    """An address a person gives for us to write to, checked with one
    message for the first fault (``ValidationError``):

    * ``email_control_characters``: a NUL or another control character
      (refused, never removed: what remains is another address);
    * ``email_too_long``: more than :data:`EMAIL_MAX_LENGTH` characters;
    * ``email_accents``: a letter outside ASCII before the ``@``
      ("josé@exemple.fr"): most mail servers refuse it, and the generic
      "not valid" message does not tell the writer what to change;
    * ``email_domain``: a domain without a dot ("jean@localhost");
    * ``invalid``: anything else Django's ``EmailValidator`` refuses.
    """
    text = str(value)
    if ANY_CONTROL_CHARACTER.search(text):
        raise ValidationError(
            _("Remove the invisible control characters from the e-mail address."),
            code="email_control_characters",
        )
    if len(text) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            _("An e-mail address has at most %(max)d characters (this one has %(length)d)."),
            code="email_too_long",
            params={"max": EMAIL_MAX_LENGTH, "length": len(text)},
        )
    local, at, domain = text.rpartition("@")
    if at and not local.isascii():
        raise ValidationError(
            _(
                "Accents and other special letters are not accepted before the @ of an "
                "e-mail address: write it as your mailbox gives it (for example "
                "jose@exemple.fr rather than josé@exemple.fr)."
            ),
            code="email_accents",
        )
    if at and local and domain and "." not in domain.strip("."):
        raise ValidationError(
            _("The part after the @ must be a full domain, such as exemple.fr."),
            code="email_domain",
        )
    _EMAIL_VALIDATOR(text)
