"""The preview of a big prospects file in the worker (issue 15): above
``PROSPECT_IMPORT_SYNC_MAX_ROWS`` lines the check of every line (errors,
duplicates) is a worker's job and the import page shows its progress,
then the preview; a smaller file's preview stays in the request. Eager
Celery (the embedded default) runs it on commit; a broker down leaves it
pending for the sweeper, nothing lost; a worker's crash or a file in
error gives a clear page, never a 500."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from celery.app.task import Task
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from prospects import imports, tasks
from prospects.models import Pipeline, Prospect, ProspectImport

pytestmark = pytest.mark.django_db

HEADER = "Nom;Entreprise;Ville;Code postal;E-mail;Téléphone\n"
BIG = 12  # lines of a "big" file here: the threshold is lowered to 10


def rows(count: int, start: int = 0, postal_code: str = "69002") -> str:
    return "".join(
        f"Prospect {n};Entreprise {n};Commune {n};{postal_code};p{n}@example.org;"
        f"06 12 {n // 100 % 100:02d} {n % 100:02d} 00\n"
        for n in range(start, start + count)
    )


@pytest.fixture(autouse=True)
def threshold(settings):
    settings.PROSPECT_IMPORT_SYNC_MAX_ROWS = 10


URL = reverse("prospects:staff-prospects-import")


@contextmanager
def broker_down():
    """Redis stopped: every publish fails as kombu reports it."""
    error = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with mock.patch.object(Task, "apply_async", side_effect=error):
        yield


def upload(client, content: str, *, run: bool = True, url: str = URL):
    """Upload a file; with ``run`` the on-commit callbacks run (eager
    Celery: the worker's check runs then, in process)."""
    data = {"file": SimpleUploadedFile("p.csv", content.encode())}
    if not run:
        return client.post(url, data)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data)


def confirm(client, **data):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(URL, {"step": "confirm", **data})


def draft() -> ProspectImport:
    return ProspectImport.objects.get(status=ProspectImport.Status.DRAFT)


def sweep(after=timedelta(minutes=2)):
    """The beat's sweeper, run ``after`` from now (the broker is back;
    eager: what it sends runs at once)."""
    with time_machine.travel(timezone.now() + after, tick=False):
        return tasks.sweep_prospect_imports()


# --- Which path -------------------------------------------------------------------------------


def test_the_threshold_is_a_setting_of_2000_lines_by_default():
    from django.conf import settings as django_settings

    from config.settings import base

    assert base.PROSPECT_IMPORT_SYNC_MAX_ROWS == 2000
    assert django_settings.PROSPECT_IMPORT_SYNC_MAX_ROWS == 10  # this module's


def test_a_small_file_is_previewed_in_the_request(sales):
    response = upload(sales, HEADER + rows(10), run=False)
    assert response.status_code == 200
    page = response.content.decode()
    assert "10 nouveaux prospects à créer" in page
    assert draft().preview_status == ""


def test_a_big_file_is_checked_by_the_worker_then_previewed_and_imported(sales, make):
    make(pipeline=Pipeline.PLATFORM, name="Déjà Là", email="p3@example.org", force=True)
    response = upload(sales, HEADER + rows(BIG))
    assert response.status_code == 302
    assert response.url == URL
    job = draft()
    assert (job.preview_status, job.total) == ("ready", BIG)
    assert job.preview["new_count"] == BIG - 1
    assert job.preview["duplicate_lines"] == [5]  # line 5 of the file: p3

    page = sales.get(URL).content.decode()
    assert "11 nouveaux prospects à créer" in page
    assert "1 doublon possible" in page
    assert "Déjà Là" in page
    assert "même e-mail" in page
    assert "Prospect 0" in page  # the first new lines, as they will be created
    assert sales.get(URL + "?format=json").json()["status"] == "ended"

    response = confirm(sales, force=["5"])
    job.refresh_from_db()
    assert response.url == reverse("prospects:staff-prospects-import-job", args=[job.pk])
    assert (job.status, job.created_count, job.skipped) == ("done", BIG, [])
    assert Prospect.objects.filter(email_key="p3@example.org").count() == 2


def test_a_big_files_duplicates_are_skipped_unless_chosen(sales, make):
    make(pipeline=Pipeline.PLATFORM, name="Déjà Là", email="p3@example.org", force=True)
    upload(sales, HEADER + rows(BIG))
    confirm(sales, force=["99", "x"])
    job = ProspectImport.objects.get()
    assert (job.status, job.created_count, job.skipped) == ("done", BIG - 1, [5])


def test_a_big_file_of_duplicates_only_queues_nothing(sales, make):
    upload(sales, HEADER + rows(BIG))
    confirm(sales)
    upload(sales, HEADER + rows(BIG))
    response = confirm(sales)
    assert response.url == URL
    assert Prospect.objects.count() == BIG
    assert ProspectImport.objects.count() == 1


