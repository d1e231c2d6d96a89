"""Who may open what: every view of the pro space and of the account, for
every kind of person, systematically.

Personas: anonymous, a consumer, a member (not owner) of company A, an
owner of A, an owner of company B, and a vetting staff member. A pro
only ever touches its own company: another company's URL is a 404, as
for an id that does not exist.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from directory.models import Certification, CompanyPhoto, Invitation
from directory.team.links import invitation_token
from eligibility.services import evidence_add
from partners.models import Partner
from partners.services import connection_create
from prospects.models import Pipeline, ProspectImport
from prospects.services import prospect_create, referrer_create
from tests.conftest import PASSWORD
from tests.factories import QuoteRequestFactory, pdf_upload

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "consumer", "member_a", "owner_a", "owner_b", "staff"]
LOGIN = "login"  # a redirect to the log-in page


@pytest.fixture
def objects(cast):
    """One of each private object of company A, and a request of the consumer."""
    quote = QuoteRequestFactory(company=cast.company_a, requester=cast.consumer)
    photo = CompanyPhoto.objects.create(company=cast.company_a, image="companies/a/p.jpg")
    proof = SimpleUploadedFile("rge.pdf", b"%PDF-1.4 proof", "application/pdf")
    certification = Certification(company=cast.company_a, kind="rge")
    certification.proof.save("rge.pdf", proof, save=True)
    member = cast.company_a.memberships.get(user=cast.member_a)
    invitation = Invitation.objects.create(company=cast.company_a, email="guest@example.fr")
    partner = Partner.objects.create(
        name="Facturo", kind="invoicing_software", contact_email="api@facturo.example"
    )
    connection = connection_create(
        partner=partner, company_id=cast.company_a.pk, connected_by=cast.owner_a
    )
    prospect = prospect_create(
        pipeline=Pipeline.COMPANY, company=cast.company_a, name="Jean Dupont", actor=cast.owner_a
    )
    twin = prospect_create(
        pipeline=Pipeline.COMPANY,
        company=cast.company_a,
        name="Jean Dupont",
        actor=cast.owner_a,
        force=True,
    )
    platform_prospect = prospect_create(
        pipeline=Pipeline.PLATFORM,
        company=None,
        name="Cuisines du Rhône",
        email="contact@cuisines-rhone.fr",
        stage="hot",
        actor=None,
    )
    referrer = referrer_create(pipeline=Pipeline.COMPANY, company=cast.company_a, name="Claire")
    prospect_import = ProspectImport.objects.create(
        pipeline=Pipeline.COMPANY,
        company=cast.company_a,
        created_by=cast.owner_a,
        status=ProspectImport.Status.DONE,
    )
    evidence = evidence_add(
        check_code="rc_pro",
        upload=pdf_upload(),
        actor=cast.owner_a,
        company=cast.company_a,
        expires_on=timezone.localdate() + timedelta(days=90),
    )
    return {
        "evidence": evidence,
        "platform_prospect": platform_prospect,
        "prospect_import": prospect_import,
        "referrer": referrer,
        "prospect": prospect,
        "twin": twin,
        "connection": connection,
        "quote": quote,
        "photo": photo,
        "certification": certification,
        "member": member,
        "invitation": invitation,
    }


def _login(client, cast, persona: str) -> None:
    if persona != "anonymous":
        assert client.login(username=getattr(cast, persona).username, password=PASSWORD)


# (name, URL builder, method, expected status per persona, in PERSONAS order)
MEMBERS_OF_A = [LOGIN, 404, 200, 200, 404, 404]
OWNERS_OF_A = [LOGIN, 404, 403, 302, 404, 404]


def _prospects(name: str, *keys: str):
    """A URL of company A's pipeline (prospects.urls), with ids of ``objects``."""

    def build(c, o):
        ids = [o[key].pk for key in keys]
        return reverse(f"prospects:pro-prospects-{name}", args=[c.company_a.pk, *ids])

    return build


