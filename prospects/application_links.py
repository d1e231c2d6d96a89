"""Pre-filled application links for the platform's sales prospects
(issue 15: "a hot prospect gets a pre-filled application link").

A salesperson makes the link on a prospect's page. It is a signed link
(``common.signed_links``, salt of its own) naming the prospect and its
``application_link_nonce``: a new link or a revocation changes the nonce
and ends the previous one; it expires ``PROSPECT_APPLICATION_LINK_DAYS``
after it was made (counted from ``application_link_created_at``, so the
page may show the same live link again). Any open stage may get one: a
prospect who asks to apply at the first call should not wait for a move.

Whoever opens it lands on /rejoindre/ with the prospect's company name,
SIREN, town, phone and trade offered as answers
(``eligibility.invitations``; kept in the visitor's session, never in a
URL). The first step of the application saved ties it to the prospect
(:func:`application_link_accept`, from eligibility's
``application_started``) and uses the link up: a forwarded or re-opened
link then shows nothing. From then on the application's moves move the
prospect (``services.prospect_from_application``).

The link may also be e-mailed to the prospect's contact address from its
page (:func:`application_link_send`: the live link, or a new one when
none is live or it ends within ``RESEND_NEW_LINK_WITHIN``), through the
outbox (``common.mail``: written with the change, sent by a worker, a
broker outage only delays it), noted in the timeline as an e-mail. The
first opening of each link is noted too (:func:`application_link_opened`,
"système"): the nightly score reads it as a sign of interest
(``scoring``, signal ``link``).

An opening counts only when a person opens the link. E-mail security
scanners fetch every link of a message, often seconds after it is sent
(a GET or a HEAD, without cookies, sometimes in a headless browser): the
link's page (GET) names nothing of the prospect and changes nothing; its
button, a form POSTed from that page with its CSRF token (so with the
cookie the page set: no JavaScript needed), is the opening, unless the
visitor is one of our staff or announces itself as a robot
(:func:`looks_automated`). No delay after sending is required: a
prospect on the phone with a salesperson opens it at once.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.signed_links import LinkError, LinkExpired, row_from_token
from common.types import User
from eligibility.invitations import Invitation

from . import emails, links
from .models import (
    OPEN_STAGES,
    Interaction,
    Origin,
    Pipeline,
    Prospect,
)

SALT = links.APPLICATION_LINK_SALT
# An e-mail sends the live link when it works at least this much longer;
# else a new one (an e-mail saying "until tomorrow" helps nobody).
RESEND_NEW_LINK_WITHIN = timedelta(days=2)


def link_lifetime() -> timedelta:
    return timedelta(days=settings.PROSPECT_APPLICATION_LINK_DAYS)


def can_have_link(prospect: Prospect) -> bool:
    """A platform prospect, open, not anonymised."""
    return (
        prospect.pipeline == Pipeline.PLATFORM
        and prospect.stage in OPEN_STAGES
        and prospect.anonymised_at is None
    )


def link_expires_at(prospect: Prospect) -> datetime | None:
    """When the prospect's live link stops working; ``None`` without one."""
    if not prospect.application_link_nonce or prospect.application_link_created_at is None:
        return None
    return prospect.application_link_created_at + link_lifetime()


def link_is_live(prospect: Prospect) -> bool:
    expires = link_expires_at(prospect)
    return expires is not None and expires > timezone.now() and can_have_link(prospect)


def application_link_path(prospect: Prospect) -> str:
    """The path of the prospect's live link (call :func:`link_is_live`
    first). The token carries the prospect's id and nonce only."""
    return reverse("prospects:application-link", args=[links.application_link_token(prospect)])


@transaction.atomic
def application_link_create(*, prospect: Prospect, actor: User | None) -> Prospect:
    """A new link for ``prospect`` (any earlier one stops working).
    Raises ``ValueError`` for a prospect that cannot have one
    (:func:`can_have_link`: the views offer it only then)."""
    prospect = Prospect.objects.select_for_update().get(pk=prospect.pk)
    if not can_have_link(prospect):
        raise ValueError("only an open platform prospect gets an application link")
    prospect.application_link_nonce = secrets.token_urlsafe(16)
    prospect.application_link_created_at = timezone.now()
    prospect.application_link_opened_at = None
    prospect.save(
        update_fields=[
            "application_link_nonce",
            "application_link_created_at",
            "application_link_opened_at",
            "updated_at",
        ]
    )
    return prospect


