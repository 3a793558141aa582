"""The intake worker: every configured channel on its schedule, status pushes, a clean stop.

``citydesk worker`` runs :meth:`Worker.run` in the foreground and stops on SIGTERM or
Ctrl+C after the record in hand (each record is its own transaction, so a stop, or a kill,
never leaves half a record).  A one-machine setup runs the same loop on a thread inside the
console (:class:`WorkerThread`).  A channel that fails (server down, bad batch, database
away) is logged and tried again at its next turn; it never stops the other channels.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from console.domain.errors import CityDeskError
from console.intake.feed import FeedFormatError
from console.intake.feed_channel import FeedSettings, poll_feed
from console.intake.open311_channel import Open311Settings, poll, push
from console.intake.open311_client import Open311Error
from console.intake.open311_parse import Open311FormatError
from console.intake.settings import WorkerSettings
from console.services.intake import IntakeContext

log = logging.getLogger("citydesk.worker")

#: Failures of one channel round that are the channel's (logged, retried next turn).
CHANNEL_ERRORS = (Open311Error, Open311FormatError, FeedFormatError, CityDeskError, OSError)


@dataclass
class _Job:
    name: str
    interval: float
    run: Callable[[], dict[str, Any]]
    due: float = 0.0


class Worker:
    """Runs the channels of :class:`WorkerSettings` against one intake context.

    Parameters
    ----------
    ctx : IntakeContext
    settings : WorkerSettings
    monotonic : callable, optional
        The scheduler's clock (tests pass a fake).
    """

    def __init__(self, ctx: IntakeContext, settings: WorkerSettings,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ctx = ctx
        self.settings = settings
        self.stop_event = threading.Event()
        self._monotonic = monotonic
        self.jobs: list[_Job] = []
        for channel in settings.open311:
            self.jobs.append(_Job(channel.name, channel.interval, self._poller(channel)))
        for feed in settings.feeds:
            self.jobs.append(_Job(feed.name, feed.interval, self._feeder(feed)))
        if settings.open311:
            self.jobs.append(_Job("push", settings.push_interval, self._pusher()))

    def _poller(self, channel: Open311Settings) -> Callable[[], dict[str, Any]]:
        def run() -> dict[str, Any]:
            counts = poll(self.ctx, channel, progress=lambda _c: not self.stop_event.is_set())
            return {**counts.as_dict(), "closed_at_source": counts.closed_at_source}
        return run

    def _feeder(self, feed: FeedSettings) -> Callable[[], dict[str, Any]]:
        return lambda: poll_feed(self.ctx, feed).as_dict()

    def _pusher(self) -> Callable[[], dict[str, Any]]:
        def run() -> dict[str, Any]:
            total: dict[str, Any] = {}
            for channel in self.settings.open311:
                total[channel.name] = push(self.ctx, channel).as_dict()
            return total
        return run

    def add_job(self, name: str, interval: float, run: Callable[[], dict[str, Any]]) -> None:
        """Run ``run`` every ``interval`` seconds beside the channels, first at the start (the
        daily audit anchor); its failures are logged like a channel's."""
        self.jobs.append(_Job(name, interval, run))

    def run_job(self, job: _Job) -> dict[str, Any] | None:
        """One round of one job; None when it failed (logged)."""
        try:
            result = job.run()
        except CHANNEL_ERRORS as exc:
            message = getattr(exc, "message", None) or str(exc)
            wait = getattr(exc, "retry_after", None)
            log.error("%s: %s", job.name, message)
            if wait:
                job.due = max(job.due, self._monotonic() + float(wait))
            return None
        except Exception:  # the database went away, a bug: keep the other channels running
            log.exception("%s: 本轮失败 / round failed", job.name)
            return None
        log.info("%s: %s", job.name, result)
        return result

    def run_once(self) -> dict[str, Any]:
        """Every job once, in order (``citydesk worker --once``)."""
        return {job.name: self.run_job(job) for job in self.jobs}

    def run_due(self) -> dict[str, Any]:
        """One pass of the loop: every job whose time has come, once (by the scheduler's
        clock; a test drives it); returns their results by name."""
        now = self._monotonic()
        results: dict[str, Any] = {}
        for job in self.jobs:
            if self.stop_event.is_set():
                break
            if job.due <= now:
                results[job.name] = self.run_job(job)
                job.due = max(job.due, self._monotonic() + job.interval)
        return results

    def run(self) -> None:
        """Run jobs when due until :meth:`stop`."""
        log.info("intake worker started: %s", ", ".join(j.name for j in self.jobs) or "no channels")
        while not self.stop_event.is_set():
            self.run_due()
            upcoming = min((j.due for j in self.jobs), default=self._monotonic() + 60)
            self.stop_event.wait(max(0.05, min(upcoming - self._monotonic(), 60.0)))
        log.info("intake worker stopped")

    def stop(self) -> None:
        """Ask the loop to end after the record in hand."""
        self.stop_event.set()


class WorkerThread(threading.Thread):
    """The worker on a daemon thread: the console of a one-machine setup runs its channels."""

    def __init__(self, worker: Worker) -> None:
        super().__init__(name="citydesk-intake", daemon=True)
        self.worker = worker

    def run(self) -> None:
        self.worker.run()

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop the loop; True when it ended within ``timeout`` seconds."""
        self.worker.stop()
        self.join(timeout)
        return not self.is_alive()
