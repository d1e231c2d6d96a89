"""Which column of an invoice file holds which field: the invoices'
:class:`common.tabular.columns.ColumnScheme`. Headers are recognised in
French or English, with the names accounting and invoicing tools use.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from common.tabular.columns import CLIENT_ALIASES, ColumnScheme, column_letter, signature

__all__ = [
    "ALIASES",
    "FIELDS",
    "REQUIRED",
    "SCHEME",
    "column_letter",
    "header_index",
    "missing",
    "recognise",
    "signature",
    "valid",
]

FIELDS = {
    "number": _("Invoice number"),
    "date": _("Invoice date"),
    "amount": _("Amount incl. tax"),
    "client_name": _("Client name"),
    "client_company": _("Client company"),
    "client_email": _("Client e-mail"),
    "client_phone": _("Client phone"),
}
# The amount is required only by an invitation rule that compares amounts
# (ReviewSettings.needs_amount): ``missing(..., needs_amount=True)``.
REQUIRED = ("number", "date", "client_name", "client_email")

# The French template's headers come first: they are what we write back.
ALIASES: dict[str, tuple[str, ...]] = {
    "number": (
        "N° facture",
        "Nº facture",
        "No facture",
        "N facture",
        "Numéro",
        "Numéro de facture",
        "Num facture",
        "Numero facture",
        "Référence facture",
        "Réf facture",
        "Facture",
        "Facture n°",
        "N° de facture",
        "Invoice number",
        "Invoice no",
        "Invoice",
        "Invoice #",
        "Number",
        "N°",
        "Nº",
        "No",
        "Réf",
        "Référence",
        "Réf. pièce",
        "N° de pièce",
        "Numéro de pièce",
        "Pièce",
        "Invoice ID",
    ),
    "date": (
        "Date de facture",
        "Date",
        "Date facture",
        "Date d'émission",
        "Date émission",
        "Date de facturation",
        "Invoice date",
        "Issue date",
        "Issued on",
        "Émise le",
        "Date de la facture",
        "Date de pièce",
        "Date pièce",
        "Date d'édition",
        "Émission",
    ),
    "amount": CLIENT_ALIASES["amount"],
    "client_name": CLIENT_ALIASES["client_name"],
    "client_company": (
        "Société",
        "Entreprise",
        "Société du client",
        "Raison sociale",
        "Société cliente",
        "Client company",
        "Company",
    ),
    "client_email": CLIENT_ALIASES["client_email"],
    "client_phone": CLIENT_ALIASES["client_phone"],
}
SCHEME = ColumnScheme(fields=FIELDS, aliases=ALIASES, required=REQUIRED)
recognise = SCHEME.recognise
header_index = SCHEME.header_index


def missing(mapping: dict[str, int], *, needs_amount: bool = False) -> list[str]:
    """The required fields no column was chosen for, in ``FIELDS`` order;
    the amount too when the invitation rule compares amounts."""
    return SCHEME.missing(mapping, also=("amount",) if needs_amount else ())


def valid(columns: object, width: int) -> bool:
    return SCHEME.valid(columns, width)
