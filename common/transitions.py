"""State machines of status fields: which change is allowed, and by whom.

Each status field of the platform (applications, companies, reviews,
audits, quote requests) declares its transitions in one table next to its
model, and changes only through one service function that checks the
table here and records a write-once event (who, when, from, to, why).

    QUOTE_TRANSITIONS = Transitions(QuoteStatus, {
        (QuoteStatus.UNCONFIRMED, QuoteStatus.NEW): {"requester"},
        ...
    })
    QUOTE_TRANSITIONS.check(quote.status, QuoteStatus.NEW, by="requester")

Errors: :class:`TransitionError` (a ``ValidationError``, so forms and
views show its message) for a change the table does not hold; code
``unchanged`` when the field already has that status (a decision sent
twice), ``transition`` otherwise.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _


class TransitionError(ValidationError):
    """A status change the transitions table does not allow."""


@dataclass(frozen=True)
class Transitions:
    """The allowed changes of one status field: ``(from, to)`` → the roles
    that may make it (``"system"`` for jobs and automatic rules). ``from``
    is ``""`` for the status a row is created with."""

    choices: type[models.TextChoices]
    allowed: Mapping[tuple[str, str], Collection[str]]
    # The refusal, with %(from)s and %(to)s (labels); lazy, translated when shown.
    message: str | Promise = ""

    def allows(self, from_status: str, to_status: str, *, by: str) -> bool:
        return by in self.allowed.get((from_status, to_status), ())

    def check(self, from_status: str, to_status: str, *, by: str) -> None:
        """Raise :class:`TransitionError` unless ``by`` may move the field
        from ``from_status`` to ``to_status``."""
        if not self.allows(from_status, to_status, by=by):
            if from_status == to_status:
                # A double click, a second tab, the back button: the change
                # is already made; say so rather than "cannot go from X to X".
                raise TransitionError(
                    _("The status is already “%(status)s”: nothing was changed.")
                    % {"status": self.label(to_status)},
                    code="unchanged",
                )
            message = self.message or _(
                "The status cannot go from “%(from)s” to “%(to)s” this way."
            )
            raise TransitionError(
                str(message) % {"from": self.label(from_status), "to": self.label(to_status)},
                code="transition",
            )

    def label(self, status: str) -> str:
        """The status's label; ``""`` (a row being created) reads "new"."""
        if not status:
            return _("new")
        try:
            return str(self.choices(status).label)
        except ValueError:
            return status

    def targets(self, from_status: str, *, by: str) -> list[str]:
        """The statuses ``by`` may move the field to from ``from_status``."""
        return [
            to
            for (start, to), roles in self.allowed.items()
            if start == from_status and by in roles
        ]
