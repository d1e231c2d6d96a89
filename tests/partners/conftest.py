from __future__ import annotations

import pytest

# The fixtures of the apps whose events the webhook tests follow.
from tests.eligibility.conftest import applicant, complete_application  # noqa: F401
from tests.loyalty.test_ranking import electricians  # noqa: F401
from tests.reviews.conftest import invited, invoice_fields  # noqa: F401

from .webhook_receiver import receiver_start


@pytest.fixture
def receiver(settings):
    """A partner's endpoint on 127.0.0.1, which the settings of the tests
    allow (``WEBHOOK_ALLOW_PRIVATE_TARGETS``, ``WEBHOOK_ALLOW_HTTP``)."""
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    receiver = receiver_start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()
