"""Every e-mail the product sends, rendered from the service that sends it,
in French and in English, with no empty placeholder.

Each scenario below drives the real services (with their optional fields
left empty where a person may leave them empty) and records what
``common.mail`` was asked to render. Each recorded message is rendered again
in both languages and read line by line. A template under
``templates/emails/`` that no scenario sends fails the last test: a new
e-mail comes with its scenario.

django-allauth's own messages are checked by ``tests/directory/test_account_emails.py``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import timezone, translation

import common.mail
from directory.models import MembershipRole
from directory.quotes import links as quote_links
from directory.quotes import services as quotes
from directory.team import services as team
from eligibility import services as vetting
from reviews import emails as review_emails
from reviews.models import ReviewInvitation, ReviewStatus
from reviews.services import audits, invoices, moderation, requests
from reviews.services.reviews import review_submit
from tests.factories import checks_pass

pytestmark = pytest.mark.django_db

render_templated = common.mail.render_templated  # before the recorder wraps it

LANGUAGES = [code for code, _name in settings.LANGUAGES]
TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates" / "emails"

# What an empty {{ variable }} leaves behind: "c'est  !" (French puts one
# space before ! ? : ;, never two), "sur ." or "à ," (no space ever goes
# before . or ,), "Budget : " (a label with nothing after it), "None",
# empty quotes or guillemets, an empty pair of parentheses.
EMPTY_PLACEHOLDER = re.compile(
    r"\s{2}[!?:;]"
    r"|\s[.,](?:\s|$)"
    r"|:[ \t\u00a0\u202f]+$"
    r"|\bNone\b"
    r"|''|\"\"|«[\s\u00a0\u202f]*»|\(\s*\)"
)


# French puts a (no-break) space before a colon: "Lieu : Lyon", never
# "Lieu: Lyon" (URLs aside).
FRENCH_COLON = re.compile(r"[^\W\d_]:(?=\s|$)")


def problems(subject: str, body: str, language: str = "en") -> list[str]:
    """The lines of a rendered message that show an empty value, or, in
    French, a colon glued to its label."""
    found = [
        f"{line!r}"
        for text in (subject, body)
        for line in text.splitlines()
        if line.strip() and EMPTY_PLACEHOLDER.search(line)
    ]
    if language == "fr":
        found += [
            f"{line!r}: no space before the colon"
            for text in (subject, body)
            for line in text.splitlines()
            if FRENCH_COLON.search(line)
        ]
    # A value alone on its line that renders empty leaves two blank lines.
    if re.search(r"\n[ \t]*\n[ \t]*\n", body.strip()):
        found.append("two blank lines in a row (an empty value on its own line)")
    if not subject.replace(f"[{settings.SITE_NAME}]", "").strip():
        found.append("empty subject")
    return found


@pytest.fixture
def recorded(monkeypatch):
    """The (template, context) pairs ``common.mail`` renders."""
    calls: list[tuple[str, dict]] = []

    def record(template, context, **kwargs):
        calls.append((template, dict(context)))
        return render_templated(template, context, **kwargs)

    monkeypatch.setattr(common.mail, "render_templated", record)
    return calls


REVIEW = {
    "rating": 2,
    "rating_reliability": 2,
    "rating_quality": 3,
    "rating_value": 2,
    "rating_communication": 1,
    "title": "Chantier laissé en plan",
    "text": "Le tableau est posé mais rien n'a été nettoyé. Appelez-moi au 06 12 34 56 78.",
    "author_name": "Sophie Martin",
}


def _invoice(world, number="F-2026-001", **extra):
    fields = {
        "number": number,
        "issued_on": (timezone.localdate() - timedelta(days=10)).isoformat(),
        "amount": "4200.00",
        "client_name": "Mme Sophie Martin",
        "client_email": f"sophie.martin+{number.lower()}@example.org",
        **extra,
    }
    return invoices.invoice_create(
        company=world.cast.company_a, fields=fields, actor=world.cast.owner_a
    )


def _review(world, number, **fields):
    invoice = _invoice(world, number)
    invitation = ReviewInvitation.objects.get(invoice=invoice)
    return review_submit(invitation=invitation, fields={**REVIEW, **fields})


def invoice_invitation_and_reminder(world):
    invoice = _invoice(world)
    invitation = ReviewInvitation.objects.get(invoice=invoice)
    review_emails.send_review_invitation(invitation.pk, reminder=True)


def review_published_receipt_new_link_and_audit(world, settings):
    settings.REVIEW_AUDIT_RATE = 1.0
    review = _review(
        world,
        "F-2026-010",
        rating=5,
        text="Travail soigné, chantier propre, délais tenus. Je recommande sans hésiter.",
    )
    assert review.status == ReviewStatus.PUBLISHED
    review_emails.send_manage_link(review.pk)
    assert audits.audits_open(seed=1) == 1


def session_audit_request(world, settings):
    """A session recorded without an invoice, audited (issue 13)."""
    from loyalty.models import SessionSource
    from loyalty.services import session_record
    from loyalty.services.audits import session_audits_open

    settings.LOYALTY_AUDIT_RATE = 1.0
    session_record(
        company=world.cast.company_a,
        performed_on=timezone.localdate(),
        source=SessionSource.FORM,
        reference="S-GARDE-12",
        name="Famille Martin",
    )
    assert session_audits_open(seed=1) == 1


def review_audit_outcomes_passed_failed_missed(world, settings):
    """The author told of each outcome of a document audit (issue 12)."""
    import time_machine
    from django.core.files.uploadedfile import SimpleUploadedFile

    from reviews.models import Audit, AuditStatus
    from tests.pdfs import minimal_pdf

    settings.REVIEW_AUDIT_RATE = 1.0
    for number in ("F-2026-031", "F-2026-032", "F-2026-033"):
        _review(
            world,
            number,
            rating=4,
            text=f"Travail soigné, chantier propre, délais tenus. Facture {number}.",
        )
    assert audits.audits_open(seed=1) == 3
    passed, failed, _missed = Audit.objects.order_by("pk")
    for audit in (passed, failed):
        upload = SimpleUploadedFile("facture.pdf", minimal_pdf(), "application/pdf")
        audits.audit_submit_scan(audit=audit, upload=upload)
    audits.audit_decide(audit=passed, actor=world.cast.staff, passed=True)
    audits.audit_decide(
        audit=failed, actor=world.cast.staff, passed=False, note="Le nom du client diffère."
    )
    with time_machine.travel(timezone.now() + timedelta(days=16)):
        assert audits.audits_close_overdue() == 1
    assert set(Audit.objects.values_list("status", flat=True)) == {
        AuditStatus.PASSED,
        AuditStatus.FAILED,
        AuditStatus.MISSED,
    }


def review_held_refused_without_note_and_published(world):
    held = _review(world, "F-2026-020")
    assert held.status == ReviewStatus.PENDING
    moderation.review_moderate(
        review=held, actor=world.cast.staff, decision="reject", reason="personal_data"
    )
    other = _review(
        world,
        "F-2026-021",
        text="Correct, sans plus. Délai d'une semaine, travail propre mais un peu cher.",
    )
    if other.status == ReviewStatus.PENDING:
        moderation.review_moderate(review=other, actor=world.cast.staff, decision="publish")
    else:  # published at once: a moderator still decides on a held one
        third = _review(world, "F-2026-022", title="Joignable au 0612345678")
        moderation.review_moderate(review=third, actor=world.cast.staff, decision="publish")


def review_request_confirmation(world):
    requests.review_request_create(
        company=world.cast.company_a,
        fields={"invoice_number": "F-2026-099", "name": "Paul Durand", "email": "paul@example.org"},
    )


def team_invitation(world):
    team.invitation_create(
        company=world.cast.company_a,
        email="nouvelle@example.fr",
        role=MembershipRole.MEMBER,
        invited_by=world.cast.owner_a,
    )


QUOTE = {
    "name": "Claire Client",
    "email": "claire@example.fr",
    "phone": "",
    "need": "Refaire le tableau électrique d'une maison de 1975.",
    "postal_code": "69003",
    "city": "Lyon",
    "timeframe": "month",
    "budget": "unknown",
    "contact_preference": "email",
}


def quote_confirmation_new_and_reply(world):
    quote = quotes.quote_request_create(
        company=world.cast.company_a, requester=None, fields=dict(QUOTE)
    )
    token = quote_links.quote_confirmation_token(quote)
    quotes.quote_request_confirm(token=token)
    quote.refresh_from_db()
    quotes.quote_reply_create(
        quote=quote, author=world.cast.owner_a, body="Bonjour, je passe jeudi à 9 h."
    )


def application_information_rejected_approved(world):
    application = world.application
    vetting.application_submit(application=application, actor=application.applicant)
    vetting.application_request_information(
        application=application, actor=world.cast.staff, question="Depuis quand posez-vous ?"
    )
    vetting.application_submit(
        application=application, actor=application.applicant, message="Depuis 2012."
    )
    checks_pass(application, world.cast.staff)
    vetting.application_approve(application=application, actor=world.cast.staff)


def vetting_check_expiring(world):
    """A listed company whose insurance ends in 20 days: the night tells it."""
    application = world.application
    vetting.application_submit(application=application, actor=application.applicant)
    checks_pass(
        application, world.cast.staff, valid_until=timezone.localdate() + timedelta(days=20)
    )
    vetting.application_approve(application=application, actor=world.cast.staff)
    vetting.checks_watch()


def application_rejected(world):
    application = world.application
    vetting.application_submit(application=application, actor=application.applicant)
    vetting.application_reject(
        application=application, actor=world.cast.staff, reason="Activité hors de nos métiers."
    )


def company_suspended_and_reinstated(world):
    from directory.models import CompanyStatus

    company = world.cast.company_a
    vetting.company_set_status(
        company=company,
        status=CompanyStatus.SUSPENDED,
        actor=world.cast.staff,
        reason="Deux contrôles de factures manqués.",
    )
    vetting.company_set_status(
        company=company,
        status=CompanyStatus.LISTED,
        actor=world.cast.staff,
        reason="Factures fournies.",
    )


def quote_to_a_company_without_members(world):
    from tests.factories import CompanyFactory

    company = CompanyFactory(
        trade_name="Gamma Menuiserie", slug="gamma-menuiserie", email="contact@gamma.fr"
    )
    quote = quotes.quote_request_create(
        company=company, requester=None, fields={**QUOTE, "phone": "+33699056090"}
    )
    quotes.quote_request_confirm(token=quote_links.quote_confirmation_token(quote))


def partner_connected_then_disconnected(world):
    """A company connects a partner with its code, then disconnects it
    (issue 14): the partner's contact is told each time."""
    from partners.models import Partner
    from partners.services import (
        connection_code_create,
        connection_code_redeem,
        connection_disconnect,
    )

    partner = Partner.objects.create(
        name="Facturo", kind="invoicing_software", contact_email="api@facturo.example"
    )
    code = connection_code_create(partner=partner, created_by=None)
    connection = connection_code_redeem(
        code=code.code, company=world.cast.company_a, actor=world.cast.owner_a
    )
    assert connection_disconnect(connection=connection, company=world.cast.company_a)


