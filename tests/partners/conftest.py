from __future__ import annotations

import pytest

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
