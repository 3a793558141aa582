"""The heading row of an imported table: which column holds which field.

Registry files (the gazetteer's places, the cameras) name their columns in Chinese or English,
in any order, with full-width letters or stray punctuation; headings are compared as
:func:`~console.domain.category_search.search_key` gives them.  A required field without a
column refuses the whole file in one line.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from console.domain.category_search import search_key
from console.domain.errors import ValidationError


def find_columns(headers: Sequence[str], headings: Mapping[str, Sequence[str]],
                 required: Sequence[str], names_zh: Mapping[str, str]) -> dict[str, int]:
    """Each field's column index; ValidationError (one line) when a required one is missing.

    Parameters
    ----------
    headers : sequence of str
        The file's heading row.
    headings : mapping
        Field -> the headings that name it (the first column matching wins).
    required : sequence of str
        Fields the file must have.
    names_zh : mapping
        Field -> its Chinese name, for the refusal.
    """
    keys = [search_key(str(h or "")) for h in headers]
    found: dict[str, int] = {}
    for name, names in headings.items():
        wanted = {search_key(n) for n in names}
        index = next((i for i, k in enumerate(keys) if k in wanted), None)
        if index is not None:
            found[name] = index
    missing = [f for f in required if f not in found]
    if missing:
        shown = "、".join(f"{names_zh[f]}（{f}）" for f in missing)
        raise ValidationError(f"表头缺少列：{shown} / missing columns: {', '.join(missing)}")
    return found


def cell_text(cells: Sequence[Any], index: int | None) -> str:
    """A cell as one line of text (runs of white space folded; "" when absent)."""
    if index is None or index >= len(cells) or cells[index] is None:
        return ""
    return " ".join(str(cells[index]).split())


def finite_number(value: str) -> float | None:
    """``value`` as a finite float, or None."""
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
