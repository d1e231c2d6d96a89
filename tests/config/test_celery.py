from __future__ import annotations

import pytest
from django.conf import settings

from config.celery import app
from directory.models import Profession
from directory.taxonomy.tasks import refresh_profession_counts
from tests.factories import CompanyFactory


def test_every_scheduled_job_names_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
        assert entry["options"]["expires"] > 0


def test_tasks_can_be_queued_on_commit():
    assert hasattr(refresh_profession_counts, "delay_on_commit")


@pytest.mark.django_db
def test_refresh_profession_counts_counts_listed_companies_only(taxonomy, places):
    electricien = taxonomy["electricien"]
    CompanyFactory.create_batch(3, primary_profession=electricien)
    CompanyFactory(primary_profession=electricien, status="suspended")
    CompanyFactory(primary_profession=taxonomy["plombier"], other_professions=[electricien])
    assert refresh_profession_counts.delay().get() == Profession.objects.count()
    electricien.refresh_from_db()
    assert electricien.listed_company_count == 4


def test_a_swollen_worker_process_is_replaced():
    # Celery replaces a pool process over this many KiB after its task.
    assert 0 < settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD <= 1_000_000
    assert app.conf.worker_max_memory_per_child == settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD
