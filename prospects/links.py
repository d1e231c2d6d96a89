"""Signed links and absolute URLs of the pipeline's e-mails. The bottom
layer of the app's imports (tasks → services → emails → links): models
only. Reading a token back is ``common.signed_links.row_from_token`` with
the salt below, in the service that acts on the row."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from common.mail import site_url
from common.referral import REFERRAL_PARAMETER
from common.signed_links import make_token

from .models import DigestSubscription, Pipeline, Prospect, Referrer

DIGEST_OPT_OUT_SALT = "prospects.digest-opt-out"
# The pre-filled application link of a sales prospect
# (``prospects.application_links`` reads it back).
APPLICATION_LINK_SALT = "prospects.application-link"
# An opt-out link works this long after its e-mail; later, the setting
# in the prospects' pages does the same once logged in.
DIGEST_OPT_OUT_MAX_AGE = timedelta(days=60)


def digest_opt_out_token(subscription: DigestSubscription) -> str:
    return make_token(DIGEST_OPT_OUT_SALT, subscription.pk, subscription.nonce)


def digest_opt_out_url(subscription: DigestSubscription) -> str:
    return site_url("prospects:digest-opt-out", digest_opt_out_token(subscription))


def application_link_token(prospect: Prospect) -> str:
    """The token of the prospect's live application link: its id and
    nonce only."""
    return make_token(APPLICATION_LINK_SALT, prospect.pk, prospect.application_link_nonce)


def application_link_url(prospect: Prospect) -> str:
    """The prospect's live application link, absolute (for its e-mail)."""
    return site_url("prospects:application-link", application_link_token(prospect))


def prospect_url(prospect: Prospect) -> str:
    """The prospect's page, in its pipeline's space."""
    if prospect.pipeline == Pipeline.PLATFORM:
        return site_url("prospects:staff-prospects-detail", prospect.pk)
    return site_url("prospects:pro-prospects-detail", prospect.company_id, prospect.pk)


def digest_settings_url(prospect: Prospect) -> str:
    """Where the digest is turned on or off, in the pipeline of ``prospect``."""
    if prospect.pipeline == Pipeline.PLATFORM:
        return site_url("prospects:staff-prospects-digest")
    return site_url("prospects:pro-prospects-digest", prospect.company_id)


def follow_ups_url(prospect: Prospect) -> str:
    if prospect.pipeline == Pipeline.PLATFORM:
        return site_url("prospects:staff-prospects-follow-ups")
    return site_url("prospects:pro-prospects-follow-ups", prospect.company_id)


def referral_url(referrer: Referrer) -> str:
    """The referrer's personal link: a company's quote form, or the
    platform's "join" page, with ``?parrain=<code>``."""
    if referrer.pipeline == Pipeline.PLATFORM or referrer.company is None:
        path = site_url("eligibility:apply")
    else:
        path = site_url("directory:quote-request", referrer.company.slug)
    return f"{path}?{REFERRAL_PARAMETER}={referrer.code}"


def site_name() -> str:
    return str(settings.SITE_NAME)
