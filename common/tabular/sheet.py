"""A pro's file read and its header found: what the preview, the
column-mapping step and the import work on. Kept in the session between
these steps, so it holds only JSON-friendly values; deleted from it when
the import starts (client data of the file is not kept)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from .columns import ColumnScheme, column_letter, signature
from .files import Row, read_table, too_many_rows


@dataclass
class Sheet:
    header: tuple[str, ...]
    rows: tuple[Row, ...]  # the data rows, below the header
    blank: int  # blank rows skipped
    above: int = 0  # title rows above the header, ignored

    @property
    def signature(self) -> str:
        return signature(self.header)

    @property
    def width(self) -> int:
        """Columns to choose from: the header's, or more if data runs past it."""
        return max([len(self.header), *(len(row.cells) for row in self.rows[:200])])

    def column_label(self, column: int) -> str:
        letter = column_letter(column)
        name = self.header[column] if column < len(self.header) else ""
        return f"{letter} « {name} »" if name else letter

    def samples(self, column: int, count: int = 3) -> list[str]:
        values = (row.cells[column] for row in self.rows if column < len(row.cells))
        return [value for value in values if value][:count]

    def to_session(self) -> dict[str, Any]:
        return {
            "header": list(self.header),
            "rows": [[row.line, list(row.cells)] for row in self.rows],
            "blank": self.blank,
            "above": self.above,
        }

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> Sheet:
        return cls(
            header=tuple(data["header"]),
            rows=tuple(Row(line=line, cells=tuple(cells)) for line, cells in data["rows"]),
            blank=data["blank"],
            above=data["above"],
        )

    def columns_display(
        self, scheme: ColumnScheme, columns: dict[str, int]
    ) -> list[tuple[str | Promise, str]]:
        """(field label, the file's column it comes from) for a preview."""
        return [
            (label, self.column_label(columns[key]) if key in columns else "")
            for key, label in scheme.fields.items()
        ]


def sheet_read(
    *, content: bytes, scheme: ColumnScheme, max_rows: int, too_many: str | Promise
) -> Sheet:
    """Read an uploaded file (CSV or .xlsx, ``common.tabular.files``) and
    find its header (the row naming most of ``scheme``'s fields); raises
    ``TableFileError`` with a message for the pro, ``too_many`` (with
    ``%(max)s``) past ``max_rows`` data rows."""
    table = read_table(content, max_rows=max_rows, too_many=too_many)
    at = scheme.header_index(table.rows)
    data = table.rows[at + 1 :]
    if len(data) > max_rows:
        raise too_many_rows(max_rows, too_many)
    return Sheet(header=table.rows[at].cells, rows=data, blank=table.blank, above=at)
