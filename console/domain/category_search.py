"""Finding a category from what a person types: a code, a name, a word of the seed, initials.

One resolver serves the command line (``--category``), the import path and the desk's picker,
so the three accept the same input.  :meth:`CategoryIndex.lookup` tries, in this order, and the
first tier with any match decides:

1. the 5-digit GB/T 47678.5 code;
2. the legacy CJ/T 214 code (looked up in :meth:`CategoryIndex.legacy`, and only there);
3. the name;
4. an alias (``aliases:`` in categories.yaml, e.g. the seed's 交通信号灯, 道路遗撒);
5. the pinyin initials of the name (``bllj`` for 暴露垃圾);
6. a fragment of a name or an alias.

Names, aliases and initials are compared as :func:`search_key` gives them: full-width forms
folded (NFKC), case folded, punctuation, brackets and spaces dropped, so 焚烧垃圾树叶 is the
name 焚烧垃圾、树叶 and ``syqjgyc`` the initials of 输油（气）井盖异常.  Because a tier stops the
search, an exact name beats every fragment: 机动车乱停放 is itself although 非机动车乱停放 contains
it.  More than one match in the deciding tier is ambiguous; no match is unknown, with the
closest categories offered.

A legacy code is never guessed.  CJ/T 214 numbers components and events separately, so one
four-digit code can name a component and an event (0102: 污水井盖 among components, 暴露垃圾
among events); in the Kaihua set 29 of the 66 legacy codes do, and two (0307, 0403) name two
components each.  Such a code resolves only with the kind it is meant as (``legacy_kind``:
``--kind`` on the command line, ``legacy_kind`` in an import mapping or a feed record) and
only when that leaves one category; otherwise :class:`AmbiguousLegacyCodeError` names every
meaning.  A kind the code does not have is refused (:class:`LegacyKindError`), not ignored.
A legacy code with one meaning resolves to it when no kind is given.
"""

from __future__ import annotations

import difflib
import enum
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from console.domain.errors import NotFoundError, ValidationError
from console.domain.reference import Category, CategoryKind

MAX_CANDIDATES = 10
"""How many candidates an ambiguous or unknown category lists."""

_DROPPED = ("P", "Z", "C", "S")  # punctuation, separators, controls, symbols
_SHOWN = 40  # characters of the input an error message repeats
KIND_ZH = {CategoryKind.COMPONENT: "部件", CategoryKind.EVENT: "事件"}
_KIND_WORDS = {"component": CategoryKind.COMPONENT, "event": CategoryKind.EVENT,
               "部件": CategoryKind.COMPONENT, "事件": CategoryKind.EVENT}


def parse_legacy_kind(value: object, where: str = "legacy_kind") -> CategoryKind:
    """The kind a legacy code is meant as: ``component`` / ``event`` (or 部件 / 事件).

    Raises
    ------
    ValidationError
        Anything else (one line naming ``where``).
    """
    if isinstance(value, CategoryKind):
        return value
    word = unicodedata.normalize("NFKC", str(value)).strip().casefold() if isinstance(
        value, str) else ""
    if word in _KIND_WORDS:
        return _KIND_WORDS[word]
    raise ValidationError(f"{where} 应为 component（部件）或 event（事件），不是 {_shown(str(value))}"
                          f" / {where} must be component or event")