@transaction.atomic
def application_link_revoke(*, prospect: Prospect) -> None:
    """End the prospect's link, if any."""
    Prospect.objects.filter(pk=prospect.pk).exclude(application_link_nonce="").update(
        application_link_nonce="", application_link_created_at=None, updated_at=timezone.now()
    )


def _linked(queryset: QuerySet[Prospect], token: str) -> Prospect:
    """The prospect a link names, live. Raises ``LinkError`` (its message
    is for the visitor, and names nothing of the prospect)."""
    prospect = row_from_token(
        queryset.filter(pipeline=Pipeline.PLATFORM, anonymised_at__isnull=True)
        .filter(stage__in=OPEN_STAGES)
        .exclude(application_link_nonce=""),
        token,
        salt=SALT,
        invalid=_("This link is not valid. Check that it was copied whole."),
        expired=_("This link has expired. Ask our team for a new one."),
        revoked=_(
            "This link no longer works: it was already used, or replaced by a newer one. "
            "Ask our team for a new one, or apply without it."
        ),
        max_age=link_lifetime(),
        nonce_field="application_link_nonce",
    )
    expires = link_expires_at(prospect)
    if expires is None or expires <= timezone.now():
        raise LinkExpired(_("This link has expired. Ask our team for a new one."))
    return prospect


def prospect_from_link(token: str) -> Prospect:
    """The prospect of a live link. Raises ``LinkError``."""
    return _linked(Prospect.objects.all(), token)


def link_invitation(prospect: Prospect, token: str) -> Invitation:
    """What the link offers the applicant: what the pipeline knows."""
    return Invitation(
        token=token,
        legal_name=prospect.organisation or prospect.name,
        siren=prospect.siren,
        postal_code=prospect.postal_code,
        city=prospect.town,
        phone=prospect.phone,
        profession_ids=(prospect.profession_id,) if prospect.profession_id else (),
    )


@transaction.atomic
def application_link_accept(*, token: str, application_id: int) -> Prospect | None:
    """An application was started from a link: tie it to the link's
    prospect, use the link up (its nonce is cleared) and note it in the
    prospect's timeline ("système"). A link no longer live ties nothing
    (``None``): the application then finds its prospect as any other
    does (SIREN, e-mail, phone)."""
    try:
        prospect = _linked(Prospect.objects.select_for_update(), token)
    except LinkError:
        return None
    now = timezone.now()
    prospect.application_id = application_id
    prospect.application_link_nonce = ""
    prospect.application_link_created_at = None
    prospect.last_interaction_at = max(filter(None, [prospect.last_interaction_at, now]))
    prospect.save(
        update_fields=[
            "application",
            "application_link_nonce",
            "application_link_created_at",
            "last_interaction_at",
            "updated_at",
        ]
    )
    Interaction.objects.create(
        prospect=prospect,
        kind=Interaction.Kind.NOTE,
        author=None,
        origin=Origin.APPLICATION_LINK,
        origin_ref=str(application_id),
        happened_at=now,
    )
    return prospect


def resend_wait() -> timedelta:
    return timedelta(seconds=settings.PROSPECT_APPLICATION_LINK_RESEND_SECONDS)


def send_refusal(prospect: Prospect) -> str:
    """Why the application link cannot be e-mailed to ``prospect`` now
    ("" when it can): the rules of :func:`can_have_link`, and a contact
    e-mail address."""
    if prospect.anonymised_at is not None:
        return _("This prospect was anonymised: it can no longer change.")
    if prospect.pipeline != Pipeline.PLATFORM:
        return _("Only a prospect of the platform's pipeline gets an application link.")
    if prospect.stage not in OPEN_STAGES:
        return _("Only an open prospect can get an application link.")
    if not prospect.email:
        return _("This prospect has no e-mail address: add one to its details first.")
    return ""


