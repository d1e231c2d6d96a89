"""What other apps tell the pipeline, turned into one service call each.
Connected in ``ProspectsConfig.ready``; the signals and their values are
described where they are defined (``directory.quotes.signals``,
``directory.companies.signals``); the rules live in ``services``."""

from __future__ import annotations

from typing import Any

from . import application_links, services


def on_quote_request_received(sender: Any, *, quote_request_id: int, **kwargs: Any) -> None:
    services.prospect_from_quote_request(quote_request_id=quote_request_id)


def on_application_moved(
    sender: Any,
    *,
    to_status: str,
    siren: str,
    legal_name: str,
    email: str,
    phone: str,
    postal_code: str,
    city: str,
    reason: str,
    referral_code: str = "",
    application_id: int | None = None,
    refusal_reason: str = "",
    **kwargs: Any,
) -> None:
    services.prospect_from_application(
        to_status=to_status,
        siren=siren,
        legal_name=legal_name,
        email=email,
        phone=phone,
        postal_code=postal_code,
        city=city,
        reason=reason,
        referral_code=referral_code,
        application_id=application_id,
        refusal_reason=refusal_reason,
    )


def on_application_started(
    sender: Any, *, application_id: int, invitation: str, **kwargs: Any
) -> None:
    application_links.application_link_accept(token=invitation, application_id=application_id)


def on_invoice_registered(
    sender: Any,
    *,
    company_id: int,
    number: str,
    client_email: str,
    client_phone: str,
    **kwargs: Any,
) -> None:
    services.prospect_won_by_invoice(
        company_id=company_id, number=number, client_email=client_email, client_phone=client_phone
    )
