"""Session audits at volume: a big import opens a few audits a night per
company, one e-mail each; every audit of the pro's page can be answered
(paginated); a refused scan is shown on its own audit; staff learn whether
the client of the invoice is the session's."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from loyalty.models import ServiceSession, SessionAudit, SessionAuditStatus, SessionSource
from loyalty.selectors import AUDITS_PER_PAGE
from loyalty.services import session_record
from loyalty.services.audits import (
    AUDIT_DAYS,
    invoice_client_matches,
    session_audit_submit_scan,
    session_audits_open,
)
from tests.factories import CompanyFactory, MembershipFactory, UserFactory
from tests.pdfs import minimal_pdf

pytestmark = pytest.mark.django_db

RECORDED = "2026-04-09 15:00 +0200"
NIGHT = "2026-04-10 01:55 +0200"


def bulk_sessions(company, count: int, prefix: str = "H") -> None:
    """``count`` sessions of ``company`` created now (an import), as the
    import's worker writes them: one bulk insert."""
    now = timezone.now()
    ServiceSession.objects.bulk_create(
        ServiceSession(
            company=company,
            performed_on=date(2024, 1, 1) + timedelta(days=n % 700),
            source=SessionSource.CSV,
            reference=f"{prefix}-{n}",
            client_key=f"{n:064x}",
            created_at=now,
        )
        for n in range(count)
    )


def record(company, reference: str, **identity) -> ServiceSession:
    session, _ = session_record(
        company=company,
        performed_on=date(2026, 4, 9),
        source=SessionSource.FORM,
        reference=reference,
        **(identity or {"name": "Luc Petit"}),
    )
    return session


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("facture.pdf", minimal_pdf(), "application/pdf")


def open_audits(company, count: int, *, opened: str = NIGHT) -> list[SessionAudit]:
    """``count`` open audits of ``company``, due one day apart from the
    latest to the earliest (so pk order is not deadline order)."""
    with time_machine.travel(RECORDED, tick=False):
        bulk_sessions(company, count, prefix="A")
    now = timezone.now()
    sessions = list(company.sessions.order_by("pk"))
    audits = SessionAudit.objects.bulk_create(
        SessionAudit(
            session=session,
            status=SessionAuditStatus.OPEN,
            opened_at=now,
            due_at=now + timedelta(days=AUDIT_DAYS + count - n),
        )
        for n, session in enumerate(sessions)
    )
    return audits


