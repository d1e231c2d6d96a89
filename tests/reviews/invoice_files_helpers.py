"""Invoice files built the way pros' tools write them."""

from __future__ import annotations

import io
import re
import zipfile

from openpyxl import Workbook


def xlsx(rows: list[list], cached: dict[str, str] | None = None) -> bytes:
    """A workbook of ``rows``; ``cached`` gives formula cells the value Excel
    would have stored beside them (openpyxl writes formulas without one)."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    if not cached:
        return buffer.getvalue()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for ref, value in cached.items():
                    text = re.sub(
                        rf'<c r="{ref}"><f>(.*?)</f><v\s*/>',
                        rf'<c r="{ref}" t="str"><f>\1</f><v>{value}</v>',
                        text,
                    )
                data = text.encode()
            target.writestr(item, data)
    return out.getvalue()