def webhook_endpoint_disabled(world):
    """An endpoint that failed for days is disabled; its partner is told."""
    from partners.emails import send_endpoint_disabled
    from partners.models import Partner, WebhookEndpoint

    partner = Partner.objects.create(
        name="Annuaire Local", kind="local_media", contact_email="tech@annuaire.example"
    )
    endpoint = WebhookEndpoint.objects.create(
        partner=partner,
        url="https://hooks.annuaire.example/plusquepro",
        events=["review.published"],
    )
    send_endpoint_disabled(endpoint.pk)


def referrals_won_and_thanked(world):
    """A company's referrer and the platform's, both thanked when what
    they brought becomes a client (issue 15)."""
    from prospects import services as pipeline

    cast = world.cast
    for scope, company in (("company", cast.company_a), ("platform", None)):
        referrer = pipeline.referrer_create(
            pipeline=scope,
            company=company,
            name="Claire Martin",
            email=f"claire.{scope}@example.org",
            thanks_opt_in=True,
        )
        prospect = pipeline.prospect_create(
            pipeline=scope,
            company=company,
            name="Jean Dupont",
            actor=None,
            stage="hot",
            referrer=referrer,
            force=True,
        )
        pipeline.prospect_move(prospect=prospect, to="client", actor=None)


def follow_up_digest(world):
    """The 8:00 digest: overdue, today, more than listed, no next step."""
    from prospects import services as pipeline

    cast = world.cast
    today = timezone.localdate()
    for number, day in enumerate([today - timedelta(days=2), today] * 20):
        pipeline.prospect_create(
            pipeline="company",
            company=cast.company_a,
            name=f"Client {number}",
            actor=cast.owner_a,
            owner=cast.owner_a,
            next_follow_up=day,
            force=True,
        )
    pipeline.prospect_create(
        pipeline="company", company=cast.company_a, name="Sans suite", actor=None,
        owner=cast.owner_a, force=True,
    )  # fmt: skip
    pipeline.digests_send()


