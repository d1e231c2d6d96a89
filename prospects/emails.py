"""E-mails of the pipeline: one function per e-mail, rendered and written
to the outbox (``common.mail``) inside the caller's transaction. Imports
models and ``links`` only."""

from __future__ import annotations

from datetime import datetime

from common.mail import queue_templated
from common.types import User

from . import links
from .digest import Digest
from .models import DigestSubscription, Pipeline, Prospect, ReferralThanks


def send_referral_thanks(thanks_id: int) -> None:
    """Thank a referrer: someone they recommended became a client (whom
    is not said: that is the client's business)."""
    thanks = ReferralThanks.objects.select_related("referrer__company").get(pk=thanks_id)
    referrer = thanks.referrer
    queue_templated(
        "referral_thanks",
        {
            "referrer": referrer,
            "company": referrer.company if referrer.pipeline == Pipeline.COMPANY else None,
            "referral_url": links.referral_url(referrer),
        },
        [referrer.email],
    )


def send_application_link(prospect: Prospect, *, expires: datetime, sender: User | None) -> None:
    """The prospect's pre-filled application link (live: the caller made
    sure), to its contact e-mail, in the site's language; a reply reaches
    the salesperson who sent it."""
    sender_name = sender.get_full_name() or sender.email if sender is not None else ""
    queue_templated(
        "application_link",
        {
            "prospect": prospect,
            "url": links.application_link_url(prospect),
            "expires": expires,
            "sender_name": sender_name,
        },
        [prospect.email],
        reply_to=[sender.email] if sender is not None and sender.email else None,
    )


def send_digest(user: User, digest: Digest, subscription: DigestSubscription) -> None:
    """The 8:00 digest: overdue and today's follow-ups, each with its link,
    the count with no next step, and a one-click opt-out (RFC 8058)."""
    first = (digest.overdue or digest.today)[0]
    opt_out_url = links.digest_opt_out_url(subscription)
    queue_templated(
        "prospect_digest",
        {
            "user": user,
            "digest": digest,
            "overdue": [(prospect, links.prospect_url(prospect)) for prospect in digest.overdue],
            "today": [(prospect, links.prospect_url(prospect)) for prospect in digest.today],
            "follow_ups_url": links.follow_ups_url(first),
            "settings_url": links.digest_settings_url(first),
            "opt_out_url": opt_out_url,
        },
        [user.email],
        headers={
            "List-Unsubscribe": f"<{opt_out_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
