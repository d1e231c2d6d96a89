"""French départements: codes, names, and the postal-code mapping."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

_DATA = Path(__file__).resolve().parent.parent / "data" / "departments.json"


@cache
def departments() -> dict[str, str]:
    """Code → name, in official order (``"01"`` … ``"2A"``, ``"2B"`` … ``"976"``)."""
    rows = json.loads(_DATA.read_text(encoding="utf-8"))
    return {row["code"]: row["name"] for row in rows}


def department_for_postal_code(postal_code: str) -> str | None:
    """The département code of a five-digit postal code, or None.

    Corsica shares the "20" prefix: 200xx–201xx are Corse-du-Sud (2A),
    the rest Haute-Corse (2B). Overseas départements use three digits.
    """
    if len(postal_code) != 5 or not postal_code.isdigit():
        return None
    if postal_code.startswith("20"):
        code = "2A" if int(postal_code) < 20200 else "2B"
    elif postal_code.startswith("97"):
        code = postal_code[:3]
    else:
        code = postal_code[:2]
    return code if code in departments() else None