def test_the_page_shows_the_progress_while_the_worker_checks(sales):
    upload(sales, HEADER + rows(BIG), run=False)  # queued, no worker yet
    job = draft()
    assert job.preview_status == "pending"
    response = sales.get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="queued"' in page
    assert "12 lignes sont en cours de vérification" in page
    assert sales.get(URL + "?format=json").json() == {
        "status": "queued",
        "done": 0,
        "total": BIG,
        "label": "En attente d'un traitement",
    }
    # Confirming now queues nothing: the page says where the check stands.
    assert confirm(sales).url == URL
    assert draft().status == ProspectImport.Status.DRAFT
    # The worker runs (the message arrives).
    assert tasks.check_prospect_import.apply(args=(job.pk,)).get() is True
    assert "12 nouveaux prospects à créer" in sales.get(URL).content.decode()


def test_columns_chosen_for_a_big_file_are_checked_by_the_worker(sales):
    content = "Colonne A;Colonne B\n" + "".join(f"Nom {n};Lyon\n" for n in range(BIG))
    response = upload(sales, content)
    assert response.status_code == 200  # the columns to choose
    assert draft().preview_status == ""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = sales.post(URL, {"step": "columns", "name": "0", "town": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert draft().preview_status == "ready"
    page = sales.get(URL).content.decode()
    # "Nom 10" and "Nom 1" differ by their number: branches, not duplicates.
    assert f"{BIG} nouveaux prospects à créer" in page
    assert not re.search(r"\d+ doublons? possibles?", page)


# --- Faults: clear pages, nothing lost -------------------------------------------------------


def test_a_big_file_with_errors_lists_them_on_its_page(sales):
    upload(sales, HEADER + rows(BIG, postal_code="6900") + "Sans code;;;ABC;;\n")
    job = draft()
    assert job.preview_status == "ready"
    response = sales.get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    assert "a été importé" in page
    assert "ligne 14" in page
    assert "5 chiffres" in page
    # Confirming it queues nothing.
    assert confirm(sales).url == URL
    assert not Prospect.objects.exists()
    assert draft().status == ProspectImport.Status.DRAFT


def test_a_crash_of_the_check_is_a_clear_page(sales, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(imports, "prospects_check", broken)
    response = upload(sales, HEADER + rows(BIG))  # the task's error is logged, not raised
    assert response.status_code == 302
    job = draft()
    assert job.preview_status == "failed"
    assert job.leased_until is None
    response = sales.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "La vérification du fichier s&#x27;est arrêtée" in page
    assert 'data-status="ended"' in page
    assert confirm(sales).url == URL
    assert not Prospect.objects.exists()
    # Uploading the file again starts over.
    monkeypatch.undo()
    upload(sales, HEADER + rows(BIG))
    assert draft().preview_status == "ready"


def test_the_broker_down_leaves_the_check_pending_for_the_sweeper(sales):
    with broker_down():
        response = upload(sales, HEADER + rows(BIG))
    assert response.status_code == 302  # not a 500
    job = draft()
    assert job.preview_status == "pending"
    assert 'data-status="queued"' in sales.get(URL).content.decode()
    assert tasks.sweep_prospect_imports()["previews"] == 0  # not yet: within its patience
    assert sweep()["previews"] == 1  # sent again, run eagerly
    job.refresh_from_db()
    assert job.preview_status == "ready"
    assert sweep(timedelta(minutes=5))["previews"] == 0
    confirm(sales)
    assert Prospect.objects.count() == BIG


def test_a_worker_that_died_is_replaced_then_the_check_fails_after_three_attempts(
    sales, monkeypatch
):
    upload(sales, HEADER + rows(BIG), run=False)
    job = draft()
    # Three workers claim it and die (their lease runs out).
    for attempt in range(1, 4):
        assert imports.lease_claim(
            ProspectImport,
            pk=job.pk,
            owner=f"dead-{attempt}",
            duration=timedelta(minutes=2),
            claimable=imports.Q(preview_status="pending"),
            max_attempts=3,
            preview_status="running",
        )
        with mock.patch.object(tasks.check_prospect_import, "apply_async"):
            report = sweep(timedelta(minutes=3 * attempt))
        job.refresh_from_db()
        if attempt < 3:
            assert report["previews"] >= 1
            assert job.preview_status == "pending"
    assert job.preview_status == "failed"
    assert job.preview["errors"]
    page = sales.get(URL).content.decode()
    assert "vérification du fichier" in page


def test_a_message_delivered_twice_checks_once(sales, monkeypatch):
    upload(sales, HEADER + rows(BIG), run=False)
    job = draft()
    assert imports.prospect_import_preview_run(draft_id=job.pk, owner="one")
    calls = []
    monkeypatch.setattr(imports, "prospects_check", lambda **kwargs: calls.append(1))
    assert not imports.prospect_import_preview_run(draft_id=job.pk, owner="two")
    assert calls == []
    job.refresh_from_db()
    assert (job.preview_status, job.attempts, job.lease_owner) == ("ready", 0, "")


def test_a_new_upload_replaces_a_preview_being_checked(sales):
    upload(sales, HEADER + rows(BIG), run=False)
    first = draft()
    upload(sales, HEADER + rows(3))
    assert not ProspectImport.objects.filter(pk=first.pk).exists()
    assert draft().preview_status == ""


def test_another_pipelines_people_do_not_see_the_check(client, cast, sales):
    upload(sales, HEADER + rows(BIG), run=False)
    client.force_login(cast.owner_a)
    response = client.get(reverse("prospects:pro-prospects-import", args=[cast.company_a.pk]))
    assert response.status_code == 200
    assert "en cours de vérification" not in response.content.decode()
