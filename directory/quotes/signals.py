"""What the quote requests tell other apps, which this app does not know.

``quote_request_received`` is sent once a request reaches its company
(sent from a verified account, or confirmed by e-mail), after the
transaction that delivered it commits, with ``quote_request_id``.
Receivers (the company's prospect pipeline, in ``prospects``) re-read the
row; one that fails is logged and does not undo the request (see
``directory.quotes.services._deliver``).
"""

from __future__ import annotations

from django.dispatch import Signal

quote_request_received = Signal()
