"""Sessions, their audits and strikes are shown in the admin, never
written there: they move only through loyalty's services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from loyalty.models import ServiceSession, SessionAudit, SessionStrike
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [ServiceSession, SessionAudit, SessionStrike])
def test_a_superuser_sees_the_list_but_cannot_add(client, model):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    name = f"admin:loyalty_{model._meta.model_name}"
    assert client.get(reverse(f"{name}_changelist")).status_code == 200
    assert client.get(reverse(f"{name}_add")).status_code == 403
