"""Applications started from an invitation (issue 15): a link the
platform's sales team sends a company it wants to recruit opens /rejoindre/
with what the team knows of it already filled in.

The sender (``prospects``, which ``eligibility`` never imports) reads its
link, then leaves here, in the visitor's session (server side: nothing of
it travels in a URL), an :class:`Invitation`: the values to offer and an
opaque ``token``. The application steps offer those values as initial
answers, only where the application has none yet (what the applicant typed
always wins), and the first step saved hands the token back through
``services.application_invitation_accept`` (once: the token is then
dropped from the session, the values stay for the next steps).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from django.contrib.sessions.backends.base import SessionBase

from .models import Application

SESSION_KEY = "application_invitation"

# Application fields an invitation may offer, per step (1: identity).
IDENTITY_FIELDS = ("legal_name", "siren", "postal_code", "city", "phone")


@dataclass(frozen=True)
class Invitation:
    """What an invitation offers: identity answers as the applicant would
    type them, the ids of trades (``directory.Profession``), and the
    sender's opaque ``token`` (empty once handed back)."""

    token: str = ""
    legal_name: str = ""
    siren: str = ""
    postal_code: str = ""
    city: str = ""
    phone: str = ""
    profession_ids: tuple[int, ...] = ()


def invitation_remember(session: SessionBase, invitation: Invitation) -> None:
    """Keep ``invitation`` for this visitor (replacing an earlier one)."""
    data = asdict(invitation)
    data["profession_ids"] = list(invitation.profession_ids)
    session[SESSION_KEY] = data


def invitation_in(session: SessionBase) -> Invitation | None:
    """The invitation this visitor opened, or ``None`` (none, or a
    session value of another shape: ignored)."""
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    names = {field.name for field in fields(Invitation)}
    values: dict[str, Any] = {
        name: value for name, value in data.items() if name in names and isinstance(value, str)
    }
    ids = data.get("profession_ids")
    if isinstance(ids, list):
        values["profession_ids"] = tuple(pk for pk in ids if isinstance(pk, int))
    return Invitation(**values)


def invitation_token_take(session: SessionBase) -> str:
    """The invitation's token, removed from the session (its values stay):
    an invitation is handed back once."""
    invitation = invitation_in(session)
    if invitation is None or not invitation.token:
        return ""
    data = asdict(invitation)
    data.update(token="", profession_ids=list(invitation.profession_ids))
    session[SESSION_KEY] = data
    return invitation.token


def invitation_initial(
    invitation: Invitation | None, application: Application, step: int
) -> dict[str, Any]:
    """Initial answers of ``step`` from ``invitation``, for the fields the
    application leaves blank (a ``ModelForm``'s ``initial`` would win over
    the instance's values: never offered over an answer)."""
    if invitation is None:
        return {}
    if step == 1:
        return {
            name: getattr(invitation, name)
            for name in IDENTITY_FIELDS
            if getattr(invitation, name) and not getattr(application, name)
        }
    if step == 2 and invitation.profession_ids:
        if application.pk is not None and application.professions.exists():
            return {}
        return {"professions": list(invitation.profession_ids)}
    return {}
