"""The previews of both file imports (invoices, sessions): the file's rows
wait in a draft job, never in the pro's session, and the purge deletes an
abandoned draft after the retention; a reference repeated in one file is a
line-numbered error; rows already imported are listed by line; the choice
of columns is offered when many lines fail and remembered per header; the
job's pages (done, failed) and their numbers."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from loyalty.models import ServiceSession, SessionColumnMapping, SessionImport
from loyalty.services import imports as session_services
from reviews.models import Invoice, InvoiceImport
from reviews.services import invoices as invoice_services

pytestmark = pytest.mark.django_db

PERSONAL = ("jean", "dupont", "0612345678", "example.org", "marie")


@dataclass(frozen=True)
class Kind:
    """One file import, as its pro uses it."""

    name: str
    url: str
    job_url: str
    model: type
    header: str
    rows: tuple[str, ...]  # one line each, "{ref}" for the reference
    purge: object
    key: str

    def file(self, *refs: str, header: str | None = None) -> bytes:
        lines = [(header or self.header)]
        for n, ref in enumerate(refs):
            lines.append(self.rows[n % len(self.rows)].format(ref=ref, n=n))
        return ("\n".join(lines) + "\n").encode()


INVOICES = Kind(
    name="invoices",
    url="reviews:invoice-import",
    job_url="reviews:invoice-import-job",
    model=InvoiceImport,
    header="N° facture;Date;Montant TTC;Nom du client;Société;Courriel;Téléphone",
    rows=(
        "{ref};03/04/2026;100;Jean Dupont;;jean.dupont@example.org;0612345678",
        "{ref};04/04/2026;80;Marie Curie;;marie{n}@example.org;",
    ),
    purge=invoice_services.invoice_imports_purge,
    key="invoice_import:{}",
)
SESSIONS = Kind(
    name="sessions",
    url="loyalty:session-import",
    job_url="loyalty:session-import-job",
    model=SessionImport,
    header="Référence;Date;Client;E-mail;Montant;Statut",
    rows=(
        "{ref};03/04/2026;Jean Dupont;jean.dupont@example.org;45;réalisée",
        "{ref};04/04/2026;Marie Curie;marie{n}@example.org;;client absent",
    ),
    purge=session_services.session_imports_purge,
    key="session_import:{}",
)
KINDS = pytest.mark.parametrize("kind", [INVOICES, SESSIONS], ids=lambda kind: kind.name)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-04-10 12:00 +0200", tick=False):
        yield


@pytest.fixture
def pro(client, cast):
    client.force_login(cast.owner_a)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def upload(client, kind: Kind, company, content: bytes):
    url = reverse(kind.url, args=[company.pk])
    return client.post(url, {"file": SimpleUploadedFile("fichier.csv", content)})


def confirm(client, kind: Kind, company):
    url = reverse(kind.url, args=[company.pk])
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, {"step": "confirm"})


def follow(client, response):
    while response.status_code == 302:
        response = client.get(response["Location"])
    return response


def stored_sessions() -> str:
    """Every session of the database, decoded, lower case."""
    return json.dumps([row.get_decoded() for row in Session.objects.all()]).lower()


def assert_no_client_data(client):
    for where in (json.dumps(dict(client.session.items())).lower(), stored_sessions()):
        for personal in PERSONAL:
            assert personal not in where


# --- The rows wait in a draft, not in the session -------------------------------------


@KINDS
def test_the_session_holds_no_client_data_at_any_step(pro, cast, kind):
    company = cast.company_a
    page = text(upload(pro, kind, company, kind.file("D-1", "D-2")))
    assert "jean.dupont@example.org" in page  # the pro previews its own file
    assert_no_client_data(pro)
    draft = kind.model.objects.get()
    assert draft.status == "draft"
    assert pro.session[kind.key.format(company.pk)] == draft.pk
    assert "Jean Dupont" in draft.content
    # The review of the columns, then choosing them again.
    assert pro.get(reverse(kind.url, args=[company.pk]), {"step": "review"}).status_code == 200
    assert_no_client_data(pro)
    follow(pro, confirm(pro, kind, company))
    assert_no_client_data(pro)
    assert kind.key.format(company.pk) not in pro.session
    job = kind.model.objects.get()  # the draft became the job
    assert (job.pk, job.status, job.content, job.created_count) == (draft.pk, "done", "", 2)


@KINDS
def test_a_new_file_replaces_the_previous_draft(pro, cast, kind):
    upload(pro, kind, cast.company_a, kind.file("D-1"))
    upload(pro, kind, cast.company_a, kind.file("D-2"))
    assert kind.model.objects.count() == 1
    assert "D-2" in kind.model.objects.get().content


@KINDS
def test_a_draft_older_than_the_retention_is_purged(pro, cast, kind, settings):
    upload(pro, kind, cast.company_a, kind.file("D-1"))
    fresh = kind.model.objects.create(company=cast.company_b, status="draft", content="x")
    kind.model.objects.filter(company=cast.company_a).update(
        created_at=kind.model.objects.get(company=cast.company_a).created_at
        - settings.INVOICE_IMPORT_RETENTION
        - timedelta(minutes=1)
    )
    assert kind.purge() == 1
    assert list(kind.model.objects.all()) == [fresh]  # the recent one is kept
    # Its confirmation then says so, without a 500 and without importing.
    response = confirm(pro, kind, cast.company_a)
    assert response.status_code == 302
    page = text(follow(pro, response))
    assert "L'aperçu a expiré : envoyez à nouveau le fichier." in page
    assert kind.key.format(cast.company_a.pk) not in pro.session
    assert not Invoice.objects.exists()
    assert not ServiceSession.objects.exists()


@KINDS
def test_a_draft_past_the_retention_but_not_yet_purged_is_expired(pro, cast, kind, settings):
    upload(pro, kind, cast.company_a, kind.file("D-1"))
    later = settings.INVOICE_IMPORT_RETENTION + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        page = text(follow(pro, confirm(pro, kind, cast.company_a)))
        columns = pro.get(reverse(kind.url, args=[cast.company_a.pk]), {"step": "review"})
    assert "L'aperçu a expiré" in page
    assert columns.status_code == 302
    assert kind.model.objects.get().status == "draft"  # the purge deletes it
    assert not Invoice.objects.exists()
    assert not ServiceSession.objects.exists()


@KINDS
def test_a_confirmed_preview_cannot_queue_twice(pro, cast, kind):
    upload(pro, kind, cast.company_a, kind.file("D-1"))
    session = pro.session
    key = kind.key.format(cast.company_a.pk)
    draft_id = session[key]
    follow(pro, confirm(pro, kind, cast.company_a))
    session = pro.session
    session[key] = draft_id  # a second tab, or the back button
    session.save()
    page = text(follow(pro, confirm(pro, kind, cast.company_a)))
    assert "L'aperçu a expiré" in page
    assert kind.model.objects.count() == 1
    assert kind.model.objects.get().created_count == 1


@KINDS
def test_another_company_s_draft_is_a_404(pro, cast, kind):
    theirs = kind.model.objects.create(
        company=cast.company_b, status="draft", content=json.dumps({"sheet": {}, "columns": {}})
    )
    session = pro.session
    session[kind.key.format(cast.company_a.pk)] = theirs.pk
    session.save()
    assert confirm(pro, kind, cast.company_a).status_code == 404
    url = reverse(kind.url, args=[cast.company_a.pk])
    assert pro.get(url, {"step": "review"}).status_code == 404
    assert kind.model.objects.get().status == "draft"


@KINDS
def test_a_draft_has_no_job_page(pro, cast, kind):
    upload(pro, kind, cast.company_a, kind.file("D-1"))
    draft = kind.model.objects.get()
    assert pro.get(reverse(kind.job_url, args=[cast.company_a.pk, draft.pk])).status_code == 404


@KINDS
def test_the_sweeper_leaves_drafts_alone(pro, cast, kind):
    upload(pro, kind, cast.company_a, kind.file("D-1"))
    with time_machine.travel(timedelta(hours=1), tick=False):
        sweep = (
            invoice_services.invoice_imports_sweep
            if kind is INVOICES
            else session_services.session_imports_sweep
        )
        assert sweep().requeued == []
    assert kind.model.objects.get().status == "draft"


@KINDS
def test_a_session_from_before_drafts_is_an_expired_preview(pro, cast, kind):
    session = pro.session
    session[kind.key.format(cast.company_a.pk)] = {"sheet": {"rows": []}, "columns": {}}
    session.save()
    assert "L'aperçu a expiré" in text(follow(pro, confirm(pro, kind, cast.company_a)))


# --- References repeated in one file, rows already imported ---------------------------


def test_a_session_reference_twice_in_a_file_is_a_line_numbered_error(pro, cast):
    page = text(upload(pro, SESSIONS, cast.company_a, SESSIONS.file("D-1", "D-2", "D-1")))
    assert "ligne 4 : référence D-1 déjà utilisée à la ligne 2 du fichier" in page
    assert "déjà importée" not in page
    assert 'value="confirm"' not in page


def test_an_invoice_number_twice_in_a_file_is_a_line_numbered_error(pro, cast):
    page = text(upload(pro, INVOICES, cast.company_a, INVOICES.file("F-1", "F-1")))
    assert "ligne 3 : numéro de facture F-1 déjà utilisé à la ligne 2 du fichier" in page
    assert "déjà enregistrée" not in page
    assert 'value="confirm"' not in page


def test_the_same_session_twice_without_references_is_an_error(pro, cast):
    content = b"Date;Nom\n03/04/2026;Luc Petit\n03/04/2026;Luc Petit\n04/04/2026;Luc Petit\n"
    page = text(upload(pro, SESSIONS, cast.company_a, content))
    assert "ligne 3 : même date, même client et même statut qu'à la ligne 2" in page
    assert "auto-" not in page


def test_sessions_already_imported_are_listed_by_line(pro, cast):
    content = b"Date;Nom\n03/04/2026;Luc Petit\n04/04/2026;Luc Petit\n"
    upload(pro, SESSIONS, cast.company_a, content)
    follow(pro, confirm(pro, SESSIONS, cast.company_a))
    again = content + b"05/04/2026;Luc Petit\n"
    page = text(upload(pro, SESSIONS, cast.company_a, again))
    assert "2 déjà importées, ignorées : lignes 2, 3" in page
    assert "auto-" not in page  # no digest shown
    done = text(follow(pro, confirm(pro, SESSIONS, cast.company_a)))
    assert "1 prestation importée. 2 déjà importées, ignorées." in done
    assert SessionImport.objects.latest("pk").skipped == [2, 3]


def test_invoices_already_registered_are_listed_by_line(pro, cast):
    upload(pro, INVOICES, cast.company_a, INVOICES.file("F-1"))
    follow(pro, confirm(pro, INVOICES, cast.company_a))
    page = text(upload(pro, INVOICES, cast.company_a, INVOICES.file("F-2", "F-1")))
    assert "1 déjà enregistrée, ignorée : ligne 3" in page


def test_client_absent_imports_as_a_no_show(pro, cast):
    page = text(upload(pro, SESSIONS, cast.company_a, SESSIONS.file("S-1", "S-2")))
    assert "statut inconnu" not in page
    follow(pro, confirm(pro, SESSIONS, cast.company_a))
    statuses = dict(ServiceSession.objects.values_list("reference", "status"))
    assert statuses == {"S-1": "completed", "S-2": "no_show"}


# --- The choice of columns -------------------------------------------------------------


@KINDS
def test_many_lines_refused_offer_the_choice_of_columns_first(pro, cast, kind):
    # Date and client columns swapped by a header of the pro's own tool.
    bad = kind.header.replace("Date", "Jour").replace("Client", "Date").replace("Jour", "Client")
    if kind is INVOICES:
        bad = "N° facture;Nom du client;Montant TTC;Date;Société;Courriel;Téléphone"
    page = text(upload(pro, kind, cast.company_a, kind.file("A", "B", "C", "D", header=bad)))
    assert "les colonnes utilisées ne sont peut-être pas les bonnes" in page
    assert 'class="button" href="?step=review">Choisir d\'autres colonnes</a>' in page


@KINDS
def test_a_few_lines_refused_ask_to_correct_them(pro, cast, kind):
    content = kind.file("A", "B", "C", "D").replace(b"03/04/2026", b"31/02/2026", 1)
    page = text(upload(pro, kind, cast.company_a, content))
    assert "Rien n'a été importé. Corrigez ces lignes et envoyez à nouveau le fichier" in page
    assert "peut-être pas les bonnes" not in page
    assert "Une colonne mal lue ? Choisir d'autres colonnes" in page


def test_the_session_import_remembers_the_columns_chosen_per_header(pro, cast, client):
    content = b"Quand;Qui;Combien\n03/04/2026;Luc Petit;45\n"
    page = text(upload(pro, SESSIONS, cast.company_a, content))
    assert "Quelle colonne contient quoi ?" in page
    url = reverse(SESSIONS.url, args=[cast.company_a.pk])
    page = text(pro.post(url, {"step": "columns", "date": "0", "client_name": "1", "amount": "2"}))
    assert "1 prestation prête à importer." in page
    mapping = SessionColumnMapping.objects.get()
    assert (mapping.company, mapping.columns) == (
        cast.company_a,
        {"date": 0, "client_name": 1, "amount": 2},
    )
    # The next file with this header goes straight to the preview.
    page = text(upload(pro, SESSIONS, cast.company_a, content.replace(b"03/04", b"05/04")))
    assert "1 prestation prête à importer." in page
    assert "Quelle colonne contient quoi ?" not in page
    # Another company's pro is asked again.
    client.force_login(cast.owner_b)
    assert "Quelle colonne contient quoi ?" in text(
        upload(client, SESSIONS, cast.company_b, content)
    )


def test_a_remembered_choice_that_no_longer_fits_is_not_used(pro, cast):
    SessionColumnMapping.objects.create(
        company=cast.company_a,
        signature=session_services.Sheet(header=("Quand", "Qui"), rows=(), blank=0).signature,
        columns={"date": 0, "client_name": 7},
    )
    page = text(upload(pro, SESSIONS, cast.company_a, b"Quand;Qui\n03/04/2026;Luc Petit\n"))
    assert "Quelle colonne contient quoi ?" in page


# --- The job's pages ----------------------------------------------------------------


def test_the_session_import_s_done_page_says_the_score_is_recomputed_tonight(pro, cast):
    upload(pro, SESSIONS, cast.company_a, SESSIONS.file("S-1"))
    page = text(follow(pro, confirm(pro, SESSIONS, cast.company_a)))
    assert "Votre score de fidélité sera recalculé cette nuit." in page


@KINDS
def test_a_failed_job_offers_to_import_the_file_again(pro, cast, kind):
    job = kind.model.objects.create(
        company=cast.company_a, status="failed", errors=["Rien n'a été importé."], total=3
    )
    page = text(pro.get(reverse(kind.job_url, args=[cast.company_a.pk, job.pk])))
    upload_url = reverse(kind.url, args=[cast.company_a.pk])
    assert f'<a class="button" href="{upload_url}">Importer à nouveau le fichier</a>' in page


@KINDS
def test_a_done_job_offers_no_retry(pro, cast, kind):
    job = kind.model.objects.create(company=cast.company_a, status="done", total=1)
    page = text(pro.get(reverse(kind.job_url, args=[cast.company_a.pk, job.pk])))
    assert "Importer à nouveau le fichier" not in page


@KINDS
def test_numbers_are_grouped_by_thousands(pro, cast, kind):
    job = kind.model.objects.create(
        company=cast.company_a, status="done", total=20000, created_count=20000
    )
    page = text(pro.get(reverse(kind.job_url, args=[cast.company_a.pk, job.pk])))
    assert "20\xa0000 / 20\xa0000" in page
    assert 'value="20000" max="20000"' in page  # the progress bar's own numbers


def test_a_preview_groups_its_counts(pro, cast):
    refs = [f"S-{n}" for n in range(1200)]
    page = text(upload(pro, SESSIONS, cast.company_a, SESSIONS.file(*refs)))
    assert "1\xa0200 prestations prêtes à importer." in page
    assert "Au plus 20\xa0000 prestations par fichier." in page
