"""The SQL implementations of the ports in :mod:`console.services.uow`, in one place.

Each lives in its own module; import from here.
"""

from __future__ import annotations

from db.account_repo import SqlAccountStore, SqlPresenceBoard
from db.case_repo import SqlCaseRepository
from db.event_repo import SqlEventLog
from db.photo_repo import SqlPhotoStore
from db.reference_repo import SqlReferenceRepository

__all__ = [
    "SqlAccountStore",
    "SqlCaseRepository", "SqlEventLog", "SqlPhotoStore",
    "SqlPresenceBoard",
    "SqlReferenceRepository",
]