# The pipeline's screens: every member works it. A POST with the matrix's
# data is an invalid form for them (200, nothing changed).
PROSPECT_MATRIX = [
    ("prospect board", _prospects("board"), "get", MEMBERS_OF_A),
    ("prospects to follow up", _prospects("follow-ups"), "get", MEMBERS_OF_A),
    ("new prospect", _prospects("create"), "get", MEMBERS_OF_A),
    ("new prospect (post)", _prospects("create"), "post", MEMBERS_OF_A),
    (
        "prospects of a stage",
        lambda c, o: reverse("prospects:pro-prospects-stage", args=[c.company_a.pk, "warm"]),
        "get",
        MEMBERS_OF_A,
    ),
    ("prospect", _prospects("detail", "prospect"), "get", MEMBERS_OF_A),
    ("prospect edit", _prospects("edit", "prospect"), "post", MEMBERS_OF_A),
    ("prospect move", _prospects("move", "prospect"), "post", MEMBERS_OF_A),
    ("prospect interaction", _prospects("interaction", "prospect"), "post", MEMBERS_OF_A),
    ("prospect merge", _prospects("merge", "prospect", "twin"), "post", MEMBERS_OF_A),
    ("prospect personal data", _prospects("personal-data", "prospect"), "get", MEMBERS_OF_A),
    ("prospect erase", _prospects("erase", "prospect"), "get", MEMBERS_OF_A),
    ("prospect erase (post)", _prospects("erase", "prospect"), "post", MEMBERS_OF_A),
    ("referrers", _prospects("referrers"), "get", MEMBERS_OF_A),
    ("new referrer", _prospects("referrer-create"), "get", MEMBERS_OF_A),
    ("new referrer (post)", _prospects("referrer-create"), "post", MEMBERS_OF_A),
    ("referrer", _prospects("referrer", "referrer"), "get", MEMBERS_OF_A),
    ("referrer edit", _prospects("referrer-edit", "referrer"), "post", MEMBERS_OF_A),
    ("daily digest setting", _prospects("digest"), "get", MEMBERS_OF_A),
    ("prospect import", _prospects("import"), "get", MEMBERS_OF_A),
    ("prospect import (post)", _prospects("import"), "post", MEMBERS_OF_A),
    ("prospect import job", _prospects("import-job", "prospect_import"), "get", MEMBERS_OF_A),
    ("prospect import template (CSV)", _prospects("import-template-csv"), "get", MEMBERS_OF_A),
    ("prospect import template (Excel)", _prospects("import-template-xlsx"), "get", MEMBERS_OF_A),
    (
        "referrer of A through B's URL",
        lambda c, o: reverse(
            "prospects:pro-prospects-referrer", args=[c.company_b.pk, o["referrer"].pk]
        ),
        "get",
        [LOGIN, 404, 404, 404, 404, 404],
    ),
    # The platform's sales pipeline (staff group ``sales``, none of these
    # personas): e-mailing a prospect its application link.
    (
        "make the application link (sales staff only)",
        lambda c, o: reverse(
            "prospects:staff-prospects-application-link", args=[o["platform_prospect"].pk]
        ),
        "post",
        [LOGIN, 403, 403, 403, 403, 403],
    ),
    (
        "e-mail the application link (sales staff only)",
        lambda c, o: reverse(
            "prospects:staff-prospects-application-link-email", args=[o["platform_prospect"].pk]
        ),
        "post",
        [LOGIN, 403, 403, 403, 403, 403],
    ),
    (
        "prospect of A through B's URL",
        lambda c, o: reverse(
            "prospects:pro-prospects-detail", args=[c.company_b.pk, o["prospect"].pk]
        ),
        "get",
        [LOGIN, 404, 404, 404, 404, 404],
    ),
]
MATRIX = [
    *PROSPECT_MATRIX,
    (
        "connected applications",
        lambda c, o: reverse("directory:pro-connections", args=[c.company_a.pk]),
        "get",
        MEMBERS_OF_A,
    ),
    (
        "connect an application (code)",
        lambda c, o: reverse("directory:pro-connections", args=[c.company_a.pk]),
        "post",
        [LOGIN, 404, 403, 400, 404, 404],  # owners: the form refuses a wrong code
    ),
    (
        "disconnect an application",
        lambda c, o: reverse(
            "directory:pro-connection-disconnect", args=[c.company_a.pk, o["connection"].pk]
        ),
        "post",
        OWNERS_OF_A,
    ),
    (
        "pro home",
        lambda c, o: reverse("directory:pro-home"),
        "get",
        [LOGIN, 200, 302, 302, 302, 200],
    ),
    (
        "dashboard",
        lambda c, o: reverse("directory:pro-dashboard", args=[c.company_a.pk]),
        "get",
        MEMBERS_OF_A,
    ),
    (
        "profile",
        lambda c, o: reverse("directory:pro-profile", args=[c.company_a.pk]),
        "get",
        MEMBERS_OF_A,
    ),
    (
        "photos",
        lambda c, o: reverse("directory:pro-photos", args=[c.company_a.pk]),
        "get",
        MEMBERS_OF_A,
    ),
    (
        "certifications",
        lambda c, o: reverse("directory:pro-certifications", args=[c.company_a.pk]),
        "get",
        MEMBERS_OF_A,
    ),
    (
        "vetting checks",
        lambda c, o: reverse("eligibility:pro-checks", args=[c.company_a.pk]),
        "get",
        MEMBERS_OF_A,
    ),
    (
        "vetting checks (post)",
        lambda c, o: reverse("eligibility:pro-checks", args=[c.company_a.pk]),
        "post",
        [LOGIN, 404, 400, 400, 404, 404],
    ),
    (
        # Never public: anybody else gets the 404 a missing document gets.
        "vetting evidence",
        lambda c, o: reverse("eligibility:evidence-file", args=[o["evidence"].pk]),
        "get",
        [404, 404, 200, 200, 404, 200],
    ),
    (
        "team",
        lambda c, o: reverse("directory:pro-team", args=[c.company_a.pk]),
        "get",
        MEMBERS_OF_A,
    ),
    (
        "inbox",
        lambda c, o: reverse("directory:pro-quotes", args=[c.company_a.pk]),
        "get",
        MEMBERS_OF_A,
    ),
    (
        "quote",
        lambda c, o: reverse("directory:pro-quote", args=[c.company_a.pk, o["quote"].pk]),
        "get",
        MEMBERS_OF_A,
    ),
    (
        "quote of A through B's URL",
        lambda c, o: reverse("directory:pro-quote", args=[c.company_b.pk, o["quote"].pk]),
        "get",
        [LOGIN, 404, 404, 404, 404, 404],
    ),
    (
        "proof document",
        lambda c, o: reverse(
            "directory:pro-certification-proof", args=[c.company_a.pk, o["certification"].pk]
        ),
        "get",
        [LOGIN, 404, 200, 200, 404, 200],
    ),
    (
        "photo move",
        lambda c, o: reverse(
            "directory:pro-photo-action", args=[c.company_a.pk, o["photo"].pk, "up"]
        ),
        "post",
        [LOGIN, 404, 302, 302, 404, 404],
    ),
    (
        "certification delete",
        lambda c, o: reverse(
            "directory:pro-certification-delete", args=[c.company_a.pk, o["certification"].pk]
        ),
        "post",
        [LOGIN, 404, 302, 302, 404, 404],
    ),
    (
        "quote status",
        lambda c, o: reverse("directory:pro-quote-status", args=[c.company_a.pk, o["quote"].pk]),
        "post",
        [LOGIN, 404, 302, 302, 404, 404],
    ),
    (
        "invite",
        lambda c, o: reverse("directory:pro-team", args=[c.company_a.pk]),
        "post",
        OWNERS_OF_A,
    ),
    (
        "remove member",
        lambda c, o: reverse("directory:pro-member-remove", args=[c.company_a.pk, o["member"].pk]),
        "post",
        OWNERS_OF_A,
    ),
    (
        "withdraw invitation",
        lambda c, o: reverse(
            "directory:pro-invitation-revoke", args=[c.company_a.pk, o["invitation"].pk]
        ),
        "post",
        OWNERS_OF_A,
    ),
    ("account", lambda c, o: reverse("directory:account"), "get", [LOGIN, 200, 200, 200, 200, 200]),
    (
        "quote form",
        lambda c, o: reverse("directory:quote-request", args=[c.company_a.slug]),
        "get",
        [200, 200, 200, 200, 200, 200],
    ),
    (
        "quote sent, not by this visitor",
        lambda c, o: reverse("directory:quote-sent", args=[c.company_a.slug]),
        "get",
        [302, 302, 302, 302, 302, 302],
    ),
    (
        "forged quote confirmation",
        lambda c, o: reverse("directory:quote-confirm", args=["forged"]),
        "post",
        [400, 400, 400, 400, 400, 400],
    ),
    (
        "invitation link",
        lambda c, o: reverse("directory:invitation", args=[invitation_token(o["invitation"])]),
        "get",
        [200, 200, 200, 200, 200, 200],
    ),
    (
        "account export",
        lambda c, o: reverse("directory:account-export"),
        "get",
        [LOGIN, 200, 200, 200, 200, 200],
    ),
    (
        "account delete",
        lambda c, o: reverse("directory:account-delete"),
        "get",
        [LOGIN, 200, 200, 200, 200, 200],
    ),
    (
        "my quote request",
        lambda c, o: reverse("directory:account-quote", args=[o["quote"].pk]),
        "get",
        [LOGIN, 200, 404, 404, 404, 404],
    ),
    # The prospect analytics (issue 15): members read, owners set the
    # margin rate and the costs (this request's fields are not theirs: 400).
    (
        "prospect analytics",
        lambda c, o: reverse("prospects:analytics", args=[c.company_a.pk]),
        "get",
        MEMBERS_OF_A,
    ),
    (
        "margin rate",
        lambda c, o: reverse("prospects:analytics-margin", args=[c.company_a.pk]),
        "post",
        [LOGIN, 404, 403, 400, 404, 404],
    ),
    (
        "client cost",
        lambda c, o: reverse("prospects:analytics-cost", args=[c.company_a.pk]),
        "post",
        [LOGIN, 404, 403, 400, 404, 404],
    ),
    # The night's work (issue 16): support staff only (group ``support``,
    # none of these personas; tests/common/test_nightly_page.py reads it).
    (
        "the night's work (support staff only)",
        lambda c, o: reverse("common:nightly-runs"),
        "get",
        [LOGIN, 403, 403, 403, 403, 403],
    ),
]
CASES = [
    pytest.param(name, build, method, persona, expected[i], id=f"{name}-{persona}")
    for name, build, method, expected in MATRIX
    for i, persona in enumerate(PERSONAS)
]