def follow_up_digest_short(world):
    """Only today's, all listed, nothing without a next step."""
    from prospects import services as pipeline

    pipeline.prospect_create(
        pipeline="company", company=world.cast.company_a, name="Jean Dupont", actor=None,
        owner=world.cast.owner_a, next_follow_up=timezone.localdate(), force=True,
    )  # fmt: skip
    pipeline.digests_send()


def application_link_emailed(world):
    """A sales prospect e-mailed its pre-filled application link, by a
    salesperson (organisation named) and by the system (no organisation,
    no sender to reply to)."""
    from prospects import application_links
    from prospects import services as pipeline

    for organisation, actor in (("Cuisines du Rhône", world.cast.staff), ("", None)):
        prospect = pipeline.prospect_create(
            pipeline="platform",
            company=None,
            name="Marie Curie",
            organisation=organisation,
            email=f"marie{len(organisation)}@example.org",
            actor=None,
            stage="hot",
            force=True,
        )
        application_links.application_link_send(prospect=prospect, actor=actor)


SCENARIOS = {
    vetting_check_expiring: {"application_received", "application_approved", "check_expiring"},
    application_link_emailed: {"application_link"},
    referrals_won_and_thanked: {"referral_thanks"},
    follow_up_digest: {"prospect_digest"},
    follow_up_digest_short: {"prospect_digest"},
    partner_connected_then_disconnected: {"partner_connected", "partner_disconnected"},
    webhook_endpoint_disabled: {"webhook_endpoint_disabled"},
    quote_to_a_company_without_members: {"quote_confirmation", "quote_new_direct"},
    company_suspended_and_reinstated: {"company_suspended", "company_reinstated"},
    invoice_invitation_and_reminder: {"review_invitation"},
    review_published_receipt_new_link_and_audit: {
        "review_invitation",
        "review_receipt",
        "review_manage_link",
        "audit_request",
    },
    session_audit_request: {"session_audit_request"},
    review_audit_outcomes_passed_failed_missed: {
        "review_invitation",
        "review_receipt",
        "audit_request",
        "review_audit_outcome",
    },
    review_held_refused_without_note_and_published: {
        "review_invitation",
        "review_receipt",
        "review_decision",
    },
    review_request_confirmation: {"review_request"},
    team_invitation: {"invitation"},
    quote_confirmation_new_and_reply: {"quote_confirmation", "quote_new", "quote_reply"},
    application_information_rejected_approved: {
        "application_received",
        "application_information",
        "application_approved",
    },
    application_rejected: {"application_received", "application_rejected"},
}


