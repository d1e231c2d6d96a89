"""Which column of a prospects file holds which field, and how a stage
cell reads: the prospects' :class:`common.tabular.columns.ColumnScheme`.
Pure: no database."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.tabular.columns import CLIENT_ALIASES, ColumnScheme
from common.text import normalize

from .models import Stage

FIELDS = {
    "name": _("Name"),
    "organisation": _("Organisation"),
    "siren": _("SIREN"),
    "trade": _("Trade"),
    "town": _("Town"),
    "postal_code": _("Postal code"),
    "email": _("E-mail"),
    "phone": _("Phone"),
    "budget": _("Budget (€)"),
    "source": pgettext_lazy("where a prospect comes from", "Source"),
    "note": _("Note"),
    "stage": _("Stage"),
}
# A row needs a name, or an organisation that names it (checked per row):
# no column is required on its own.
REQUIRED: tuple[str, ...] = ()
IDENTITY = ("name", "organisation")

# The French template's headers come first.
ALIASES: dict[str, tuple[str, ...]] = {
    "name": (
        "Nom",
        "Nom du contact",
        "Contact",
        "Nom et prénom",
        "Prénom et nom",
        "Prénom Nom",
        "Nom Prénom",
        "Nom complet",
        "Interlocuteur",
        "Name",
        "Full name",
        "Contact name",
    ),
    "organisation": (
        "Entreprise",
        "Société",
        "Raison sociale",
        "Dénomination",
        "Nom de l'entreprise",
        "Organisation",
        "Organisme",
        "Enseigne",
        "Company",
        "Company name",
        "Organization",
    ),
    "siren": ("SIREN", "N° SIREN", "Numéro SIREN", "SIRET", "N° SIRET", "Numéro SIRET"),
    "trade": (
        "Métier",
        "Activité",
        "Profession",
        "Secteur",
        "Corps de métier",
        "Spécialité",
        "Trade",
        "Activity",
    ),
    "town": ("Ville", "Commune", "Localité", "City", "Town"),
    "postal_code": ("Code postal", "CP", "Code Postal", "Postal code", "Zip", "Zip code"),
    "email": CLIENT_ALIASES["client_email"],
    "phone": CLIENT_ALIASES["client_phone"],
    "budget": (
        "Budget",
        "Budget (€)",
        "Budget estimé",
        "Montant",
        "Montant estimé",
        "Montant (€)",
        "Amount",
        "Estimated budget",
    ),
    "source": ("Source", "Origine", "Provenance", "Canal", "Origin", "Lead source"),
    "note": ("Note", "Notes", "Commentaire", "Commentaires", "Remarque", "Remarques", "Comment"),
    "stage": ("Étape", "Etape", "Statut", "Température", "Stade", "Stage", "Status"),
}
SCHEME = ColumnScheme(fields=FIELDS, aliases=ALIASES, required=REQUIRED)

# A stage cell, in normal form (``common.text.normalize``). A file can
# create a prospect in any stage a person may create one in (not lost:
# ``STAGE_TRANSITIONS`` refuses a creation as lost, which has no reason).
STAGE_WORDS: dict[str, tuple[str, ...]] = {
    Stage.SUSPECT: ("suspect", "suspecte", "a contacter", "jamais contacte", "nouveau", "new"),
    Stage.COLD: ("froid", "froide", "cold", "prospect froid"),
    Stage.WARM: ("tiede", "warm", "prospect tiede", "interesse", "interessee"),
    Stage.HOT: ("chaud", "chaude", "hot", "prospect chaud", "tres interesse"),
    Stage.CLIENT: ("client", "cliente", "gagne", "won", "customer"),
}
_STAGE_OF = {word: stage for stage, words in STAGE_WORDS.items() for word in words}


def parse_stage(text: str) -> str:
    """``"Tiède"``, ``"chaud"``, ``"Client"``… → the stage's value;
    ``ValueError`` (message for the user) for anything else, lost
    included."""
    stage = _STAGE_OF.get(normalize(text))
    if stage is None:
        raise ValueError(
            str(
                _(
                    "the stage must be suspect, froid, tiède, chaud or client (%(value)s)",
                )
            )
            % {"value": text[:30]}
        )
    return stage
