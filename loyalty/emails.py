"""E-mails of loyalty, rendered by ``common.mail`` from
``templates/emails/``: ids in, the message queued in the caller's
transaction."""

from __future__ import annotations

from collections.abc import Sequence

from common.mail import queue_templated, site_url
from directory.models import Company

from .models import SessionAudit


def send_session_audits_request(*, company_id: int, session_ids: Sequence[int]) -> None:
    """One message to the company's members for the audits opened on its
    sessions ``session_ids`` in one night: each session's reference and
    date (a session holds no client data), the deadline, and the link to
    the page where they send the invoices."""
    company = Company.objects.get(pk=company_id)
    audits = list(
        SessionAudit.objects.filter(session_id__in=session_ids)
        .select_related("session")
        .order_by("due_at", "session__performed_on", "pk")
    )
    members = list(company.memberships.values_list("user__email", flat=True))
    if members and audits:
        queue_templated(
            "session_audit_request",
            {
                "audits": audits,
                "count": len(audits),
                "due_at": min(audit.due_at for audit in audits),
                "company": company,
                "url": site_url("loyalty:session-audits", company.pk),
            },
            members,
        )
