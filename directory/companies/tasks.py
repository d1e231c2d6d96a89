"""The night's last step (``common.nightly``): the companies' search keys
copied onto their trade rows."""

from __future__ import annotations

from common.nightly import StepResult

from .models import CompanyProfession
from .services import company_search_keys_sync


def nightly_search_keys() -> StepResult:
    """The night's step "search-keys": every trade row brought in step with
    its company (the steps before it changed trust scores and listings);
    only the rows whose copy differs are written."""
    changed = company_search_keys_sync()
    return StepResult(read=CompanyProfession.objects.count(), changed=changed)
