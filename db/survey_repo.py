"""The survey imports' store (``console.services.survey.SurveyStore``): the whole grid and the
open cases' positions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from console.domain.cases import TERMINAL_STATES
from console.domain.reference import GridCell
from console.services.survey import PlacedCase
from db import reference_codec as codec
from db.reference_repo import _upsert
from db.tables import CaseRow, GridCellRow


class SqlSurveyStore:
    """Grid and case reads and writes on the unit of work's session.

    Parameters
    ----------
    session : Session
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def replace_grids(self, cells: Sequence[GridCell]) -> tuple[int, int]:
        """Upsert every cell (names an administrator edited included: the import is the
        administrator's too) and delete the cells not in ``cells``."""
        changed = _upsert(self._session, GridCellRow, [codec.grid_values(c) for c in cells])
        wanted = {c.code for c in cells}
        stale = [code for code in self._session.scalars(select(GridCellRow.code))
                 if code not in wanted]
        for start in range(0, len(stale), 500):  # under every backend's parameter limit
            self._session.execute(
                delete(GridCellRow).where(GridCellRow.code.in_(stale[start:start + 500])))
        return changed, len(stale)

    def open_placed_cases(self) -> list[PlacedCase]:
        """Open cases with coordinates (the partial open-case indexes serve the state test)."""
        rows = self._session.execute(
            select(CaseRow.id, CaseRow.case_no, CaseRow.grid, CaseRow.lon, CaseRow.lat)
            .where(CaseRow.state.not_in([s.value for s in TERMINAL_STATES]),
                   CaseRow.lon.is_not(None), CaseRow.lat.is_not(None))
            .order_by(CaseRow.id))
        return [PlacedCase(int(i), str(no), grid, float(lon or 0.0), float(lat or 0.0))
                for i, no, grid, lon, lat in rows]  # (never None: the WHERE says so)
