"""Which column of a sessions file holds which field, and how a status
cell reads: the sessions' :class:`common.tabular.columns.ColumnScheme`.
Pure: no database."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from common.tabular.columns import CLIENT_ALIASES, ColumnScheme
from common.text import normalize

from .models import SessionStatus

FIELDS = {
    "reference": _("Reference"),
    "date": _("Date performed"),
    "client_name": _("Client name"),
    "client_email": _("Client e-mail"),
    "client_phone": _("Client phone"),
    "amount": _("Amount incl. tax"),
    "status": _("Status"),
}
# The date is required; the client is told by any of the three (checked
# per row); without a reference column each row gets one derived from its
# content, so a file imported twice records its sessions once.
REQUIRED = ("date",)
IDENTITY = ("client_email", "client_phone", "client_name")

# The French template's headers come first.
ALIASES: dict[str, tuple[str, ...]] = {
    "reference": (
        "Référence",
        "Réf",
        "N°",
        "Numéro",
        "Identifiant",
        "ID",
        "N° de prestation",
        "N° séance",
        "N° rendez-vous",
        "Reference",
        "Session ID",
        "Booking ID",
    ),
    "date": (
        "Date",
        "Date de la prestation",
        "Date de prestation",
        "Date de la séance",
        "Date séance",
        "Date du rendez-vous",
        "Date rendez-vous",
        "Date RDV",
        "Jour",
        "Réalisée le",
        "Session date",
        "Performed on",
    ),
    "client_name": (*CLIENT_ALIASES["client_name"], "Famille", "Parents"),
    "client_email": CLIENT_ALIASES["client_email"],
    "client_phone": CLIENT_ALIASES["client_phone"],
    "amount": (*CLIENT_ALIASES["amount"], "Prix", "Tarif"),
    "status": (
        "Statut",
        "État",
        "Etat",
        "Réalisée",
        "Status",
    ),
}
SCHEME = ColumnScheme(fields=FIELDS, aliases=ALIASES, required=REQUIRED)

# A status cell, in normal form (``common.text.normalize``: case, accents
# and punctuation folded, so "No-show", "NO SHOW" and "no_show" read alike);
# blank reads "completed": a file lists what was done. The site's own
# labels, in every language, are added below (``_status_of``).
STATUS_WORDS = {
    SessionStatus.COMPLETED: (
        "realisee",
        "realise",
        "realisees",
        "effectuee",
        "effectue",
        "faite",
        "fait",
        "terminee",
        "termine",
        "honoree",
        "honore",
        "present",
        "presente",
        "venu",
        "venue",
        "oui",
        "ok",
        "completed",
        "complete",
        "done",
        "performed",
        "attended",
        "finished",
        "yes",
    ),
    SessionStatus.CANCELLED: (
        "annulee",
        "annule",
        "annulation",
        "annulee par le client",
        "annule par le client",
        "reportee",
        "reporte",
        "cancelled",
        "canceled",
        "cancellation",
        "called off",
    ),
    SessionStatus.NO_SHOW: (
        "absent",
        "absente",
        "absence",
        "client absent",
        "cliente absente",
        "client absente",
        "non venu",
        "non venue",
        "pas venu",
        "pas venue",
        "non present",
        "non presente",
        "non honore",
        "non honoree",
        "rdv non honore",
        "rendez vous non honore",
        "rendez vous manque",
        "rdv manque",
        "manque",
        "manquee",
        "lapin",
        "no show",
        "noshow",
        "no shows",
        "did not show",
        "didn t show",
        "missed",
        "absent client",
    ),
}


@lru_cache(maxsize=1)
def _status_of() -> dict[str, str]:
    """Every word of ``STATUS_WORDS`` and every label of ``SessionStatus``
    in each language of the site ("Client absent", "No-show", "Réalisée"…),
    in normal form, to its status."""
    words: dict[str, str] = {
        normalize(word): str(status) for status, group in STATUS_WORDS.items() for word in group
    }
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for status in SessionStatus:
                words.setdefault(normalize(str(status.label)), status.value)
    return words


def parse_status(text: str) -> str:
    """``"Réalisée"``, ``"annulée"``, ``"Client absent"``, ``"no-show"``,
    blank → a ``SessionStatus`` value, whatever the case and accents;
    raises ``ValueError`` (a message for the pro) for anything else."""
    folded = normalize(text)
    if not folded:
        return SessionStatus.COMPLETED
    status = _status_of().get(folded)
    if status is not None:
        return str(status)
    raise ValueError(
        _("unknown status (%(value)s): write réalisée, annulée or client absent")
        % {"value": text[:30]}
    )
