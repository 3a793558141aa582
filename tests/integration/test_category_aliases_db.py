"""Category aliases in the database, on both backends: revision 0008, init, the admin screen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from console.domain.errors import ValidationError
from console.domain.reference import LimitClass
from console.reference_files import load_centre_files
from console.services import admin
from console.services.centre import load_centre
from console.services.setup import init_reference
from console.services.uow import UnitOfWork
from db.schema import HEAD, alembic_config, current_revision, upgrade
from db.uow import make_uow_factory
from tests.integration.test_admin_services import ADMIN, fingerprint

Factory = Callable[[], UnitOfWork]


def _columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("categories")}


def test_revision_0008_gives_existing_categories_an_empty_alias_list(engine: Engine) -> None:
    upgrade(engine, "0007")
    assert "aliases" not in _columns(engine)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO categories (code, kind, major, name_zh, name_en, legacy_code,"
            " natural_time, limits, filing_conditions, closing_condition, local) VALUES"
            " ('06010', 'event', '06', '暴露垃圾', 'Exposed garbage', '0102', false,"
            " '{\"一般性\": 120}', '[]', '', false)"))
    upgrade(engine)
    assert current_revision(engine) == HEAD  # 0008 and every revision after it
    with make_uow_factory(engine)() as uow:
        ref = uow.reference.load()
    assert ref.categories["06010"].aliases == ()
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT aliases FROM categories")).scalar_one()
    assert stored in ([], "[]")  # JSON on PostgreSQL, its text on SQLite
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0007")
    assert "aliases" not in _columns(engine)
    assert current_revision(engine) == "0007"


def test_init_writes_the_aliases_and_a_second_run_changes_nothing(uow_factory: Factory) -> None:
    files = load_centre_files()
    first = init_reference(uow_factory(), files)
    assert first.categories == 253
    centre = load_centre(uow_factory())
    assert centre.ref.categories["02014"].aliases == ("交通信号灯",)
    assert centre.category("交通信号灯").code == "02014"
    assert init_reference(uow_factory(), files).total == 0


def test_an_edited_category_keeps_its_limit_but_follows_the_files_aliases(
        uow_factory: Factory) -> None:
    files = load_centre_files()
    init_reference(uow_factory(), files)
    cat = files.categories["06014"]
    admin.update_category(uow_factory, ADMIN, "06014", name_zh=cat.name_zh, name_en=cat.name_en,
                          limits={LimitClass.GENERAL: 999}, natural_time=False)
    changed = replace(cat, aliases=("道路遗撒", "沙石遗撒"))
    newer = replace(files, categories={**files.categories, "06014": changed})

    report = init_reference(uow_factory(), newer)

    assert report.categories == 1
    stored = load_centre(uow_factory()).ref.categories["06014"]
    assert stored.aliases == ("道路遗撒", "沙石遗撒")
    assert stored.limits[LimitClass.GENERAL] == 999  # the administrator's edit stays
    assert init_reference(uow_factory(), newer).total == 0


@pytest.mark.parametrize("name", ["交通信号灯", "交通信号灯异常", "焚烧垃圾树叶"])
def test_renaming_a_category_to_another_ones_name_or_alias_is_refused(
        uow_factory: Factory, engine: Engine, name: str) -> None:
    init_reference(uow_factory(), load_centre_files())
    before = fingerprint(engine)
    with pytest.raises(ValidationError, match="已有名为"):
        admin.update_category(uow_factory, ADMIN, "01051", name_zh=name, name_en="x",
                              limits={LimitClass.GENERAL: 480}, natural_time=False)
    assert fingerprint(engine) == before
