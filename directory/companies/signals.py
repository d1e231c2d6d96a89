"""Events about companies and their clients that the feature apps send
and receive without importing each other (the layering puts ``reviews``,
``eligibility`` and ``prospects`` side by side, above ``directory``).

Each is sent after the transaction that caused it commits, robustly (a
receiver that fails is logged and undoes nothing), with plain values, so
that a receiver needs none of the sender's models:

``application_moved``
    an application changed status (``eligibility``): ``application_id``,
    ``to_status`` (``submitted``, ``needs_information``, ``approved``,
    ``rejected``), ``siren``, ``legal_name``, ``email`` (the applicant's),
    ``phone``, ``postal_code``, ``city``, ``reason`` (the vetter's note or
    the refusal's reason; may be empty), ``referral_code`` (the code the
    applicant came with, cleaned; may be empty), ``refusal_reason`` (a
    refusal's code, ``eligibility.models.RefusalReason``; empty for other
    moves).

``application_started``
    an applicant saved a step of their application after opening an
    invitation (``eligibility.invitations``): ``application_id``,
    ``invitation`` (the invitation's token, opaque to ``eligibility``:
    the sender of the invitation reads it).

``invoice_registered``
    a company registered an invoice (``reviews``): ``company_id``,
    ``number``, ``client_email``, ``client_phone``.
"""

from __future__ import annotations

from django.dispatch import Signal

application_moved = Signal()
application_started = Signal()
invoice_registered = Signal()
