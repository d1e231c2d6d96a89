"""The prospect import's confirmation and worker (issue 15): duplicates
skipped unless chosen, everything created or nothing, each prospect's
creation in its history, a rerun changes nothing, the queries bounded
whatever the file's length, and only the pipeline's people see its
pages (another company's job is a 404)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prospects import imports, tasks
from prospects.models import Interaction, Pipeline, Prospect, ProspectEvent, ProspectImport, Stage
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.django_db


@pytest.fixture
def pro(client, cast):
    client.force_login(cast.owner_a)
    return client


def platform_url() -> str:
    return reverse("prospects:staff-prospects-import")


def company_url(company) -> str:
    return reverse("prospects:pro-prospects-import", args=[company.pk])


def upload(client, url: str, content: str):
    return client.post(url, {"file": SimpleUploadedFile("p.csv", content.encode())})


def confirm(client, url: str, **data):
    """Confirm the preview; the worker runs in-process on commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, {"step": "confirm", **data})


def rows(count: int, start: int = 0) -> str:
    return "".join(
        f"Prospect {n};Entreprise {n};Commune {n};p{n}@example.org;06 {n // 10000 % 100:02d} "
        f"{n // 100 % 100:02d} {n % 100:02d} 00;1 000;Salon;note {n}\n"
        for n in range(start, start + count)
    )


HEADER = "Nom;Entreprise;Ville;E-mail;Téléphone;Budget;Source;Note\n"


def test_confirming_creates_the_new_prospects_with_their_history_and_skips_duplicates(
    sales, sales_user, make
):
    known = make(pipeline=Pipeline.PLATFORM, name="Déjà Là", email="p1@example.org")
    upload(sales, platform_url(), HEADER + rows(3))
    assert Prospect.objects.count() == 1  # nothing before the confirmation
    response = confirm(sales, platform_url())
    job = ProspectImport.objects.get()
    assert response.url == reverse("prospects:staff-prospects-import-job", args=[job.pk])
    assert (job.status, job.created_count, job.skipped, job.content) == ("done", 2, [3], "")
    created = Prospect.objects.exclude(pk=known.pk).order_by("name")
    assert [p.name for p in created] == ["Prospect 0", "Prospect 2"]
    for prospect in created:
        assert prospect.stage == Stage.SUSPECT  # the platform's default
        assert prospect.source == "import"
        assert prospect.owner == sales_user
        (event,) = prospect.events.all()
        assert (event.actor, event.from_status, event.to_status) == (sales_user, "", "suspect")
        assert (event.origin, event.origin_ref, event.reason) == ("import", str(job.pk), "Salon")
        assert event.created_at == prospect.stage_since
        (note,) = prospect.interactions.all()
        assert note.kind == Interaction.Kind.NOTE
        assert note.outcome.startswith("note ")
    page = sales.get(response.url)
    assert "2 prospects importés. 1 doublon possible ignoré." in page.content.decode()


def test_a_duplicate_ticked_is_created_anyway_and_create_all_takes_them_all(pro, cast, make):
    make(name="Prospect 0", email="p0@example.org")
    make(name="Prospect 1", email="p1@example.org")
    upload(pro, company_url(cast.company_a), HEADER + rows(3))
    confirm(pro, company_url(cast.company_a), force=["2", "99", "x"])
    job = ProspectImport.objects.get()
    assert (job.created_count, job.skipped) == (2, [3])
    assert Prospect.objects.filter(email_key="p0@example.org").count() == 2
    assert Prospect.objects.get(email_key="p2@example.org").stage == Stage.WARM
    upload(pro, company_url(cast.company_a), HEADER + rows(3))
    confirm(pro, company_url(cast.company_a), force_all="1")
    assert ProspectImport.objects.order_by("-pk").first().created_count == 3


def test_a_file_of_duplicates_only_queues_nothing(sales, make):
    make(pipeline=Pipeline.PLATFORM, name="Prospect 0", email="p0@example.org")
    upload(sales, platform_url(), HEADER + rows(1))
    response = confirm(sales, platform_url())
    assert response.url == platform_url()
    assert not ProspectImport.objects.exists()
    assert Prospect.objects.count() == 1


