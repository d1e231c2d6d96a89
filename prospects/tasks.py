"""Background jobs of the pipeline (``CELERY_BEAT_SCHEDULE``). Ids in,
services do the work."""

from __future__ import annotations

from common.jobs import periodic_job

from . import scoring, services


@periodic_job(period="day", soft_time_limit=50 * 60, time_limit=55 * 60)
def anonymise_lost_prospects() -> dict[str, int]:
    # Each row is claimed by its marker (anonymised_at): a rerun finds
    # nothing left to do.
    return {"anonymised": services.prospects_anonymise_lost()}


@periodic_job(period="day", soft_time_limit=20 * 60, time_limit=25 * 60)
def score_prospects() -> dict[str, int]:
    # Only the rows whose score, reasons or model changed are written: a
    # rerun the same night writes nothing (prospects.scoring).
    return scoring.prospects_score().as_dict()


@periodic_job(period="day", soft_time_limit=50 * 60, time_limit=55 * 60)
def send_follow_up_digests() -> dict[str, int]:
    # Each (person, day) is claimed before its e-mail is queued: a rerun,
    # or a second worker, sends nothing twice.
    return services.digests_send()
