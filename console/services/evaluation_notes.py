"""The evaluation's notes: what its counts left out, and why (imported history).

A league table that silently drops cases is as bad as one that counts them wrongly, so each
object's evaluation says, in a note under the table (``EvaluationReport.notes``, ``notes`` in
JSON), how many imported cases its rules left out of which count.  The rules are in
``console.services.evaluation_counts`` and ``docs/evaluation.md``.
"""

from __future__ import annotations

from collections.abc import Mapping

from console.services.evaluation_counts import LEFT_OUT, Tally

#: The 专业部门 count of 处置 stages that ended without a deadline (summed by the database).
UNIT_UNTIMED = "handled_untimed"


def unit_notes(sums: Mapping[str, Mapping[str, int]]) -> tuple[str, ...]:
    """专业部门: feedback on imported cases whose handling had no clock."""
    n = sum(counts.get(UNIT_UNTIMED, 0) for counts in sums.values())
    if not n:
        return ()
    return (f"{n} 件导入的历史案件没有派遣时间和处置时限，其处置不计入应处置数和按期处置率"
            f" / {n} imported cases had no dispatch or due time: their handling is left out of "
            "the cases due and the on-time handling rate",)


def collector_notes(t: Tally) -> tuple[str, ...]:
    """监督员: imported cases not charged to the collectors of their cells."""
    n = len(t.ids(LEFT_OUT, "imported_cells"))
    if not n:
        return ()
    return (f"{n} 件导入的历史案件不计入所在网格监督员的立案数和漏报数（监督员只按自己处理过的案件评价）"
            f" / {n} imported cases are not charged to their cells' collectors (cases filed, missed reports)",)


def dispatcher_notes(t: Tally) -> tuple[str, ...]:
    """派遣员: imported dispatches without a time."""
    n = t.n(LEFT_OUT, "untimed")
    if not n:
        return ()
    return (f"{n} 次导入的派遣没有时间，不计入派遣数和按时派遣率"
            f" / {n} imported dispatches without a time are left out of the dispatch count and the on-time dispatch rate",)


def area_notes(t: Tally) -> tuple[str, ...]:
    """区域: imported cases in the default cell, and closes whose handling had no clock."""
    out = []
    placed = len(t.ids(LEFT_OUT, "unplaced"))
    if placed:
        out.append(f"{placed} 件导入的历史案件坐标在本县外、放在默认网格，不计入区域评价"
                   f" / {placed} imported cases placed in the default cell are left out of the "
                   "area counts")
    untimed = len(t.ids(LEFT_OUT, "untimed"))
    if untimed:
        out.append(f"{untimed} 件导入的历史案件没有派遣时间和处置时限，不计入按期结案率"
                   f" / {untimed} imported cases had no dispatch or due time: left out of the on-time closing rate")
    return tuple(out)
