"""Vetting with evidence (issue 17): the catalogue and the trades' data,
documents sent and who may open them, the vetter's decisions (write-once)
and the approval guard, the automatic aids, what the public sees."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from directory.models import CompanyStatus, MembershipRole
from directory.taxonomy.services import TAXONOMY_FILE
from eligibility import services
from eligibility.checklist import application_checklist, company_checklist
from eligibility.checks import check_codes, checks_for
from eligibility.models import (
    Application,
    ApplicationStatus,
    CheckDecision,
    CheckState,
    Evidence,
)
from tests.factories import CompanyFactory, MembershipFactory, UserFactory, checks_pass, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def vetter(db):
    user = UserFactory(email="vetting@plusquepro.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="vetting"))
    return user


@pytest.fixture
def in_queue(complete_application, applicant):
    services.application_submit(application=complete_application, actor=applicant)
    return Application.objects.get(pk=complete_application.pk)


def codes(checklist, *, required=None):
    return [i.check.code for i in checklist if required is None or i.required == required]


def upload(application, code, **dates):
    return services.evidence_add(
        check_code=code,
        upload=pdf_upload(),
        actor=application.applicant,
        application=application,
        **dates,
    )


# --- The catalogue and the trades' data -------------------------------------------------


def test_every_check_a_trade_names_is_in_the_catalogue():
    data = json.loads(TAXONOMY_FILE.read_text(encoding="utf-8"))
    named = {
        code
        for sector in data["sectors"]
        for trade in sector["professions"]
        for code in trade.get("checks", []) + trade.get("optional_checks", [])
    }
    assert named
    assert named <= set(check_codes())


def test_which_trade_needs_which_check_comes_from_the_data(taxonomy):
    kitchen = codes(checks_for([taxonomy["cuisiniste"]]), required=True)
    assert kitchen == ["registration", "identity", "rc_pro", "decennale", "manager_call"]
    lawyer = codes(checks_for([taxonomy["avocat"]]), required=True)
    assert "decennale" not in lawyer
    assert "health_diploma" in codes(checks_for([taxonomy["kinesitherapeute"]]), required=True)
    assert "childcare_approval" in codes(
        checks_for([taxonomy["assistante-maternelle"]]), required=True
    )
    # Offered, not required: an electrician may show Qualifelec.
    electrician = checks_for([taxonomy["electricien"]])
    assert [i.required for i in electrician if i.check.code == "qualifelec"] == [False]


# --- Documents -------------------------------------------------------------------------


def test_a_document_that_is_not_a_pdf_or_an_image_is_refused_and_nothing_kept(
    complete_application,
):
    fake = SimpleUploadedFile("kbis.pdf", b"not a pdf at all", content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        services.evidence_add(
            check_code="identity",
            upload=fake,
            actor=complete_application.applicant,
            application=complete_application,
        )
    assert "file" in error.value.message_dict
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("code", "dates", "field"),
    [
        ("rc_pro", {}, "expires_on"),
        ("rc_pro", {"expires_on": -1}, "expires_on"),
        ("registration", {}, "issued_on"),
        ("registration", {"issued_on": -100}, "issued_on"),
        ("registration", {"issued_on": 2}, "issued_on"),
    ],
)
def test_the_dates_a_check_needs_are_asked_and_checked(complete_application, code, dates, field):
    today = timezone.localdate()
    given = {name: today + timedelta(days=days) for name, days in dates.items()}
    with pytest.raises(ValidationError) as error:
        upload(complete_application, code, **given)
    assert field in error.value.message_dict
    assert not Evidence.objects.exists()


def test_a_check_of_another_trade_takes_no_document(complete_application):
    with pytest.raises(ValidationError, match="ne s'applique pas"):
        upload(complete_application, "health_diploma")


def test_the_documents_step_lists_the_checks_and_takes_a_document(client, complete_application):
    client.force_login(complete_application.applicant)
    url = reverse("eligibility:step", args=[4])
    page = client.get(url).content.decode()
    assert "Assurance décennale" in page
    assert "Diplôme" not in page  # not a trade of this application
    today = timezone.localdate()
    response = client.post(
        url,
        {
            "check": "rc_pro",
            "rc_pro-file": pdf_upload("attestation.pdf"),
            "rc_pro-expires_on": (today + timedelta(days=200)).isoformat(),
        },
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.check_code, evidence.application_id) == ("rc_pro", complete_application.pk)
    # A refused file is shown on its own check, with a 400, and nothing is kept.
    response = client.post(
        url,
        {
            "check": "identity",
            "identity-file": SimpleUploadedFile("id.png", b"GIF89a", content_type="image/png"),
        },
    )
    assert response.status_code == 400
    assert Evidence.objects.count() == 1


def test_missing_evidence_is_a_to_do_on_the_review_not_an_error(client, complete_application):
    client.force_login(complete_application.applicant)
    page = client.get(reverse("eligibility:step", args=[5])).content.decode()
    assert "Documents encore à envoyer" in page
    response = client.post(reverse("eligibility:step", args=[5]), {"message": ""})
    assert response.status_code == 302
    complete_application.refresh_from_db()
    assert complete_application.status == ApplicationStatus.SUBMITTED


# --- Who may open a document -----------------------------------------------------------


def test_a_document_is_served_only_to_its_applicant_members_and_the_vetting_team(
    client, in_queue, vetter, cast
):
    checks_pass(in_queue, vetter)
    evidence = Evidence.objects.filter(application=in_queue).first()
    url = reverse("eligibility:evidence-file", args=[evidence.pk])
    assert client.get(url).status_code == 404  # anonymous
    for outsider in (cast.consumer, cast.owner_a):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(in_queue.applicant)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    client.force_login(vetter)
    assert client.get(url).status_code == 200
    # Once listed, a member the owner added may open it too.
    company = services.application_approve(application=in_queue, actor=vetter)
    colleague = MembershipFactory(company=company, role=MembershipRole.MEMBER).user
    client.force_login(colleague)
    assert client.get(url).status_code == 200


def test_another_companys_checks_and_documents_are_a_404(client, cast, vetter):
    company = cast.company_a
    document = services.evidence_add(
        check_code="rc_pro",
        upload=pdf_upload(),
        actor=cast.owner_a,
        company=company,
        expires_on=timezone.localdate() + timedelta(days=90),
    )
    client.force_login(cast.owner_b)
    assert client.get(reverse("eligibility:pro-checks", args=[company.pk])).status_code == 404
    url = reverse("eligibility:evidence-file", args=[document.pk])
    assert client.get(url).status_code == 404
    client.force_login(cast.member_a)
    assert client.get(reverse("eligibility:pro-checks", args=[company.pk])).status_code == 200
    assert client.get(url).status_code == 200


def test_a_pro_sends_a_renewed_insurance_from_the_pro_space(client, cast):
    client.force_login(cast.owner_a)
    url = reverse("eligibility:pro-checks", args=[cast.company_a.pk])
    until = timezone.localdate() + timedelta(days=365)
    response = client.post(
        url,
        {
            "check": "decennale",
            "decennale-file": pdf_upload(),
            "decennale-expires_on": until.isoformat(),
        },
    )
    assert response.status_code == 302
    assert Evidence.objects.get().company == cast.company_a
    # Without its expiry date: an error on the form, nothing kept.
    response = client.post(url, {"check": "decennale", "decennale-file": pdf_upload()})
    assert response.status_code == 400
    assert "Indiquez la date de fin de validité" in response.content.decode()
    assert Evidence.objects.count() == 1


# --- Decisions and the approval guard --------------------------------------------------


def test_approval_is_refused_while_a_required_check_is_not_passed(in_queue, vetter):
    with pytest.raises(ValidationError, match="Reste à régler") as error:
        services.application_approve(application=in_queue, actor=vetter)
    assert "Assurance décennale" in str(error.value)
    in_queue.refresh_from_db()
    assert in_queue.status == ApplicationStatus.SUBMITTED
    assert in_queue.company is None


def test_the_detail_page_shows_why_approval_is_refused(client, in_queue, vetter):
    client.force_login(vetter)
    response = client.post(
        reverse("eligibility:decide", args=[in_queue.pk]), {"action": "approve"}, follow=True
    )
    page = response.content.decode()
    assert "Reste à régler" in page
    assert 'id="approval-blocked"' in page
    in_queue.refresh_from_db()
    assert in_queue.status == ApplicationStatus.SUBMITTED


def test_a_failed_check_blocks_and_a_not_applicable_one_does_not(in_queue, vetter):
    checks_pass(in_queue, vetter)
    services.check_decide(
        check_code="decennale",
        state="failed",
        actor=vetter,
        application=in_queue,
        note="Attestation au nom d'une autre société.",
    )
    with pytest.raises(ValidationError, match="Assurance décennale"):
        services.application_approve(application=in_queue, actor=vetter)
    services.check_decide(
        check_code="decennale",
        state="not_applicable",
        actor=vetter,
        application=in_queue,
        note="Pose seule, sans gros œuvre.",
    )
    company = services.application_approve(application=in_queue, actor=vetter)
    assert company.status == CompanyStatus.LISTED
    decennale = next(i for i in application_checklist(in_queue) if i.check.code == "decennale")
    assert [d.state for d in decennale.decisions] == ["passed", "failed", "not_applicable"]


def test_a_kbis_pass_needs_the_siren_read_on_it_to_match(in_queue, vetter):
    kbis = upload(in_queue, "registration", issued_on=timezone.localdate())
    for typed, message in (("", "Saisissez le SIREN"), ("542 107 651", "n'est pas celui")):
        with pytest.raises(ValidationError, match=message):
            services.check_decide(
                check_code="registration",
                state="passed",
                actor=vetter,
                application=in_queue,
                evidence=kbis,
                reference=typed,
            )
    decision = services.check_decide(
        check_code="registration",
        state="passed",
        actor=vetter,
        application=in_queue,
        evidence=kbis,
        reference="732 829 320",
    )
    assert decision.reference == "732829320"
    assert decision.valid_until == timezone.localdate() + timedelta(days=365)


def test_a_decision_is_write_once_and_says_who_when_and_why(in_queue, vetter):
    decision = services.check_decide(
        check_code="manager_call",
        state="failed",
        actor=vetter,
        application=in_queue,
        note="Injoignable trois fois.",
    )
    with pytest.raises(ValidationError):
        decision.save()
    with pytest.raises(ValidationError):
        CheckDecision.objects.filter(pk=decision.pk).update(state="passed")
    assert (decision.actor, decision.note) == (vetter, "Injoignable trois fois.")
    assert decision.created_at is not None


def test_a_failure_needs_a_note_and_a_pass_needs_its_document(in_queue, vetter):
    with pytest.raises(ValidationError, match="Dites pourquoi"):
        services.check_decide(
            check_code="manager_call", state="failed", actor=vetter, application=in_queue
        )
    with pytest.raises(ValidationError, match="Choisissez le document"):
        services.check_decide(
            check_code="identity", state="passed", actor=vetter, application=in_queue
        )
    assert not CheckDecision.objects.exists()


def test_a_vetter_passes_a_check_from_the_detail_page(client, in_queue, vetter):
    document = upload(in_queue, "identity")
    client.force_login(vetter)
    response = client.post(
        reverse("eligibility:check-decide", args=[in_queue.pk, "identity"]),
        {"identity-state": "passed", "identity-evidence": document.pk},
    )
    assert response.status_code == 302
    decision = CheckDecision.objects.get()
    assert (decision.state, decision.evidence, decision.actor) == ("passed", document, vetter)
    page = client.get(reverse("eligibility:detail", args=[in_queue.pk])).content.decode()
    assert "vetting@plusquepro.fr" in page


def test_an_applicant_cannot_decide_a_check(client, in_queue):
    client.force_login(in_queue.applicant)
    url = reverse("eligibility:check-decide", args=[in_queue.pk, "identity"])
    assert client.post(url, {"identity-state": "passed"}).status_code == 403
    assert not CheckDecision.objects.exists()


# --- Automatic aids ----------------------------------------------------------------------


def test_a_refused_managers_new_company_nearby_is_flagged(in_queue, vetter, applicant, taxonomy):
    in_queue.manager_name = "Jean-Pierre Dupont"
    in_queue.save()
    services.application_reject(application=in_queue, actor=vetter, reason="Assurance fausse.")
    again = Application.objects.create(
        applicant=UserFactory(),
        legal_name="Nouvelles Cuisines",
        siren="542107651",
        manager_name="DUPONT Jean-Pierre",
        postal_code="69100",
        city="Villeurbanne",
    )
    signs = services.reopened_company_signs(again)
    assert signs == [
        "Même dirigeant dans le même département qu'une candidature refusée : "
        "Cuisines du Rhône (SIREN 732829320)."
    ]
    assert (False, signs[0]) in services.automatic_checks(again)
    elsewhere = Application.objects.create(
        applicant=UserFactory(),
        siren="552100554",
        manager_name="Jean-Pierre Dupont",
        postal_code="13001",
        city="Marseille",
    )
    assert services.reopened_company_signs(elsewhere) == []


def test_a_suspended_companys_manager_and_siren_are_flagged(in_queue, vetter):
    in_queue.manager_name = "Marie Curie"
    in_queue.save()
    checks_pass(in_queue, vetter)
    company = services.application_approve(application=in_queue, actor=vetter)
    services.company_set_status(
        company=company, status=CompanyStatus.SUSPENDED, actor=vetter, reason="Fraude."
    )
    again = Application.objects.create(
        applicant=UserFactory(),
        siren="732829320",
        manager_name="curie marie",
        postal_code="69003",
        city="Lyon",
    )
    signs = services.reopened_company_signs(again)
    assert signs[0] == "Une entreprise suspendue a ce SIREN."
    assert "entreprise suspendue : Cuisines du Rhône" in signs[1]


def test_an_expired_insurance_is_shown_to_the_vetter(in_queue, time_machine):
    upload(in_queue, "rc_pro", expires_on=timezone.localdate() + timedelta(days=3))
    time_machine.move_to(timezone.now() + timedelta(days=10))
    aids = services.evidence_aids(in_queue)
    assert len(aids) == 1
    assert aids[0][0] is False
    assert "le dernier document a expiré" in aids[0][1]


# --- What the public sees -------------------------------------------------------------------


def test_the_company_page_lists_the_checks_passed_with_dates_never_the_documents(
    client, in_queue, vetter
):
    until = timezone.localdate() + timedelta(days=200)
    checks_pass(in_queue, vetter, valid_until=until)
    company = services.application_approve(application=in_queue, actor=vetter)
    page = client.get(company.get_absolute_url()).content.decode()
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert f"Assurance décennale vérifiée le {today}, valable jusqu'au {until:%d/%m/%Y}" in page
    assert f"Entretien téléphonique avec le dirigeant vérifié le {today}" in page
    assert "/pieces/" not in page
    for evidence in Evidence.objects.all():
        assert evidence.file.name not in page


def test_a_check_not_passed_is_not_listed(client, cast):
    page = client.get(cast.company_a.get_absolute_url()).content.decode()
    assert "Vérifié par notre équipe" not in page


def test_the_trust_page_lists_the_catalogue(client, taxonomy):
    page = client.get(reverse("directory:trust")).content.decode()
    assert "Extrait d&#x27;immatriculation (Kbis ou avis de situation SIRENE)" in page
    assert "Assurance décennale" in page
    assert "Appel téléphonique avec le dirigeant" in page
    assert "Plombier" in page  # a trade the décennale is required for


def test_a_company_checklist_reads_its_application_then_its_own_decisions(in_queue, vetter):
    checks_pass(in_queue, vetter)
    company = services.application_approve(application=in_queue, actor=vetter)
    assert all(i.state == CheckState.PASSED for i in company_checklist(company) if i.required)
    services.check_decide(
        check_code="manager_call",
        state="failed",
        actor=vetter,
        company=company,
        note="Le gérant a changé.",
    )
    call = next(i for i in company_checklist(company) if i.check.code == "manager_call")
    assert call.state == CheckState.FAILED
    assert len(call.decisions) == 2


def test_checks_are_decided_only_on_applications_waiting_and_listed_companies(
    complete_application, vetter, taxonomy
):
    with pytest.raises(ValidationError, match="attend sa vérification"):
        services.check_decide(
            check_code="manager_call",
            state="passed",
            actor=vetter,
            application=complete_application,
        )
    pending = CompanyFactory(status=CompanyStatus.PENDING, primary_profession=taxonomy["plombier"])
    with pytest.raises(ValidationError, match="par sa candidature"):
        services.check_decide(
            check_code="manager_call", state="passed", actor=vetter, company=pending
        )


def test_a_document_can_still_come_while_the_application_is_vetted(client, in_queue):
    client.force_login(in_queue.applicant)
    follow = client.get(reverse("eligibility:follow")).content.decode()
    assert reverse("eligibility:step", args=[4]) in follow
    response = client.post(
        reverse("eligibility:step", args=[4]),
        {"check": "identity", "identity-file": pdf_upload("cni.pdf")},
    )
    assert response.status_code == 302
    assert Evidence.objects.get().application == in_queue
    # The other steps stay closed while it is vetted.
    assert client.get(reverse("eligibility:step", args=[1]))["Location"] == reverse(
        "eligibility:follow"
    )


def test_a_question_of_the_team_is_answered_at_the_review_step(client, in_queue, vetter):
    services.application_request_information(
        application=in_queue, actor=vetter, question="Votre attestation décennale ?"
    )
    client.force_login(in_queue.applicant)
    follow = client.get(reverse("eligibility:follow")).content.decode()
    assert f'href="{reverse("eligibility:step", args=[5])}">Répondre' in follow


def test_a_company_listed_before_the_checks_sees_them_to_do_with_their_due_date(client, cast):
    services.checks_watch()
    due = timezone.localdate() + timedelta(days=90)
    client.force_login(cast.owner_a)
    page = client.get(reverse("eligibility:pro-checks", args=[cast.company_a.pk])).content.decode()
    assert "5 contrôles obligatoires restent à régler" in page
    assert due.strftime("%d/%m/%Y") in page
    # Four required documents and Qualifelec, offered; the phone call needs none.
    assert page.count("À faire : aucun document envoyé") == 5
