"""What other apps tell the pipeline, turned into one service call each.
Connected in ``ProspectsConfig.ready``; the rules live in ``services``."""

from __future__ import annotations

from typing import Any

from . import services


def on_quote_request_received(sender: Any, *, quote_request_id: int, **kwargs: Any) -> None:
    services.prospect_from_quote_request(quote_request_id=quote_request_id)
