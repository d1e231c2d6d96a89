"""Which column of an invoice file holds which field.

Headers are recognised in French or English, with the names accounting
and invoicing tools use, compared in normal form (``common.text.
normalize``: lower case, no accents, no punctuation). Pure: no database.
"""

from __future__ import annotations

import hashlib

from django.utils.translation import gettext_lazy as _

from common.text import normalize

from .invoice_files import HEADER_SEARCH, Row

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
    "amount": (
        "Montant TTC",
        "Montant",
        "Montant TTC (€)",
        "Montant (€)",
        "Total TTC",
        "Total",
        "Total TTC (€)",
        "Net à payer",
        "Prix TTC",
        "Amount",
        "Total amount",
        "Amount incl. tax",
        "Total incl. tax",
        "TTC",
        "Montant total",
        "Montant total TTC",
        "Total à payer",
        "Montant à payer",
        "Montant TTC en €",
    ),
    "client_name": (
        "Nom du client",
        "Client",
        "Nom",
        "Nom client",
        "Nom et prénom",
        "Prénom et nom",
        "Nom complet",
        "Contact",
        "Client name",
        "Customer",
        "Customer name",
        "Name",
        "Nom du contact",
        "Prénom Nom",
        "Nom Prénom",
        "Destinataire",
    ),
    "client_company": (
        "Société",
        "Entreprise",
        "Société du client",
        "Raison sociale",
        "Société cliente",
        "Client company",
        "Company",
    ),
    "client_email": (
        "E-mail",
        "Email",
        "Mail",
        "Courriel",
        "Adresse e-mail",
        "Adresse email",
        "Adresse mail",
        "E-mail du client",
        "Email client",
        "Mél",
        "Client e-mail",
        "Client email",
        "Adresse électronique",
        "Courriel du client",
        "E-mail client",
    ),
    "client_phone": (
        "Téléphone",
        "Tél",
        "Tel",
        "Portable",
        "Mobile",
        "Numéro de téléphone",
        "Téléphone du client",
        "Tél portable",
        "Phone",
        "Client phone",
        "N° de téléphone",
        "Téléphone portable",
        "Téléphone mobile",
        "Fixe",
    ),
}
# The names this application has always used (README) are recognised too.
_CANONICAL = {field: (field, field.replace("_", " ")) for field in FIELDS}
_FIELD_OF: dict[str, str] = {
    normalize(alias): field
    for field, aliases in ALIASES.items()
    for alias in (*aliases, *_CANONICAL[field])
}


def recognise(header: tuple[str, ...]) -> dict[str, int]:
    """The fields named by the header, each with its column; a field named
    by two columns is left out (the pro chooses)."""
    columns: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        field = _FIELD_OF.get(normalize(name))
        if field:
            columns.setdefault(field, []).append(index)
    return {field: found[0] for field, found in columns.items() if len(found) == 1}


def missing(mapping: dict[str, int], *, needs_amount: bool = False) -> list[str]:
    """The required fields no column was chosen for, in ``FIELDS`` order."""
    required = {*REQUIRED, "amount"} if needs_amount else set(REQUIRED)
    return [field for field in FIELDS if field in required and field not in mapping]


def header_index(rows: tuple[Row, ...]) -> int:
    """The header row: among the first rows (a title may sit above it), the
    one naming the most fields; the first row if none names any."""
    best, best_count = 0, 0
    for index, row in enumerate(rows[:HEADER_SEARCH]):
        count = len(recognise(row.cells))
        if count > best_count:
            best, best_count = index, count
    return best


def column_letter(column: int) -> str:
    """0 → "A", 25 → "Z", 26 → "AA": the name a spreadsheet shows."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def valid(columns: object, width: int) -> bool:
    """A mapping from the session or the database still fits the file."""
    return (
        isinstance(columns, dict)
        and all(key in FIELDS for key in columns)
        and all(isinstance(index, int) and 0 <= index < width for index in columns.values())
        and len(set(columns.values())) == len(columns)
    )


def signature(header: tuple[str, ...]) -> str:
    """The same header, however spelled in case and accents, gives the same
    key: a remembered mapping applies to the next file of the same tool."""
    normal = "\x1f".join(normalize(name) for name in header)
    return hashlib.sha256(normal.encode()).hexdigest()