def search_key(text: str) -> str:
    """``text`` as names, aliases and initials are compared: ``道路遗撒(洒)`` -> ``道路遗撒洒``."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in _DROPPED)


@lru_cache(maxsize=8192)
def pinyin_initials(name: str) -> str:
    """Pinyin initials of a name, punctuation ignored: 输油（气）井盖异常 -> ``syqjgyc``.

    Letters and digits in the name stay (紧急报警点异常SOS -> ``jjbjdycsos``).
    """
    # Imported on first use: pypinyin's dictionaries cost ~0.15 s to load and ~1 ms per name
    # after, and most lookups (codes, names) never need them; the cache keeps a second
    # dialog or a second search free.
    from pypinyin import Style, lazy_pinyin

    return search_key("".join(lazy_pinyin(name, style=Style.FIRST_LETTER)))


class MatchKind(enum.StrEnum):
    """Which tier a category was found in."""

    CODE = "code"
    LEGACY_CODE = "legacy_code"
    NAME = "name"
    ALIAS = "alias"
    INITIALS = "initials"
    FRAGMENT = "fragment"

    @property
    def exact(self) -> bool:
        """True for a code, a legacy code, a name or an alias: what a record can mean on purpose.

        Initials and fragments are typing shortcuts; the import path lets a channel's own
        mapping table beat them.
        """
        return self in (MatchKind.CODE, MatchKind.LEGACY_CODE, MatchKind.NAME, MatchKind.ALIAS)


@dataclass(frozen=True, slots=True)
class CategoryMatch:
    """A resolved category and the tier that found it."""

    category: Category
    kind: MatchKind


def _shown(text: str) -> str:
    return repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "…")


def _listing(candidates: Sequence[Category], total: int) -> str:
    lines = [f"  {c.code} {c.name_zh}" for c in candidates[:MAX_CANDIDATES]]
    if total > MAX_CANDIDATES:
        lines.append(f"  …另有 {total - MAX_CANDIDATES} 个 / {total - MAX_CANDIDATES} more")
    return "\n".join(lines)


class AmbiguousCategoryError(NotFoundError):
    """The input fits several categories; ``candidates`` lists them (all of them, code order).

    Parameters
    ----------
    text : str
        What was typed.
    candidates : sequence of Category
        Every category the deciding tier matched.
    """

    code = "ambiguous_category"

    def __init__(self, text: str, candidates: Sequence[Category]) -> None:
        self.text = text
        self.candidates = tuple(candidates)
        super().__init__(
            f"案件类别 {_shown(text)} 可指 {len(self.candidates)} 个类别，请给出代码或更完整的名称"
            f" / ambiguous category:\n{_listing(self.candidates, len(self.candidates))}"
        )


def _meanings(categories: Sequence[Category]) -> tuple[str, str]:
    """What a legacy code means, in Chinese and in English (no CJK: the desk shows one half)."""
    zh = "、".join(f"{KIND_ZH[c.kind]} {c.code} {c.name_zh}" for c in categories)
    en = ", ".join(f"{c.kind.value} {c.code}" + (f" ({c.name_en})" if c.name_en else "")
                   for c in categories)
    return zh, en


class AmbiguousLegacyCodeError(AmbiguousCategoryError):
    """A legacy CJ/T 214 code with several meanings and no kind that leaves one (one line).

    Parameters
    ----------
    text : str
        The code as given.
    candidates : sequence of Category
        Every category the code names (of the kind given, if one was).
    """

    code = "ambiguous_legacy_code"

    def __init__(self, text: str, candidates: Sequence[Category]) -> None:
        self.text = text
        self.candidates = tuple(candidates)
        zh, en = _meanings(self.candidates)
        if len({c.kind for c in self.candidates}) > 1:
            hint_zh = "须指明类型（--kind component 或 event；导入映射、馈送记录中为 legacy_kind）"
            hint_en = "give the kind (--kind component or event; legacy_kind in a mapping or feed)"
        else:
            hint_zh, hint_en = "请给出 5 位类别代码", "give the 5-digit code"
        NotFoundError.__init__(self, f"旧代码 {_shown(text)} 有 {len(self.candidates)} 个含义："
                                     f"{zh}；{hint_zh} / legacy code {_shown(text)} means {en}:"
                                     f" {hint_en}")


class UnknownCategoryError(NotFoundError):
    """No category fits the input; ``candidates`` are the closest ones (may be empty).

    Parameters
    ----------
    text : str
        What was typed.
    candidates : sequence of Category
        Up to :data:`MAX_CANDIDATES` near misses, closest first.
    """

    code = "unknown_category"

    def __init__(self, text: str, candidates: Sequence[Category] = ()) -> None:
        self.text = text
        self.candidates = tuple(candidates)
        message = f"未知的案件类别 {_shown(text)}（可用 5 位代码、名称、别名或拼音首字母）"
        if self.candidates:
            # One gloss per line: the desk shows a line's Chinese or its English half.
            message += (f"，相近的： / unknown category; closest:\n"
                        f"{_listing(self.candidates, len(self.candidates))}")
        else:
            message += " / unknown category"
        super().__init__(message)


class LegacyKindError(UnknownCategoryError):
    """A legacy code given with a kind it has no meaning of (one line).

    Parameters
    ----------
    text : str
        The code as given.
    kind : CategoryKind
        The kind asked for.
    meanings : sequence of Category
        What the code does name (all of the other kind).
    """

    code = "legacy_kind"

    def __init__(self, text: str, kind: CategoryKind, meanings: Sequence[Category]) -> None:
        self.text = text
        self.candidates = tuple(meanings)
        zh, en = _meanings(self.candidates)
        NotFoundError.__init__(
            self, f"旧代码 {_shown(text)} 没有{KIND_ZH[kind]}含义（它指 {zh}）"
                  f" / legacy code {_shown(text)} names no {kind.value} (it means {en})")


class CategoryIndex:
    """The search keys of a set of categories, built once; initials only when first needed.

    Parameters
    ----------
    categories : iterable of Category
        The centre's categories.
    initials : callable, optional
        Name -> initials; :func:`pinyin_initials` unless a test passes its own.
    """

    def __init__(self, categories: Iterable[Category],
                 initials: Callable[[str], str] = pinyin_initials) -> None:
        self.categories: tuple[Category, ...] = tuple(sorted(categories, key=lambda c: c.code))
        self._initials_of = initials
        self._codes = {c.code: c for c in self.categories}
        self._legacy: dict[str, list[Category]] = {}
        self._names: dict[str, list[Category]] = {}
        self._aliases: dict[str, list[Category]] = {}
        self._texts: list[tuple[str, Category]] = []  # (name or alias key, category)
        for cat in self.categories:
            if cat.legacy_code:
                self._legacy.setdefault(cat.legacy_code, []).append(cat)
            key = search_key(cat.name_zh)
            self._names.setdefault(key, []).append(cat)
            self._texts.append((key, cat))
            for alias in dict.fromkeys(search_key(a) for a in cat.aliases):
                if alias:
                    self._aliases.setdefault(alias, []).append(cat)
                    self._texts.append((alias, cat))
        self._by_initials: dict[str, list[Category]] | None = None

    def initials(self, category: Category) -> str:
        """The initials a category's name is typed as (cached per name)."""
        return self._initials_of(category.name_zh)

    def legacy(self, code: str, kind: CategoryKind | None = None) -> tuple[Category, ...]:
        """The categories a legacy CJ/T 214 code names: the one place legacy codes are read.

        Every meaning, code order: 0101 is 供水井盖异常 (component 01001) and 私搭乱建 (event
        06001).  ``kind`` keeps the meanings of that kind only.
        """
        return tuple(c for c in self._legacy.get(code, ()) if kind is None or c.kind is kind)

    def ambiguous_legacy(self) -> dict[str, tuple[Category, ...]]:
        """Every legacy code with more than one meaning, and its meanings."""
        return {code: tuple(cats) for code, cats in sorted(self._legacy.items())
                if len(cats) > 1}

    def lookup(self, text: str, legacy_kind: CategoryKind | None = None
               ) -> tuple[MatchKind | None, tuple[Category, ...]]:
        """The first tier ``text`` matches in and every category it matches there (code order).

        ``legacy_kind`` narrows a legacy code to its meanings of that kind (possibly none).
        """
        raw = unicodedata.normalize("NFKC", text).strip()
        if raw in self._codes:
            return MatchKind.CODE, (self._codes[raw],)
        if raw in self._legacy:
            return MatchKind.LEGACY_CODE, self.legacy(raw, legacy_kind)
        key = search_key(raw)
        if not key:
            return None, ()
        for kind, table in ((MatchKind.NAME, self._names), (MatchKind.ALIAS, self._aliases)):
            if key in table:
                return kind, tuple(table[key])
        if key.isascii() and key in self._initials_table():
            return MatchKind.INITIALS, tuple(self._initials_table()[key])
        fragment = {cat.code: cat for text_key, cat in self._texts if key in text_key}
        if fragment:
            return MatchKind.FRAGMENT, tuple(sorted(fragment.values(), key=lambda c: c.code))
        return None, ()

    def resolve(self, text: str, legacy_kind: CategoryKind | None = None) -> CategoryMatch:
        """The one category ``text`` means; ``legacy_kind`` picks a legacy code's meaning.

        Raises
        ------
        AmbiguousLegacyCodeError
            A legacy code with several meanings of the kind given (or of both kinds).
        LegacyKindError
            A legacy code without a meaning of the kind given.
        AmbiguousCategoryError
            Several categories fit (the error lists them).
        UnknownCategoryError
            None fits (the error offers the closest).
        """
        kind, found = self.lookup(text, legacy_kind)
        if kind is MatchKind.LEGACY_CODE and len(found) != 1:
            if found:
                raise AmbiguousLegacyCodeError(text, found)
            assert legacy_kind is not None  # without a kind every meaning is found
            code = unicodedata.normalize("NFKC", text).strip()
            raise LegacyKindError(text, legacy_kind, self.legacy(code))
        if kind is None:
            raise UnknownCategoryError(text, self.suggest(text))
        if len(found) > 1:
            raise AmbiguousCategoryError(text, found)
        return CategoryMatch(found[0], kind)

    def search(self, text: str) -> tuple[Category, ...]:
        """Every category the deciding tier matches (what ``category list --search`` shows).

        A legacy code gives all its meanings.
        """
        return self.lookup(text)[1]

    def holders(self, word: str) -> tuple[Category, ...]:
        """Categories whose name or an alias is ``word`` (as compared), for clash checks."""
        key = search_key(word)
        found = {c.code: c for c in (*self._names.get(key, ()), *self._aliases.get(key, ()))}
        return tuple(found.values())

    def suggest(self, text: str, limit: int = MAX_CANDIDATES) -> tuple[Category, ...]:
        """Near misses for an unknown input, closest kind first.

        Codes the input begins, initials it begins, names or aliases inside it (longest
        first), then names and aliases that look alike (difflib ratio >= 0.5).
        """
        raw = unicodedata.normalize("NFKC", text).strip()
        key = search_key(raw)
        if not key:
            return ()
        picked: dict[str, Category] = {}

        def add(cats: Iterable[Category]) -> None:
            for cat in cats:
                if len(picked) >= limit:
                    return
                picked.setdefault(cat.code, cat)

        if raw.isdigit():
            add(c for c in self.categories
                if c.code.startswith(raw) or (c.legacy_code or "").startswith(raw))
        if key.isascii():
            add(c for c in self.categories if self.initials(c).startswith(key))
        inside = sorted(((len(k), c) for k, c in self._texts if k in key),
                        key=lambda pair: -pair[0])
        add(c for _n, c in inside)
        matcher = difflib.SequenceMatcher(b=key, autojunk=False)
        scored = []
        for text_key, cat in self._texts:
            matcher.set_seq1(text_key)
            if matcher.real_quick_ratio() >= 0.5 and matcher.ratio() >= 0.5:
                scored.append((matcher.ratio(), cat))
        add(c for _r, c in sorted(scored, key=lambda pair: -pair[0]))
        return tuple(picked.values())

    def _initials_table(self) -> dict[str, list[Category]]:
        if self._by_initials is None:
            table: dict[str, list[Category]] = {}
            for cat in self.categories:
                table.setdefault(self.initials(cat), []).append(cat)
            self._by_initials = table
        return self._by_initials


