"""Find any case from what a caller can say about it.

A citizen calling back gives the case number (or part of it), the last digits of the phone they
reported from, or words of what and where.  Every word must match: the case number, the
description or the address contain it, or the contact ends with it (digits).  A whole 13-digit
case number is looked up directly.  Results are the newest first, through the seat's own unit
of work, so a unit seat finds only its unit's cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from console.domain.errors import NotFoundError, ValidationError
from console.services.centre import Centre
from console.services.queries import CaseRow, make_row
from console.services.uow import CaseFilter, UnitOfWork

#: Results shown at most (newest first); "more" says when there were others.
SEARCH_LIMIT = 50
#: A case number is the date (8 digits) and a 5-digit serial.
CASE_NO_LENGTH = 13
_MAX_WORDS = 6
_MAX_LENGTH = 100


@dataclass(frozen=True, slots=True)
class CaseSearch:
    """What a search found.

    Attributes
    ----------
    text : str
        The search as typed (stripped).
    rows : tuple of CaseRow
        The cases, newest first, at most :data:`SEARCH_LIMIT`.
    more : bool
        More cases matched than are listed (narrow the search).
    exact : bool
        The text was a whole case number and ``rows`` holds just that case.
    """

    text: str
    rows: tuple[CaseRow, ...]
    more: bool
    exact: bool


def search_words(text: str) -> tuple[str, ...]:
    """The words of a search; ValidationError for one too short or too long to be useful."""
    clean = " ".join(text.split())
    if len(clean) < 2:
        raise ValidationError("请至少输入 2 个字符（案件编号、电话尾号、地址或描述中的词）"
                              " / type at least 2 characters")
    if len(clean) > _MAX_LENGTH:
        raise ValidationError(f"搜索内容过长（上限 {_MAX_LENGTH} 字）/ search text too long")
    words = tuple(dict.fromkeys(clean.split(" ")))
    if len(words) > _MAX_WORDS:
        raise ValidationError(f"搜索词过多（上限 {_MAX_WORDS} 个）/ too many words")
    return words


def search_cases(uow: UnitOfWork, centre: Centre, text: str, now: datetime,
                 limit: int = SEARCH_LIMIT) -> CaseSearch:
    """The cases matching ``text`` (see the module docstring), newest first."""
    words = search_words(text)
    clean = " ".join(words)
    with uow:
        if len(words) == 1 and clean.isdigit() and len(clean) == CASE_NO_LENGTH:
            try:
                case = uow.cases.get_by_no(clean)
            except NotFoundError:
                pass  # not a number after all: a phone or serial fragment, searched below
            else:
                return CaseSearch(clean, (make_row(centre, case, now),), False, True)
        found = uow.cases.list(CaseFilter(words=words, limit=limit + 1, order="newest"))
    rows = tuple(make_row(centre, c, now) for c in found[:limit])
    return CaseSearch(clean, rows, len(found) > limit, False)
