"""Which column of a sessions file holds which field, and how a status
cell reads: the sessions' :class:`common.tabular.columns.ColumnScheme`.
Pure: no database."""

from __future__ import annotations

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

# A status cell, in normal form (``common.text.normalize``); blank reads
# "completed": a file lists what was done.
STATUS_WORDS = {
    SessionStatus.COMPLETED: (
        "realisee",
        "realise",
        "effectuee",
        "effectue",
        "faite",
        "fait",
        "terminee",
        "termine",
        "oui",
        "ok",
        "completed",
        "done",
    ),
    SessionStatus.CANCELLED: ("annulee", "annule", "annulation", "cancelled", "canceled"),
    SessionStatus.NO_SHOW: (
        "absent",
        "absente",
        "absence",
        "non venu",
        "non venue",
        "lapin",
        "no show",
        "noshow",
    ),
}
_STATUS_OF = {word: status for status, words in STATUS_WORDS.items() for word in words}


def parse_status(text: str) -> str:
    """``"Réalisée"``, ``"annulée"``, ``"absent"``, ``"no-show"``, blank →
    a ``SessionStatus`` value; raises ``ValueError`` (a message for the pro)
    for anything else."""
    folded = normalize(text)
    if not folded:
        return SessionStatus.COMPLETED
    if folded in _STATUS_OF:
        return _STATUS_OF[folded]
    raise ValueError(
        _("unknown status (%(value)s): write réalisée, annulée or absent") % {"value": text[:30]}
    )
