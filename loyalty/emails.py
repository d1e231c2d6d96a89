"""E-mails of loyalty, rendered by ``common.mail`` from
``templates/emails/``: ids in, the message queued in the caller's
transaction."""

from __future__ import annotations

from common.mail import queue_templated, site_url

from .models import SessionAudit


def send_session_audit_request(audit_id: int) -> None:
    """Ask the company's members for the invoice that covers an audited
    session, with the link to the page where they send it."""
    audit = SessionAudit.objects.select_related("session__company").get(pk=audit_id)
    company = audit.session.company
    members = list(company.memberships.values_list("user__email", flat=True))
    if members:
        queue_templated(
            "session_audit_request",
            {
                "audit": audit,
                "session": audit.session,
                "company": company,
                "url": site_url("loyalty:session-audits", company.pk),
            },
            members,
        )
