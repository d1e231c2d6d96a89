"""Which column of a pro's file holds which field.

A :class:`ColumnScheme` names the fields of one kind of file (invoices,
completed sessions), their labels, the header names each is known by (in
French or English, as accounting and invoicing tools write them) and the
required ones. Headers are compared in normal form (``common.text.
normalize``: lower case, no accents, no punctuation). Pure: no database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.functional import Promise

from common.text import normalize

from .files import HEADER_SEARCH, Row

# The header names of the fields every kind of file shares (invoices,
# sessions): the client and the amount, as accounting, invoicing and
# booking tools write them; the French template's first.
CLIENT_ALIASES: dict[str, tuple[str, ...]] = {
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


@dataclass(frozen=True)
class ColumnScheme:
    """``fields``: key → label, in the order shown; ``aliases``: key → the
    header names recognised (the French template's first: they are what we
    write back); ``required``: the keys a file must map. Each key's own
    spelling (``client_name``, ``client name``) is recognised too."""

    fields: Mapping[str, str | Promise]
    aliases: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...]
    _field_of: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        field_of = {
            normalize(alias): key
            for key, names in self.aliases.items()
            for alias in (*names, key, key.replace("_", " "))
        }
        object.__setattr__(self, "_field_of", field_of)

    def recognise(self, header: tuple[str, ...]) -> dict[str, int]:
        """The fields named by the header, each with its column; a field
        named by two columns is left out (the pro chooses)."""
        columns: dict[str, list[int]] = {}
        for index, name in enumerate(header):
            key = self._field_of.get(normalize(name))
            if key:
                columns.setdefault(key, []).append(index)
        return {key: found[0] for key, found in columns.items() if len(found) == 1}

    def missing(self, mapping: Mapping[str, int], *, also: Iterable[str] = ()) -> list[str]:
        """The required fields (and ``also``) no column was chosen for, in
        ``fields`` order."""
        required = {*self.required, *also}
        return [key for key in self.fields if key in required and key not in mapping]

    def header_index(self, rows: tuple[Row, ...]) -> int:
        """The header row: among the first rows (a title may sit above it),
        the one naming the most fields; the first row if none names any."""
        best, best_count = 0, 0
        for index, row in enumerate(rows[:HEADER_SEARCH]):
            count = len(self.recognise(row.cells))
            if count > best_count:
                best, best_count = index, count
        return best

    def valid(self, columns: object, width: int) -> bool:
        """A mapping from the session or the database still fits the file."""
        return (
            isinstance(columns, dict)
            and all(key in self.fields for key in columns)
            and all(isinstance(index, int) and 0 <= index < width for index in columns.values())
            and len(set(columns.values())) == len(columns)
        )


def column_letter(column: int) -> str:
    """0 → "A", 25 → "Z", 26 → "AA": the name a spreadsheet shows."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def signature(header: tuple[str, ...]) -> str:
    """The same header, however spelled in case and accents, gives the same
    key: a remembered mapping applies to the next file of the same tool."""
    normal = "\x1f".join(normalize(name) for name in header)
    return hashlib.sha256(normal.encode()).hexdigest()
