"""Abstract models and storage shared by every app: write-once records and
status events, random nonces for signed links, and the private storage of
proof documents."""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WriteOnceModel(models.Model):
    """A record that is written once and never changed: histories and
    decisions. Deleting stays possible with its parent (cascade)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValidationError(_("History entries cannot be edited."))
        super().save(*args, **kwargs)


class StatusEvent(WriteOnceModel):
    """One change of a row's status (see :mod:`common.transitions`): who
    (``actor``; none for the system or someone without an account), when,
    from (``""`` for the status the row was created with), to, and why.
    Concrete events add the foreign key to their row."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]


def new_nonce() -> str:
    return secrets.token_hex(16)


# Proof documents (certifications, later invoices) never sit under a public
# URL: they live outside MEDIA_ROOT and are served by views that check
# who asks.
def private_storage() -> FileSystemStorage:
    # A callable, so migrations name it instead of freezing its location.
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


def private_upload_to(instance: models.Model, filename: str) -> str:
    extension = Path(filename).suffix.lower()
    return f"{instance._meta.model_name}/{uuid.uuid4().hex}{extension}"