def test_a_prospect_created_between_preview_and_worker_is_skipped(sales, make):
    upload(sales, platform_url(), HEADER + rows(2))
    make(pipeline=Pipeline.PLATFORM, name="Quelqu'un", email="p1@example.org")
    confirm(sales, platform_url())
    job = ProspectImport.objects.get()
    assert (job.created_count, job.skipped) == (1, [3])


def test_the_worker_creates_everything_or_nothing_and_a_rerun_changes_nothing(sales, monkeypatch):
    upload(sales, platform_url(), HEADER + rows(1200))
    real = imports.Interaction.objects.bulk_create
    calls = []

    def fail_on_the_second_batch(objs, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(objs, *args, **kwargs)

    monkeypatch.setattr(imports.Interaction.objects, "bulk_create", fail_on_the_second_batch)
    confirm(sales, platform_url())
    job = ProspectImport.objects.get()
    assert (job.status, job.content, job.created_count) == ("failed", "", 0)
    assert job.errors == [str(imports.CRASHED)]
    assert not Prospect.objects.exists()
    assert not ProspectEvent.objects.exists()
    # The same message delivered again: the job is no longer queued.
    monkeypatch.undo()
    assert tasks.run_prospect_import.apply(args=(job.pk,)).get() is False
    assert not Prospect.objects.exists()


def test_a_message_delivered_twice_imports_once(sales):
    upload(sales, platform_url(), HEADER + rows(5))
    confirm(sales, platform_url())
    job = ProspectImport.objects.get()
    assert tasks.run_prospect_import.apply(args=(job.pk,)).get() is False
    assert Prospect.objects.count() == 5
    assert ProspectEvent.objects.count() == 5


def test_importing_the_same_file_twice_creates_nothing_the_second_time(sales):
    for _ in range(2):
        upload(sales, platform_url(), HEADER + rows(4))
        confirm(sales, platform_url())
    assert Prospect.objects.count() == 4


def _run(job_id: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert imports.prospect_import_run(job_id=job_id, owner="worker")
    return len(queries)


def test_the_worker_queries_are_bounded_by_batches_not_rows(sales_user, make):
    make(pipeline=Pipeline.PLATFORM, name="Prospect 7", email="p7@example.org", town="Commune 7")
    counts = []
    for size in (100, 1000):
        Prospect.objects.filter(source="import").delete()
        sheet = imports.prospect_sheet_read(content=(HEADER + rows(size, start=10)).encode())
        columns = imports.prospect_columns_for(company=None, sheet=sheet)
        draft = imports.prospect_import_draft_create(
            pipeline=Pipeline.PLATFORM, company=None, actor=sales_user, sheet=sheet, columns=columns
        )
        assert imports.prospect_import_draft_queue(draft=draft, force=set(), total=size)
        counts.append(_run(draft.pk))
        assert Prospect.objects.filter(source="import").count() == size
    # One batch more (two duplicate look-ups, three inserts) and no query
    # per row. SQLite splits each INSERT by its 999 parameters (38
    # prospects a statement): still per batch of rows, not per row.
    more = counts[1] - counts[0]
    split = sum(_sqlite_statements(model, 500) for model in (Prospect, ProspectEvent, Interaction))
    assert more <= (5 if ON_POSTGRES else 5 + 2 * split), counts


def _sqlite_statements(model, rows: int) -> int:
    """INSERT statements of ``rows`` rows of ``model`` on SQLite, whose 999
    parameters make Django split a bulk insert (one per column but the id)."""
    per_statement = 999 // (len(model._meta.concrete_fields) - 1)
    return -(-rows // per_statement)


# --- Who may import where ------------------------------------------------------------


@pytest.mark.parametrize("who", [None, "consumer", "staff", "owner_a"])
def test_only_sales_staff_reach_the_platform_import(client, cast, who):
    if who:
        client.force_login(getattr(cast, who))
    response = client.get(platform_url())
    assert response.status_code in (302, 403)
    if who:
        assert response.status_code == 403


def test_sales_staff_reach_the_platform_import(sales):
    assert sales.get(platform_url()).status_code == 200
    assert sales.get(reverse("prospects:staff-prospects-import-template-csv")).status_code == 200


@pytest.mark.parametrize("who", ["owner_b", "consumer"])
def test_another_company_or_a_consumer_gets_a_404(client, cast, who):
    client.force_login(getattr(cast, who))
    assert client.get(company_url(cast.company_a)).status_code == 404
    url = reverse("prospects:pro-prospects-import-template-xlsx", args=[cast.company_a.pk])
    assert client.get(url).status_code == 404


def test_sales_staff_do_not_reach_a_company_import(sales, cast):
    assert sales.get(company_url(cast.company_a)).status_code == 404


def test_another_pipelines_job_is_a_404(client, cast, sales_user):
    client.force_login(cast.member_a)
    upload(client, company_url(cast.company_a), HEADER + rows(2))
    confirm(client, company_url(cast.company_a))
    job = ProspectImport.objects.get()
    own = reverse("prospects:pro-prospects-import-job", args=[cast.company_a.pk, job.pk])
    assert client.get(own).status_code == 200
    assert client.get(own, {"format": "json"}).json()["status"] == "done"
    client.force_login(cast.owner_b)
    assert client.get(own).status_code == 404
    other = reverse("prospects:pro-prospects-import-job", args=[cast.company_b.pk, job.pk])
    assert client.get(other).status_code == 404
    client.force_login(sales_user)
    assert (
        client.get(reverse("prospects:staff-prospects-import-job", args=[job.pk])).status_code
        == 404
    )


def test_another_companys_draft_is_a_404_and_a_forged_session_is_harmless(client, cast):
    client.force_login(cast.owner_b)
    upload(client, company_url(cast.company_b), HEADER + rows(1))
    draft = ProspectImport.objects.get()
    client.force_login(cast.owner_a)
    session = client.session
    session[f"prospect_import:{cast.company_a.pk}"] = draft.pk
    session.save()
    assert client.post(company_url(cast.company_a), {"step": "confirm"}).status_code == 404
    session[f"prospect_import:{cast.company_a.pk}"] = "forged"
    session.save()
    response = client.post(company_url(cast.company_a), {"step": "confirm"})
    assert response.status_code == 302  # the preview expired: upload again
    assert not Prospect.objects.exists()


def test_the_sweeper_and_the_purge_are_scheduled():
    from django.conf import settings

    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "prospects.tasks.sweep_prospect_imports",
        "prospects.tasks.purge_prospect_imports",
    } <= tasks_scheduled


def test_an_abandoned_preview_and_an_old_jobs_file_are_purged_after_the_retention(
    sales, sales_user
):
    import time_machine
    from django.conf import settings
    from django.utils import timezone

    upload(sales, platform_url(), HEADER + rows(2))  # a draft, never confirmed
    upload(sales, reverse("prospects:staff-prospects-import"), HEADER + rows(2, start=5))
    confirm(sales, platform_url())
    assert ProspectImport.objects.count() == 1  # the new file replaced the first draft
    upload(sales, platform_url(), HEADER + rows(1, start=9))
    assert tasks.purge_prospect_imports() == 0
    later = timezone.now() + settings.INVOICE_IMPORT_RETENTION + timezone.timedelta(minutes=1)
    with time_machine.travel(later):
        assert tasks.purge_prospect_imports() == 1  # the draft deleted, with its rows
    assert list(ProspectImport.objects.values_list("status", "content")) == [("done", "")]


def test_a_job_whose_message_was_lost_is_sent_again_by_the_sweeper(sales_user):
    import time_machine
    from django.utils import timezone

    sheet = imports.prospect_sheet_read(content=(HEADER + rows(3)).encode())
    columns = imports.prospect_columns_for(company=None, sheet=sheet)
    draft = imports.prospect_import_draft_create(
        pipeline=Pipeline.PLATFORM, company=None, actor=sales_user, sheet=sheet, columns=columns
    )
    assert imports.prospect_import_draft_queue(draft=draft, force=set(), total=3)
    assert tasks.sweep_prospect_imports() == {"requeued": 0, "failed": 0, "previews": 0}
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=11)):
        assert tasks.sweep_prospect_imports() == {"requeued": 1, "failed": 0, "previews": 0}
    draft.refresh_from_db()
    assert (draft.status, draft.created_count) == ("done", 3)
