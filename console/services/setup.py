"""Setting a centre up: cross-check reference data and write it (idempotently)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace

from console.domain.errors import ValidationError
from console.domain.reference import CalendarDay, CentreConfig, ReferenceSet
from console.domain.reference_checks import reference_problems
from console.services.admin_trail import record, record_user
from console.services.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class InitReport:
    """How many rows ``citydesk init`` changed, per table (all 0 on a second run)."""

    config: int
    units: int
    categories: int
    rules: int
    components: int
    grids: int
    users: int
    calendar_days: int

    @property
    def total(self) -> int:
        """Rows changed in all tables."""
        return sum(
            (self.config, self.units, self.categories, self.rules, self.components,
             self.grids, self.users, self.calendar_days)
        )


def check_reference(ref: ReferenceSet) -> None:
    """Raise ValidationError (one line) naming the first problem between the files.

    The loader (console/reference_files.py) runs the same checks with each entry's line; this
    guards a reference set that came from anywhere else.
    """
    problems = reference_problems(ref)
    if problems:
        more = f"（另有 {len(problems) - 1} 处问题）" if len(problems) > 1 else ""
        raise ValidationError(f"参考数据有误：{problems[0].place}：{problems[0].text}{more}"
                              " / invalid reference data")


def _keep_admin_limits(new: CentreConfig, stored: CentreConfig,
                       edited: frozenset[str]) -> CentreConfig:
    # Stage limits an administrator set stay theirs, as edited units and categories do.
    kept = {s: stored.stage_limits[s] for s in edited if s in stored.stage_limits}
    if not kept:
        return new
    return replace(new, stage_limits={**new.stage_limits, **kept})


def init_reference(
    uow: UnitOfWork, ref: ReferenceSet, statutory: Iterable[CalendarDay] = ()
) -> InitReport:
    """Write reference data in one transaction; returns what changed."""
    check_reference(ref)
    with uow:
        before = uow.reference.load().config
        config = _keep_admin_limits(ref.config, before,
                                    uow.reference.edited_keys().get("stage_limits", frozenset()))
        # A grid or inventory the centre imported (citydesk grid / components import) is the
        # administrator's: the folder's files must not be written back over it on an upgrade.
        imported = uow.reference.edited_keys().get("imports", frozenset())
        config_changed = int(before != config)
        if config_changed:
            uow.reference.save_config(config)
        report = InitReport(
            config=config_changed,
            units=uow.reference.upsert_units(list(ref.units.values())),
            categories=uow.reference.upsert_categories(list(ref.categories.values())),
            rules=uow.reference.replace_rules(list(ref.rules)),
            components=0 if "components" in imported else
            uow.reference.upsert_components(list(ref.components.values())),
            grids=0 if "grids" in imported else uow.reference.upsert_grids(list(ref.grids.values())),
            users=_seed_users(uow, ref),
            calendar_days=uow.reference.upsert_calendar_days(
                [*statutory, *ref.calendar_days]
            ),
        )
        if report.total:
            record(uow, None, "reference-load", "reference", "init",
                   {k: v for k, v in asdict(report).items() if v})
        uow.commit()
    return report


def _seed_users(uow: UnitOfWork, ref: ReferenceSet) -> int:
    """Add the reference files' new users; each gets an admin log row (no password yet)."""
    stored = {a.user.username for a in uow.accounts.list()}
    added = uow.reference.upsert_users(list(ref.users.values()))
    for user in ref.users.values():
        if user.username not in stored:
            record_user(uow, None, "user-seed", user, sets_password=True)
    return added