@pytest.fixture
def world(cast, taxonomy):
    from django.contrib.auth.models import Group

    from eligibility.models import Application
    from tests.factories import UserFactory

    cast.staff.groups.add(Group.objects.get(name="moderation"))
    # A kitchen installer's application with every answer but the optional
    # ones (no phone, no website).
    application = Application.objects.create(
        applicant=UserFactory(email="gerant@cuisines-rhone.fr"),
        legal_name="Cuisines du Rhône",
        siren="732829320",
        address="4 quai Saint-Antoine",
        postal_code="69002",
        city="Lyon",
        year_founded=2012,
        services_description="Conception et pose de cuisines sur mesure.",
        new_clients_per_day=2,
        average_amount_eur=8000,
        decision_time="days_or_more",
        invoices_name_client="yes",
    )
    application.professions.set([taxonomy["cuisiniste"], taxonomy["menuisier"]])
    return SimpleNamespace(cast=cast, application=application)


@pytest.mark.parametrize("scenario", list(SCENARIOS), ids=lambda f: f.__name__)
def test_every_email_of_a_journey_is_complete_in_each_language(
    scenario, world, recorded, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        if "settings" in scenario.__code__.co_varnames[: scenario.__code__.co_argcount]:
            scenario(world, settings)
        else:
            scenario(world)

    assert {template for template, _context in recorded} >= SCENARIOS[scenario]
    for template, context in recorded:
        for language in LANGUAGES:
            subject, body = render_templated(template, context, language=language)
            assert problems(subject, body, language) == [], (template, language, body)
            assert settings.SITE_NAME in body, (template, language)


def test_each_language_is_really_used():
    """The English rendering is English, the French one French."""
    context = {
        "invitation": SimpleNamespace(
            invited_by=None, company=SimpleNamespace(trade_name="Alpha Électricité")
        ),
        "url": "https://example.org/x",
        "days": 7,
    }
    _s, french = render_templated("invitation", context, language="fr")
    _s, english = render_templated("invitation", context, language="en")
    assert "Bonjour" in french
    assert "Hello" in english


@pytest.mark.parametrize(
    "line",
    [
        "Bonjour, c'est  !",
        "Merci d'utiliser  !",
        "sur .",
        "Budget : ",
        "Métier :\u00a0",
        "Facture None",
        "« »",
        "«\u00a0»",
        "Lien : ''",
        "Voir ()",
    ],
)
def test_the_checker_sees_an_empty_value(line):
    assert problems("[Plus que pro] Sujet", f"Bonjour,\n\n{line}\n") != []


def test_the_checker_sees_a_french_colon_without_its_space():
    assert problems("[Plus que pro] Sujet", "Bonjour,\n\nLieu: 69003 Lyon\n", "fr") != []
    assert problems("[Plus que pro] Sujet", "Bonjour,\n\nhttps://example.org/\n", "fr") == []
    assert problems("[Plus que pro] Subject", "Hello,\n\nPlace: 69003 Lyon\n", "en") == []


def test_the_checker_accepts_a_complete_message():
    body = (
        "Bonjour,\n\nLa raison :\nHors de nos métiers.\n\n"
        "Budget : 1 000 à 5 000 €\n\nPlus que pro\n"
    )
    assert problems("[Plus que pro] Votre candidature", body) == []


def test_every_email_template_has_a_scenario():
    templates = {path.name.removesuffix("_body.txt") for path in TEMPLATES_DIR.glob("*_body.txt")}
    covered = set().union(*SCENARIOS.values())
    assert templates - covered == set(), "add a scenario that sends it"
    subjects = {
        path.name.removesuffix("_subject.txt") for path in TEMPLATES_DIR.glob("*_subject.txt")
    }
    assert subjects == templates


@pytest.mark.parametrize(
    ("template", "context"),
    [
        ("application_received", {"application": SimpleNamespace(legal_name="{name}")}),
        ("company_suspended", {"company": SimpleNamespace(trade_name="{name}")}),
    ],
)
def test_subjects_are_plain_text_never_html_escaped(template, context):
    from common.mail import _plain_text

    name = "L'Atelier Martin & Fils <Lyon>"
    filled = {
        key: SimpleNamespace(**{k: v.format(name=name) for k, v in vars(value).items()})
        for key, value in context.items()
    }
    with translation.override("fr"):
        subject = _plain_text(f"emails/{template}_subject.txt", filled)
    assert name in subject