@transaction.atomic
def application_link_send(*, prospect: Prospect, actor: User | None) -> Prospect:
    """E-mail the prospect its pre-filled application link (the live one,
    or a new one: see the module) and note it in its timeline (an e-mail
    by ``actor``; ``None``: the system). The message goes through the
    outbox with the rest of this transaction.

    Raises ``ValidationError`` (its message is for the salesperson) and
    sends nothing when :func:`send_refusal` says why, or when the link was
    sent less than ``PROSPECT_APPLICATION_LINK_RESEND_SECONDS`` ago: the
    send is claimed by a conditional UPDATE, so of two concurrent or
    double-submitted sends one only goes out."""
    prospect = Prospect.objects.select_for_update().get(pk=prospect.pk)
    refusal = send_refusal(prospect)
    if refusal:
        raise ValidationError(refusal, code="not_sendable")
    now = timezone.now()
    claimed = (
        Prospect.objects.filter(pk=prospect.pk)
        .filter(
            Q(application_link_sent_at__isnull=True)
            | Q(application_link_sent_at__lte=now - resend_wait())
        )
        .update(application_link_sent_at=now)
    )
    if not claimed:
        raise ValidationError(
            _(
                "The application link was e-mailed to this prospect a moment ago: "
                "it was not sent again."
            ),
            code="sent_just_now",
        )
    expires = link_expires_at(prospect)
    if not link_is_live(prospect) or expires is None or expires - now < RESEND_NEW_LINK_WITHIN:
        prospect = application_link_create(prospect=prospect, actor=actor)
        expires = (prospect.application_link_created_at or now) + link_lifetime()
    emails.send_application_link(prospect, expires=expires, sender=actor)
    _note(prospect, kind=Interaction.Kind.EMAIL, author=actor, origin=Origin.LINK_SENT, at=now)
    return prospect


# User agents that say they are not a person: robots and previewers by
# their own words, the e-mail security gateways that name themselves,
# HTTP libraries, and headless browsers (a person never browses in one;
# link-detonating sandboxes do). Many scanners pass for a browser: the
# POST from the link's page is what keeps them out, this only adds to it.
AUTOMATED_AGENT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|preview|scanner|headless|phantomjs|"
    r"proofpoint|mimecast|barracuda|urldefense|safelinks|forcepoint|sophos|"
    r"symantec|trend ?micro|zscaler|python|curl/|wget/|go-http|java/|okhttp|"
    r"libwww|httpclient|axios/|node-fetch",
    re.IGNORECASE,
)


def looks_automated(user_agent: str) -> bool:
    """``user_agent`` is missing (every browser sends one) or says it is
    not a person (:data:`AUTOMATED_AGENT`)."""
    return not user_agent.strip() or AUTOMATED_AGENT.search(user_agent) is not None


def application_link_opened(*, prospect: Prospect) -> bool:
    """The live link of ``prospect`` was opened: note its first opening
    (once per link, claimed by a conditional UPDATE) in the timeline,
    "système". True when this call noted it."""
    now = timezone.now()
    with transaction.atomic():
        claimed = (
            Prospect.objects.filter(
                pk=prospect.pk,
                application_link_nonce=prospect.application_link_nonce,
                application_link_opened_at__isnull=True,
            )
            .exclude(application_link_nonce="")
            .update(application_link_opened_at=now)
        )
        if claimed:
            _note(
                prospect,
                kind=Interaction.Kind.NOTE,
                author=None,
                origin=Origin.LINK_OPENED,
                at=now,
            )
    return bool(claimed)


def _note(
    prospect: Prospect, *, kind: str, author: User | None, origin: Origin, at: datetime
) -> None:
    """A system interaction on ``prospect`` at ``at``, saying what it
    records by its ``origin``; its last interaction moves forward, its next
    follow-up stays."""
    Interaction.objects.create(
        prospect=prospect, kind=kind, author=author, origin=origin, happened_at=at
    )
    Prospect.objects.filter(pk=prospect.pk).filter(
        Q(last_interaction_at__isnull=True) | Q(last_interaction_at__lt=at)
    ).update(last_interaction_at=at)