@pytest.mark.parametrize(("name", "build", "method", "persona", "expected"), CASES)
def test_permission_matrix(client, cast, objects, name, build, method, persona, expected):
    _login(client, cast, persona)
    url = build(cast, objects)
    data = {"email": "new@example.fr", "role": "member", "status": "closed"}
    response = getattr(client, method)(url, data) if method == "post" else client.get(url)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected


def test_every_view_of_this_feature_is_in_the_matrix(cast, objects):
    """A new view of the pro space, the account or quote requests must join
    the matrix above."""
    from django.urls import resolve

    from common.urls import urlpatterns as common_urlpatterns
    from directory.urls import urlpatterns
    from eligibility.urls import urlpatterns as eligibility_urlpatterns
    from prospects.analytics.urls import urlpatterns as analytics
    from prospects.urls import urlpatterns as prospect_urlpatterns

    private = {
        p.name
        for p in [
            *urlpatterns,
            *prospect_urlpatterns,
            *analytics,
            *common_urlpatterns,
            *eligibility_urlpatterns,
        ]
        if str(p.pattern).startswith(
            ("espace-pro/", "mon-compte/", "invitation/", "devis/", "pieces/")
        )
        # The night's work: every view of common is a staff one.
        or p in common_urlpatterns
        or "/devis/" in str(p.pattern)
        # The sales pipeline's actions that reach a prospect (its link, an e-mail).
        or str(p.pattern).startswith("equipe/prospects/<int:prospect_id>/lien-candidature/")
    }
    covered = {resolve(build(cast, objects)).url_name for _name, build, _m, _e in MATRIX}
    assert private == covered