def alias_problems(categories: Iterable[Category]) -> list[str]:
    """What makes a set of categories' names and aliases unusable, one sentence each.

    An alias may not be empty, be a code or a legacy code, or be (as compared) another
    category's name or alias; two names may not differ only in punctuation or case.  Any of
    these would make an exact word ambiguous.
    """
    cats = sorted(categories, key=lambda c: c.code)
    codes = {c.code for c in cats} | {c.legacy_code for c in cats if c.legacy_code}
    owner: dict[str, Category] = {}
    problems: list[str] = []
    for cat in cats:
        key = search_key(cat.name_zh)
        other = owner.setdefault(key, cat)
        if other is not cat:
            problems.append(f"类别 {cat.code} 的名称「{cat.name_zh}」与 {other.code}"
                            f"「{other.name_zh}」相同（不计标点、大小写）/ duplicate name")
    for cat in cats:
        for alias in cat.aliases:
            key = search_key(alias)
            if not key:
                problems.append(f"类别 {cat.code} 有空别名 {alias!r} / empty alias")
                continue
            if alias.strip() in codes:
                problems.append(f"类别 {cat.code} 的别名「{alias}」是类别代码 / alias is a code")
                continue
            other = owner.setdefault(key, cat)
            if other is not cat:
                first, second = sorted((cat, other), key=lambda c: c.code)
                problems.append(f"别名「{alias}」同时属于 {first.code}「{first.name_zh}」和 "
                                f"{second.code}「{second.name_zh}」/ alias used twice")
    return problems