@pytest.fixture
def moderator():
    user = UserFactory(email="moderation@example.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="moderation"))
    return user


# --- The nightly sample, per company ----------------------------------------------------


def test_a_big_import_opens_at_most_the_company_cap_and_others_are_still_sampled(cast, settings):
    settings.LOYALTY_AUDIT_RATE = 0.05
    settings.LOYALTY_AUDITS_PER_COMPANY_MAX = 3
    with time_machine.travel(RECORDED, tick=False):
        bulk_sessions(cast.company_a, 5000)  # the big importer, first by id
        for n in range(4):
            record(cast.company_b, f"B-{n}")
    with time_machine.travel(NIGHT, tick=False):
        assert session_audits_open() == 4
    assert SessionAudit.objects.filter(session__company=cast.company_a).count() == 3
    # 5 % of 4 sessions, rounded up: the small company is sampled too.
    assert SessionAudit.objects.filter(session__company=cast.company_b).count() == 1


def test_the_cap_is_a_setting(cast, settings):
    settings.LOYALTY_AUDIT_RATE = 1.0
    settings.LOYALTY_AUDITS_PER_COMPANY_MAX = 5
    with time_machine.travel(RECORDED, tick=False):
        bulk_sessions(cast.company_a, 40)
    with time_machine.travel(NIGHT, tick=False):
        assert session_audits_open() == 5
        assert session_audits_open() == 0  # a rerun of the night opens nothing more


def test_a_company_s_sample_does_not_depend_on_other_companies(cast, settings):
    """Drawn per company from the night's seed and the company: another
    company's import cannot change which sessions are audited."""
    settings.LOYALTY_AUDIT_RATE = 0.1
    with time_machine.travel(RECORDED, tick=False):
        bulk_sessions(cast.company_b, 60, prefix="B")
    with time_machine.travel(NIGHT, tick=False):
        session_audits_open(seed="graine")
    alone = set(SessionAudit.objects.values_list("session_id", flat=True))
    SessionAudit.objects.all().delete()
    with time_machine.travel(RECORDED, tick=False):
        bulk_sessions(cast.company_a, 900, prefix="A")
    with time_machine.travel(NIGHT, tick=False):
        session_audits_open(seed="graine")
    b_audits = SessionAudit.objects.filter(session__company=cast.company_b)
    assert set(b_audits.values_list("session_id", flat=True)) == alone
    assert len(alone) == 3


def test_the_sample_is_reproducible_and_differs_from_night_to_night(cast, settings):
    settings.LOYALTY_AUDIT_RATE = 0.1
    with time_machine.travel(RECORDED, tick=False):
        bulk_sessions(cast.company_a, 200)
    draws = []
    for seed in ("2026-04-10", "2026-04-10", "2026-04-11"):
        with time_machine.travel(NIGHT, tick=False):
            session_audits_open(seed=seed)
        draws.append(set(SessionAudit.objects.values_list("session_id", flat=True)))
        SessionAudit.objects.all().delete()
    assert draws[0] == draws[1]
    assert draws[0] != draws[2]
    assert all(len(draw) == 3 for draw in draws)


def test_each_company_gets_one_e_mail_listing_its_new_audits(
    cast, settings, django_capture_on_commit_callbacks
):
    settings.LOYALTY_AUDIT_RATE = 1.0
    settings.LOYALTY_AUDITS_PER_COMPANY_MAX = 3
    with time_machine.travel(RECORDED, tick=False):
        for n in range(5):
            record(cast.company_a, f"S-GARDE-{n}", email=f"client{n}@example.org")
        record(cast.company_b, "B-1", name="Jeanne Client")
    mail.outbox.clear()
    with (
        time_machine.travel(NIGHT, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert session_audits_open() == 4
    assert len(mail.outbox) == 2
    [to_a] = [m for m in mail.outbox if "owner-a@example.fr" in m.to]
    [to_b] = [m for m in mail.outbox if "owner-b@example.fr" in m.to]
    assert sorted(to_a.to) == ["member-a@example.fr", "owner-a@example.fr"]
    audited = SessionAudit.objects.filter(session__company=cast.company_a)
    for audit in audited.select_related("session"):
        assert f"prestation {audit.session.reference} du 9 avril 2026" in to_a.body
    assert "3 prestations" in to_a.subject
    assert "25 avril 2026" in to_a.body  # the deadline: 15 days
    assert f"/espace-pro/{cast.company_a.pk}/prestations/controles/" in to_a.body
    assert "example.org" not in to_a.body + to_a.subject  # no client data
    assert "B-1" in to_b.subject
    assert "Jeanne" not in to_b.body


def test_the_deadline_stays_15_days(cast, settings):
    settings.LOYALTY_AUDIT_RATE = 1.0
    with time_machine.travel(RECORDED, tick=False):
        bulk_sessions(cast.company_a, 10)
    with time_machine.travel(NIGHT, tick=False):
        session_audits_open()
    for audit in SessionAudit.objects.all():
        assert audit.due_at - audit.opened_at == timedelta(days=AUDIT_DAYS)


# --- The pro's page: every audit reachable ------------------------------------------------


def test_every_audit_is_on_a_page_nearest_deadline_first(client, cast):
    audits = open_audits(cast.company_a, AUDITS_PER_PAGE * 2 + 5)
    client.force_login(cast.owner_a)
    url = reverse("loyalty:session-audits", args=[cast.company_a.pk])
    seen = []
    for number in (1, 2, 3):
        page = client.get(url, {"page": number}).content.decode()
        seen += [int(pk) for pk in _audit_ids(page)]
        assert (f"page={number + 1}" in page) == (number < 3)
    assert sorted(seen) == sorted(audit.pk for audit in audits)
    dues = dict(SessionAudit.objects.values_list("pk", "due_at"))
    assert [dues[pk] for pk in seen] == sorted(dues.values())


def _audit_ids(page: str) -> list[str]:
    return [part.split('"', 1)[0] for part in page.split('name="audit" value="')[1:]]


def test_an_audit_of_the_last_page_can_be_answered(client, cast):
    audits = open_audits(cast.company_a, AUDITS_PER_PAGE * 6)
    last = max(audits, key=lambda audit: SessionAudit.objects.get(pk=audit.pk).due_at)
    client.force_login(cast.owner_a)
    url = reverse("loyalty:session-audits", args=[cast.company_a.pk])
    response = client.post(
        url + "?page=6", {"audit": last.pk, "scan": pdf(), "client_name": "Luc Petit"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?page=6")
    assert SessionAudit.objects.get(pk=last.pk).status == SessionAuditStatus.SUBMITTED


def test_a_refused_scan_is_shown_on_its_audit_with_what_was_typed(client, cast):
    audits = open_audits(cast.company_a, AUDITS_PER_PAGE + 3)
    target = max(audits, key=lambda audit: SessionAudit.objects.get(pk=audit.pk).due_at)
    client.force_login(cast.owner_a)
    url = reverse("loyalty:session-audits", args=[cast.company_a.pk])
    fake = SimpleUploadedFile("facture.pdf", b"%PDF-1.4 pas un pdf", "application/pdf")
    # Posted from page 1 while the audit is on page 2: page 2 is shown.
    response = client.post(url, {"audit": target.pk, "scan": fake, "client_name": "Luc Petit"})
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert 'class="notice error"' not in page.split("pro-main")[1].split('class="card"')[0]
    article = page.split(f'name="audit" value="{target.pk}"')[1].split("</article>")[0]
    assert 'role="alert"' in article
    assert f'id="scan-{target.pk}_error"' in article
    assert f'aria-describedby="scan-{target.pk}_error"' in article
    assert 'value="Luc Petit"' in article
    assert 'aria-invalid="true"' not in page.split(f'value="{target.pk}"')[0]
    assert SessionAudit.objects.get(pk=target.pk).status == SessionAuditStatus.OPEN


def test_a_scan_without_the_client_is_refused_on_its_audit(client, cast):
    [audit] = open_audits(cast.company_a, 1)
    client.force_login(cast.owner_a)
    url = reverse("loyalty:session-audits", args=[cast.company_a.pk])
    response = client.post(url, {"audit": audit.pk, "scan": pdf()})
    page = html.unescape(response.content.decode())
    article = page.split(f'name="audit" value="{audit.pk}"')[1].split("</article>")[0]
    assert "tel qu'écrit sur la facture" in article
    assert 'role="alert"' in article
    audit.refresh_from_db()
    assert audit.status == SessionAuditStatus.OPEN
    assert not audit.scans.exists()


# --- The client of the invoice -------------------------------------------------------------


@pytest.mark.parametrize(
    ("recorded", "given", "matches"),
    [
        ({"email": "Jean.Dupont@Gmail.com"}, {"email": "jeandupont@gmail.com"}, True),
        ({"email": "jean@example.org"}, {"email": "other@example.org"}, False),
        ({"phone": "06 12 34 56 78"}, {"phone": "+33612345678"}, True),
        ({"name": "Élodie Martin"}, {"name": "ELODIE MARTIN"}, True),
        ({"name": "Élodie Martin"}, {"name": "Elodie Marty"}, False),
        # Recorded with an e-mail; the invoice shows the name: not the key.
        ({"email": "jean@example.org", "name": "Jean"}, {"name": "Jean"}, False),
        # Any one of the given identities that has the key is enough.
        ({"phone": "0612345678"}, {"email": "x@example.org", "phone": "06 12 34 56 78"}, True),
        ({"name": "Jean"}, {}, None),
    ],
)
def test_the_client_of_the_invoice_is_compared_by_key(cast, recorded, given, matches):
    with time_machine.travel(RECORDED, tick=False):
        session = record(cast.company_a, "S-1", **recorded)
    assert invoice_client_matches(session=session, **given) is matches


def test_the_same_client_at_another_company_does_not_match(cast):
    with time_machine.travel(RECORDED, tick=False):
        session = record(cast.company_a, "S-1", email="jean@example.org")
    other = ServiceSession(company=cast.company_b, client_key=session.client_key)
    assert invoice_client_matches(session=other, email="jean@example.org") is False


def test_staff_read_whether_the_client_matches_and_nothing_typed_is_kept(
    client, cast, settings, moderator
):
    settings.LOYALTY_AUDIT_RATE = 1.0
    with time_machine.travel(RECORDED, tick=False):
        good = record(cast.company_a, "S-GOOD", email="jean@example.org")
        bad = record(cast.company_a, "S-BAD", email="paul@example.org")
    with time_machine.travel(NIGHT, tick=False):
        session_audits_open()
    client.force_login(cast.owner_a)
    url = reverse("loyalty:session-audits", args=[cast.company_a.pk])
    for session, email in ((good, "Jean@Example.org"), (bad, "pierre@example.org")):
        audit = SessionAudit.objects.get(session=session)
        client.post(url, {"audit": audit.pk, "scan": pdf(), "client_email": email})
    assert SessionAudit.objects.get(session=good).client_matches is True
    assert SessionAudit.objects.get(session=bad).client_matches is False
    # Nothing of what was typed is stored anywhere in the audit's rows.
    stored = repr(list(SessionAudit.objects.values())) + repr(
        [list(a.events.values()) for a in SessionAudit.objects.all()]
    )
    assert "example.org" not in stored.lower()

    client.force_login(moderator)
    page = html.unescape(client.get(reverse("loyalty:staff-session-audits")).content.decode())
    good_part = page.split("S-GOOD")[1].split("</article>")[0]
    bad_part = page.split("S-BAD")[1].split("</article>")[0]
    assert "Le client de la facture correspond à la prestation" in good_part
    assert 'data-client-matches="yes"' in good_part
    assert 'data-client-matches="no"' in bad_part
    assert "pierre" not in page


def test_a_second_scan_replaces_the_client_answer(cast, settings):
    settings.LOYALTY_AUDIT_RATE = 1.0
    with time_machine.travel(RECORDED, tick=False):
        session = record(cast.company_a, "S-1", name="Luc Petit")
    with time_machine.travel(NIGHT, tick=False):
        session_audits_open()
    audit = SessionAudit.objects.get(session=session)
    session_audit_submit_scan(audit=audit, upload=pdf(), actor=cast.owner_a, client_name="Paul")
    audit.refresh_from_db()
    assert audit.client_matches is False
    session_audit_submit_scan(
        audit=audit, upload=pdf(), actor=cast.owner_a, client_name="luc petit"
    )
    audit.refresh_from_db()
    assert audit.client_matches is True
    assert audit.scans.count() == 2


# --- The pro space's home -------------------------------------------------------------------


def test_the_home_counts_session_audits_names_them_in_the_next_step_and_the_menu(client, cast):
    open_audits(cast.company_a, 2)
    client.force_login(cast.owner_a)
    with time_machine.travel("2026-04-10 09:00 +0200", tick=False):
        page = html.unescape(client.get(f"/espace-pro/{cast.company_a.pk}/").content.decode())
    assert '<dd data-figure="audits">2</dd>' in page
    assert "factures : 0 · prestations : 2" in page
    step = page.split('id="next-step-title"')[1].split("</section>")[0]
    assert "2 contrôles de prestations attendent les factures de vos prestations." in step
    assert f'href="/espace-pro/{cast.company_a.pk}/prestations/controles/"' in step
    nav = page.split('class="card pro-nav"')[1].split("</nav>")[0]
    assert (
        f'<a href="/espace-pro/{cast.company_a.pk}/prestations/controles/">'
        "Contrôles des prestations</a>"
    ) in nav


def test_another_company_s_session_audits_do_not_count(client, cast):
    open_audits(cast.company_b, 3)
    client.force_login(cast.owner_a)
    page = client.get(f"/espace-pro/{cast.company_a.pk}/").content.decode()
    assert '<dd data-figure="audits">0</dd>' in page


def test_a_company_with_many_members_still_gets_one_e_mail(
    settings, taxonomy, django_capture_on_commit_callbacks
):
    company = CompanyFactory(primary_profession=taxonomy["electricien"])
    for n in range(4):
        MembershipFactory(company=company, user__email=f"m{n}@example.fr")
    settings.LOYALTY_AUDIT_RATE = 1.0
    with time_machine.travel(RECORDED, tick=False):
        bulk_sessions(company, 300)
    mail.outbox.clear()
    with (
        time_machine.travel(NIGHT, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert session_audits_open() == settings.LOYALTY_AUDITS_PER_COMPANY_MAX
    assert len(mail.outbox) == 1
    assert len(mail.outbox[0].to) == 4
