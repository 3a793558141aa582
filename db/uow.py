"""The SQL unit of work: one session, one transaction, all repositories bound to it."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from console.services.audit_ports import AuditStore
from console.services.cameras import CameraStore
from console.services.central_ports import AccountStore, PresenceBoard
from console.services.gazetteer import GazetteerStore, GazetteerUnitOfWork
from console.services.hotspots import HotspotReader, HotspotUnitOfWork
from console.services.intake_ports import IntakeStore, IntakeUnitOfWork
from console.services.survey import SurveyStore, SurveyUnitOfWork
from console.services.uow import (
    CaseRepository,
    EventLog,
    PhotoStore,
    QueueReader,
    ReferenceRepository,
    StatsReader,
    UnitOfWork,
)
from console.services.video_alarms import AlarmUnitOfWork, VideoAlarmStore
from db.audit_repo import SqlAuditStore
from db.camera_repo import SqlCameraStore
from db.engine import single_statements
from db.event_repo import KeySource
from db.gazetteer_repo import SqlGazetteerStore
from db.hotspot_repo import SqlHotspotReader
from db.intake_repo import SqlIntakeStore
from db.queue_repo import SqlQueueReader
from db.repositories import (
    SqlAccountStore,
    SqlCaseRepository,
    SqlEventLog,
    SqlPhotoStore,
    SqlPresenceBoard,
    SqlReferenceRepository,
)
from db.stats_repo import SqlStatsReader
from db.survey_repo import SqlSurveyStore
from db.video_alarm_repo import SqlVideoAlarmStore


class SqlUnitOfWork:
    """One transaction over cases, events, photos, reference data and the intake tables.

    Use it as a context manager; the repositories exist inside the ``with`` block only.
    Leaving the block rolls back whatever was not committed and closes the session, so an
    exception (a :class:`~console.domain.errors.ConflictError`, say) never leaves half a
    change behind.  A session is for one thread at a time: make one unit of work per operation.

    Parameters
    ----------
    session_factory : Callable[[], Session]
        Makes the session of each ``with`` block (see :func:`make_uow_factory`).
    """

    cases: CaseRepository
    queues: QueueReader
    stats: StatsReader
    events: EventLog
    photos: PhotoStore
    reference: ReferenceRepository
    accounts: AccountStore
    presence: PresenceBoard
    intake: IntakeStore
    audit: AuditStore
    gazetteer: GazetteerStore
    survey: SurveyStore
    cameras: CameraStore
    video_alarms: VideoAlarmStore
    hotspots: HotspotReader

    def __init__(self, session_factory: Callable[[], Session],
                 keys: KeySource | None = None) -> None:
        self._factory = session_factory
        self._keys = keys
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        """The open session (for read-side queries in ``db/``); only inside ``with``."""
        if self._session is None:
            raise RuntimeError("unit of work used outside its with block")
        return self._session

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("unit of work is already open")
        session = self._factory()
        self._session = session
        self.cases = SqlCaseRepository(session)
        self.queues = SqlQueueReader(session, self.cases)
        self.stats = SqlStatsReader(session)
        self.events = SqlEventLog(session, self._keys)
        self.photos = SqlPhotoStore(session)
        self.reference = SqlReferenceRepository(session)
        self.accounts = SqlAccountStore(session)
        self.presence = SqlPresenceBoard(session)
        self.intake = SqlIntakeStore(session)
        self.audit = SqlAuditStore(session, self._keys)
        self.gazetteer = SqlGazetteerStore(session)
        self.survey = SqlSurveyStore(session)
        self.cameras = SqlCameraStore(session)
        self.video_alarms = SqlVideoAlarmStore(session)
        self.hotspots = SqlHotspotReader(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed, then close the session."""
        session = self.session
        self._session = None
        try:
            session.rollback()
        finally:
            session.close()

    def commit(self) -> None:
        """Commit everything done since the block began (or since the last commit)."""
        self.session.commit()

    def rollback(self) -> None:
        """Throw away everything not yet committed."""
        self.session.rollback()


def make_uow_factory(engine: Engine,
                     keys: KeySource | None = None) -> Callable[[], SqlUnitOfWork]:
    """A factory of units of work on ``engine``: ``with factory() as uow: …; uow.commit()``.

    Sessions keep loaded values after commit (``expire_on_commit=False``) because repositories
    have already turned them into frozen domain objects; nothing reloads lazily.  ``keys``
    returns the chain keys the logs are chained with, asked for at the first append (the
    application passes its key file's ring, :meth:`console.app.App.chain_keys`); without it
    rows are chained unkeyed (``sha256``), as tests and tools on a bare engine do.
    """
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    return partial(SqlUnitOfWork, sessions, keys)


class _ReadUnitOfWork(SqlUnitOfWork):
    """A unit of work that only reads: :meth:`commit` refuses (see :func:`make_read_factory`)."""

    def commit(self) -> None:
        raise RuntimeError("a read-only unit of work does not commit")


def make_read_factory(engine: Engine) -> Callable[[], SqlUnitOfWork]:
    """Units of work for reads that need no snapshot across their statements.

    On PostgreSQL each statement runs on its own (the driver in autocommit): a read of two
    statements costs two round trips instead of four — no ``BEGIN`` before the first, no
    ``ROLLBACK`` after the last.  Each statement still sees only committed rows, each its own
    snapshot.  A desk's feed poll (every desk, after every event) is one such read.
    :meth:`commit` refuses: nothing may be written through it.
    """
    bound = single_statements(engine)
    sessions = sessionmaker(bind=bound, expire_on_commit=False)
    return partial(_ReadUnitOfWork, sessions, None)


if TYPE_CHECKING:
    # mypy proves the class satisfies the port; the repositories are checked where assigned.
    def _implements_port(factory: Callable[[], Session]) -> UnitOfWork:
        return SqlUnitOfWork(factory)

    def _implements_intake_port(factory: Callable[[], Session]) -> IntakeUnitOfWork:
        return SqlUnitOfWork(factory)

    def _implements_gazetteer_port(factory: Callable[[], Session]) -> GazetteerUnitOfWork:
        return SqlUnitOfWork(factory)

    def _implements_survey_port(factory: Callable[[], Session]) -> SurveyUnitOfWork:
        return SqlUnitOfWork(factory)

    def _implements_video_ports(factory: Callable[[], Session]) -> AlarmUnitOfWork:
        return SqlUnitOfWork(factory)

    def _implements_hotspot_port(factory: Callable[[], Session]) -> HotspotUnitOfWork:
        return SqlUnitOfWork(factory)
