"""The category resolver: tiers, punctuation-free initials, aliases, ambiguity, unknown input.

Most cases run on the shipped Kaihua categories (the words people really type); the tier rules
and the laziness of the initials on small hand-made sets.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from console.domain.category_search import (
    MAX_CANDIDATES,
    AmbiguousCategoryError,
    AmbiguousLegacyCodeError,
    CategoryIndex,
    LegacyKindError,
    MatchKind,
    UnknownCategoryError,
    alias_problems,
    parse_legacy_kind,
    pinyin_initials,
    search_key,
)
from console.domain.errors import NotFoundError, ValidationError
from console.domain.reference import Category, CategoryKind, LimitClass
from console.domain.routing import route
from console.reference_files import load_categories
from tests.unit import kaihua
from tests.unit.test_routing import SEED_DUTIES, Duty


@pytest.fixture(scope="module")
def index() -> CategoryIndex:
    return CategoryIndex(kaihua.categories().values())


def cat(code: str, name: str, *aliases: str, legacy: str | None = None) -> Category:
    return Category(code, CategoryKind.EVENT, code[:2], name, "", {LimitClass.GENERAL: 60},
                    legacy_code=legacy, aliases=aliases)


def resolved(index: CategoryIndex, text: str) -> tuple[str, MatchKind]:
    match = index.resolve(text)
    return match.category.code, match.kind


# --------------------------------------------------------------------------- tiers


@pytest.mark.parametrize(("text", "code", "kind"), [
    ("06010", "06010", MatchKind.CODE),
    (" ０６０１０ ", "06010", MatchKind.CODE),  # full-width digits, spaces
    ("0505", "09009", MatchKind.LEGACY_CODE),
    ("暴露垃圾", "06010", MatchKind.NAME),
    ("焚烧垃圾树叶", "06020", MatchKind.NAME),  # the seed's words, the name's 、 left out
    ("道路遗撒(洒)", "06014", MatchKind.NAME),  # half-width brackets for the name's （）
    ("紧急报警点异常sos", "01066", MatchKind.NAME),  # case folded
    ("交通信号灯", "02014", MatchKind.ALIAS),
    ("道路遗撒", "06014", MatchKind.ALIAS),
    ("治安岗亭", "01051", MatchKind.ALIAS),
    ("监控电子眼", "01050", MatchKind.ALIAS),
    ("动物（犬类）管理", "10998", MatchKind.ALIAS),  # file has ASCII brackets, typed full-width
    ("bllj", "06010", MatchKind.INITIALS),
    ("BLLJ", "06010", MatchKind.INITIALS),
    ("犬类", "10998", MatchKind.FRAGMENT),
    ("气模拱门", "07007", MatchKind.FRAGMENT),  # a fragment of an alias
])
def test_each_tier_on_the_kaihua_set(index: CategoryIndex, text: str, code: str,
                                     kind: MatchKind) -> None:
    assert resolved(index, text) == (code, kind)


def test_an_exact_name_beats_the_name_that_contains_it(index: CategoryIndex) -> None:
    assert resolved(index, "机动车乱停放") == ("09009", MatchKind.NAME)
    assert resolved(index, "非机动车乱停放") == ("09010", MatchKind.NAME)
    # A fragment of both stays ambiguous.
    with pytest.raises(AmbiguousCategoryError) as err:
        index.resolve("车乱停放")
    assert [c.code for c in err.value.candidates] == ["09009", "09010"]


def test_the_first_tier_with_a_match_decides() -> None:
    # "abc" is one category's alias and a fragment of another's name: the alias wins.
    small = CategoryIndex([cat("06001", "甲abcd"), cat("06002", "乙", "abc")],
                          initials=lambda name: name)
    assert resolved(small, "abc") == ("06002", MatchKind.ALIAS)
    # a name beats an alias of the same words is impossible (alias_problems), but a name beats
    # a category whose alias merely contains it
    small = CategoryIndex([cat("06001", "路灯"), cat("06002", "乙", "路灯杆")],
                          initials=lambda name: name)
    assert resolved(small, "路灯") == ("06001", MatchKind.NAME)


# --------------------------------------------------------------------------- legacy codes


def _legacy_meanings() -> dict[str, dict[str, list[str]]]:
    """legacy code -> kind -> codes, read from categories.yaml itself (not through the index)."""
    out: dict[str, dict[str, list[str]]] = {}
    for entry in kaihua.read_yaml("categories.yaml")["categories"]:
        if entry.get("legacy_code"):
            out.setdefault(str(entry["legacy_code"]), {}).setdefault(
                entry["kind"], []).append(entry["code"])
    return out


LEGACY = _legacy_meanings()
BOTH = sorted(code for code, kinds in LEGACY.items() if len(kinds) == 2)
TWO_OF_A_KIND = sorted(code for code, kinds in LEGACY.items()
                       if len(kinds) == 1 and len(next(iter(kinds.values()))) > 1)
SINGLE = sorted(code for code, kinds in LEGACY.items()
                if sum(len(v) for v in kinds.values()) == 1)


def test_the_legacy_codes_of_the_kaihua_set() -> None:
    # The issue counts 31 of CJ/T 214's 66 codes naming a component and an event.  The
    # Kaihua set maps 66 legacy codes (categories matched by name to the reference's legacy
    # lists): 29 name a component and an event, two name two components each, 35 one
    # category.  (The reference lists 38 codes on both sides; for 0203, 0205, 0401-0406 and
    # 0502 only one side has a category here, so they resolve to it without a kind.)
    assert len(LEGACY) == 66
    assert len(BOTH) == 29
    assert BOTH[:3] == ["0101", "0102", "0103"] and "0501" in BOTH and "0503" in BOTH
    assert TWO_OF_A_KIND == ["0307", "0403"]
    assert len(SINGLE) == 35


def test_the_index_knows_every_ambiguous_legacy_code(index: CategoryIndex) -> None:
    found = index.ambiguous_legacy()
    assert sorted(found) == sorted(BOTH + TWO_OF_A_KIND)
    for code, cats in found.items():
        assert sorted(c.code for c in cats) == sorted(c for codes in LEGACY[code].values() for c in codes)


@pytest.mark.parametrize("code", BOTH)
def test_a_code_that_names_a_component_and_an_event_is_never_guessed(
        index: CategoryIndex, code: str) -> None:
    component, = LEGACY[code]["component"]
    event, = LEGACY[code]["event"]
    with pytest.raises(AmbiguousLegacyCodeError) as err:
        index.resolve(code)
    assert [c.code for c in err.value.candidates] == sorted([component, event])
    message = err.value.message
    assert "\n" not in message and isinstance(err.value, NotFoundError)  # one line, exit 2
    names = {c.code: c.name_zh for c in index.categories}
    assert f"部件 {component} {names[component]}" in message
    assert f"事件 {event} {names[event]}" in message
    assert "--kind" in message and "legacy_kind" in message
    assert index.resolve(code, CategoryKind.COMPONENT).category.code == component
    assert index.resolve(code, CategoryKind.EVENT).category.code == event
    assert index.resolve(code, CategoryKind.EVENT).kind is MatchKind.LEGACY_CODE
    # every meaning is what a search shows (category list --search, the desk's picker)
    assert [c.code for c in index.search(code)] == sorted([component, event])


def test_0102_is_a_manhole_cover_or_exposed_garbage(index: CategoryIndex) -> None:
    with pytest.raises(AmbiguousLegacyCodeError) as err:
        index.resolve("0102")
    assert "污水井盖异常" in err.value.message and "暴露垃圾" in err.value.message
    assert index.resolve(" ０１０２ ", CategoryKind.EVENT).category.name_zh == "暴露垃圾"


@pytest.mark.parametrize("code", TWO_OF_A_KIND)
def test_two_components_under_one_code_need_the_new_code(index: CategoryIndex, code: str) -> None:
    for kind in (None, CategoryKind.COMPONENT):
        with pytest.raises(AmbiguousLegacyCodeError) as err:
            index.resolve(code, kind)
        assert "5 位类别代码" in err.value.message and "--kind" not in err.value.message
        assert [c.code for c in err.value.candidates] == LEGACY[code]["component"]
    with pytest.raises(LegacyKindError) as wrong:
        index.resolve(code, CategoryKind.EVENT)
    assert "没有事件含义" in wrong.value.message and "\n" not in wrong.value.message


@pytest.mark.parametrize("code", SINGLE)
def test_a_code_with_one_meaning_keeps_resolving_to_it(index: CategoryIndex, code: str) -> None:
    (kind, (category,)), = LEGACY[code].items()
    assert resolved(index, code) == (category, MatchKind.LEGACY_CODE)
    assert index.resolve(code, CategoryKind(kind)).category.code == category
    other = CategoryKind.EVENT if kind == "component" else CategoryKind.COMPONENT
    with pytest.raises(LegacyKindError) as err:  # an explicit kind it lacks is refused
        index.resolve(code, other)
    assert category in err.value.message and isinstance(err.value, NotFoundError)


@pytest.mark.parametrize(("text", "kind"), [
    ("event", CategoryKind.EVENT), (" Component ", CategoryKind.COMPONENT),
    ("事件", CategoryKind.EVENT), ("部件", CategoryKind.COMPONENT),
    (CategoryKind.EVENT, CategoryKind.EVENT)])
def test_legacy_kind_words(text: object, kind: CategoryKind) -> None:
    assert parse_legacy_kind(text) is kind


@pytest.mark.parametrize("text", ["events", "", "部", 1, None, ["event"]])
def test_a_bad_legacy_kind_is_one_line(text: object) -> None:
    with pytest.raises(ValidationError) as err:
        parse_legacy_kind(text)
    assert "\n" not in err.value.message and "component" in err.value.message


# --------------------------------------------------------------------------- initials


PUNCTUATED = [c for c in kaihua.categories().values() if search_key(c.name_zh) != c.name_zh
              and not c.name_zh.isascii() and re.search(r"[^\w]", c.name_zh)]


def test_the_punctuated_names_are_the_ones_the_old_initials_broke() -> None:
    names = {c.code for c in PUNCTUATED}
    assert {"01021", "02038", "06005", "06014", "06043", "09018"} <= names
    assert len(names) == 22


@pytest.mark.parametrize("category", PUNCTUATED, ids=lambda c: c.code)
def test_initials_of_a_punctuated_name_are_letters_only_and_find_it(
        index: CategoryIndex, category: Category) -> None:
    typed = pinyin_initials(category.name_zh)
    assert re.fullmatch(r"[a-z]+", typed), typed
    assert resolved(index, typed) == (category.code, MatchKind.INITIALS)


@pytest.mark.parametrize(("name", "typed"), [
    ("输油（气）井盖异常", "syqjgyc"),
    ("遮阳篷（棚、伞）破损", "zyppsps"),
    ("门（楼号）牌异常", "mlhpyc"),
    ("紧急报警点异常SOS", "jjbjdycsos"),
])
def test_initials_examples(name: str, typed: str) -> None:
    assert pinyin_initials(name) == typed


def test_initials_shared_by_two_names_are_ambiguous(index: CategoryIndex) -> None:
    with pytest.raises(AmbiguousCategoryError) as err:
        index.resolve("dljgyc")
    assert [c.code for c in err.value.candidates] == ["01005", "01017"]  # 电力 / 电缆井盖异常


def test_initials_are_computed_only_when_needed_and_once() -> None:
    calls: list[str] = []

    def initials(name: str) -> str:
        calls.append(name)
        return {"暴露垃圾": "bllj", "道路不洁": "dlbj"}[name]

    small = CategoryIndex([cat("06010", "暴露垃圾"), cat("06012", "道路不洁")], initials=initials)
    small.resolve("06010")
    small.resolve("暴露垃圾")
    small.resolve("垃圾")  # a Chinese fragment never needs initials
    assert calls == []
    assert resolved(small, "dlbj") == ("06012", MatchKind.INITIALS)
    assert resolved(small, "bllj") == ("06010", MatchKind.INITIALS)
    assert sorted(calls) == ["暴露垃圾", "道路不洁"]


# --------------------------------------------------------------------------- refusals


def test_ambiguous_input_lists_its_candidates(index: CategoryIndex) -> None:
    with pytest.raises(AmbiguousCategoryError) as err:
        index.resolve("垃圾")
    codes = [c.code for c in err.value.candidates]
    assert codes == ["03004", "03005", "06010", "06011", "06020", "06032", "06041", "06042"]
    lines = err.value.message.splitlines()
    assert "垃圾" in lines[0] and "8" in lines[0]
    assert lines[1:] == [f"  {c.code} {c.name_zh}" for c in err.value.candidates]
    assert isinstance(err.value, NotFoundError)  # the CLI's exit 2


def test_ambiguous_listing_stops_at_ten(index: CategoryIndex) -> None:
    with pytest.raises(AmbiguousCategoryError) as err:
        index.resolve("井盖")
    total = len(err.value.candidates)
    assert total > MAX_CANDIDATES
    lines = err.value.message.splitlines()
    assert len(lines) == 1 + MAX_CANDIDATES + 1
    assert f"另有 {total - MAX_CANDIDATES} 个" in lines[-1]


@pytest.mark.parametrize(("text", "closest"), [
    ("jtxhd", "02014"),  # the start of 交通信号灯异常's initials
    ("路灯坏了", "01037"),  # looks like 路灯异常
    ("0601", "06010"),  # the start of codes
    ("芹阳路口暴露垃圾成堆", "06010"),  # a name inside the text
])
def test_unknown_input_offers_the_closest(index: CategoryIndex, text: str, closest: str) -> None:
    with pytest.raises(UnknownCategoryError) as err:
        index.resolve(text)
    assert closest in [c.code for c in err.value.candidates]
    assert len(err.value.candidates) <= MAX_CANDIDATES
    assert f"  {closest} " in err.value.message


@pytest.mark.parametrize("text", ["", "   ", "（）、", "'; DROP TABLE cases; --", "99999", "火星"])
def test_unknown_input_without_anything_close_is_one_line(index: CategoryIndex, text: str) -> None:
    with pytest.raises(UnknownCategoryError) as err:
        index.resolve(text)
    assert err.value.candidates == ()
    assert "\n" not in err.value.message and "类别" in err.value.message


def test_search_returns_the_deciding_tier(index: CategoryIndex) -> None:
    assert [c.code for c in index.search("机动车乱停放")] == ["09009"]
    assert [c.code for c in index.search("岗亭")] == ["01051", "02016"]
    assert index.search("没有这个") == ()


def test_exact_kinds() -> None:
    assert {k for k in MatchKind if k.exact} == {
        MatchKind.CODE, MatchKind.LEGACY_CODE, MatchKind.NAME, MatchKind.ALIAS}


# --------------------------------------------------------------------------- the seed's words


# The seed's own words: not the table's descriptions of owned components, conditions or
# elisions, nor its paraphrase of 机动车与非机动车在道路乱停放 (whose names are the words).
CLEAN = [d for d in SEED_DUTIES
         if not d.owned and d.condition in (None, "1") and not re.search(r"[…（、]|在道路", d.phrase)]


def test_the_clean_seed_phrases_are_most_of_the_table() -> None:
    assert len(CLEAN) >= 40


@pytest.mark.parametrize("duty", CLEAN, ids=lambda d: f"{d.duty}-{d.phrase}")
def test_a_seed_word_finds_its_category_and_routes_to_the_seed_unit(
        index: CategoryIndex, duty: Duty) -> None:
    category = index.resolve(duty.phrase).category
    assert category.code == duty.category
    result = route(category, grid=None, component=None, condition=None, rules=kaihua.rules(),
                   units=kaihua.units(), coordination_office=kaihua.centre().coordination_office)
    assert result.unit == duty.unit, result.rule


def test_traffic_light_routes_to_the_police() -> None:
    index = CategoryIndex(kaihua.categories().values())
    category = index.resolve("交通信号灯").category
    result = route(category, grid=None, component=None, condition=None, rules=kaihua.rules(),
                   units=kaihua.units(), coordination_office=kaihua.centre().coordination_office)
    assert kaihua.units()[result.unit].name == "县公安局"
    assert "职责分工 7" in result.rule


def test_the_words_left_out_on_purpose_stay_unresolved(index: CategoryIndex) -> None:
    # They mean a filing condition (商业噪音 -> 06028 condition 2) or several categories.
    for word in ("商业噪音", "公安设施", "电子屏"):
        with pytest.raises(UnknownCategoryError):
            index.resolve(word)
    # 广告牌匾 is no alias, but a fragment of 07006's 违法悬挂广告牌匾 alone: a guess, not a word.
    assert resolved(index, "广告牌匾") == ("07006", MatchKind.FRAGMENT)


def test_the_seeds_parking_paraphrase_offers_both_parking_categories(index: CategoryIndex) -> None:
    with pytest.raises(UnknownCategoryError) as err:
        index.resolve("非机动车在道路乱停放")
    assert [c.code for c in err.value.candidates[:2]] == ["09010", "09009"]


# --------------------------------------------------------------------------- file checks


def test_the_shipped_aliases_are_clean() -> None:
    cats = kaihua.categories().values()
    assert alias_problems(cats) == []
    assert sum(1 for c in cats if c.aliases) == 32


@pytest.mark.parametrize(("cats", "needle"), [
    ([cat("06001", "甲", "同词"), cat("06002", "乙", "同 词")], "同时属于 06001"),
    ([cat("06001", "甲", "乙"), cat("06002", "乙")], "同时属于"),
    ([cat("06001", "甲", "06002"), cat("06002", "乙")], "是类别代码"),
    ([cat("06001", "甲", "0101"), cat("06002", "乙", legacy="0101")], "是类别代码"),
    ([cat("06001", "甲", "（）")], "空别名"),
    ([cat("06001", "垃圾、树叶"), cat("06002", "垃圾树叶")], "名称"),
])
def test_alias_problems(cats: list[Category], needle: str) -> None:
    problems = alias_problems(cats)
    assert len(problems) == 1 and needle in problems[0], problems


def test_an_alias_equal_to_its_own_name_is_harmless() -> None:
    assert alias_problems([cat("06001", "道路遗撒（洒）", "道路遗撒洒")]) == []


def _categories_file(tmp_path: Path, replace: tuple[str, str]) -> Path:
    text = (kaihua.ROOT / "categories.yaml").read_text(encoding="utf-8")
    assert replace[0] in text
    path = tmp_path / "categories.yaml"
    path.write_text(text.replace(*replace, 1), encoding="utf-8")
    return path


def test_a_file_with_an_alias_used_twice_is_refused_in_one_line(tmp_path: Path) -> None:
    path = _categories_file(tmp_path, ('aliases: ["治安岗亭"]', 'aliases: ["交通信号灯"]'))
    with pytest.raises(ValidationError) as err:
        load_categories(path)
    message = err.value.message
    assert "\n" not in message
    assert "categories.yaml" in message and "交通信号灯" in message
    assert "01051" in message and "02014" in message


def test_a_file_with_aliases_not_a_list_of_strings_is_refused(tmp_path: Path) -> None:
    path = _categories_file(tmp_path, ('aliases: ["治安岗亭"]', 'aliases: 治安岗亭'))
    with pytest.raises(ValidationError, match="aliases"):
        load_categories(path)


def test_the_file_loads_the_aliases() -> None:
    cats = kaihua.categories()
    assert cats["02014"].aliases == ("交通信号灯",)
    assert cats["07007"].aliases == ("横幅乱挂", "擅自搭建气模拱门", "擅自悬挂商业性气球直幅")
    assert cats["06010"].aliases == ()
