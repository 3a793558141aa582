"""The keyed chain, the walk that carries on past breaks, anchors and the admin log's users
check (issue #14: an insider with the database alone cannot forge quietly)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from console.domain import anchors
from console.domain.admin_log import (
    AdminEntry,
    StoredUser,
    last_words,
    password_tag,
    user_differences,
)
from console.domain.audit import (
    BEYOND_HEAD,
    CHANGED,
    DOWNGRADE,
    GENESIS,
    ChainKey,
    ChainWalk,
    KeyRing,
    Link,
    canonical,
    chain_hash,
    key_id_for,
    link,
)
from console.domain.cases import CaseState, Event, Role

T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
KEY = ChainKey(b"k" * 32)
OTHER = ChainKey(b"o" * 32)


def _events(n: int = 8, first: int = 1) -> list[Event]:
    return [Event(case_id=1, type="urge", from_state=CaseState.HANDLING,
                  to_state=CaseState.HANDLING, actor="zhibanzhang1", role=Role.SUPERVISOR,
                  occurred_at=T0 + timedelta(minutes=i), payload={"note": f"第{i}次"},
                  id=first + i) for i in range(n)]


def _links(events: list[Event], key: ChainKey | None = KEY,
           previous: str = GENESIS) -> list[Link]:
    return [Link(e.id or 0, canonical(e), None if key is None else key.key_id, h)
            for e, h in link(previous, events, key)]


def _walk(links: list[Link], keys: KeyRing | None = None) -> ChainWalk:
    walk = ChainWalk(KeyRing((KEY,)) if keys is None else keys)
    walk.feed(links)
    return walk


def test_a_keyed_chain_verifies_and_differs_from_the_unkeyed_one() -> None:
    rows = _links(_events())
    walk = _walk(rows)
    assert walk.break_count == 0 and walk.rows == 8 and walk.keyed == 8 and not walk.unchecked
    assert rows[0].stored != chain_hash(GENESIS, _events()[0])


def test_a_forged_row_recomputed_with_sha256_is_a_break() -> None:
    # The probe of the issue: the forger holds the database, so only SHA-256 is at hand.
    rows = _links(_events())
    forged = dataclasses.replace(_events(1, 9)[0], actor="paiqian9")
    body = canonical(forged)
    rows.append(Link(9, body, KEY.key_id, chain_hash(rows[-1].stored or "", forged)))
    rows.append(Link(10, body, None, chain_hash(rows[-2].stored or "", forged)))
    walk = _walk(rows)
    assert [(b.event_id, b.reason) for b in walk.breaks] == [(9, CHANGED), (10, DOWNGRADE)]


def test_one_bogus_row_is_reported_alone_and_the_rest_still_checked() -> None:
    rows = _links(_events(8))
    bogus = Link(5_000, b"[1,5000]", KEY.key_id, "f" * 64)
    real_after = _links(_events(3, 9), previous=rows[-1].stored or "")
    walk = _walk([*rows[:8], bogus, *real_after])
    assert [b.event_id for b in walk.breaks] == [5_000]
    assert walk.rows == 12 and walk.last_good_id == 8


def test_a_changed_row_and_a_removed_row_are_each_reported_once() -> None:
    rows = _links(_events(10))
    changed = dataclasses.replace(rows[3], body=rows[3].body.replace("第".encode(), b"X"))
    walk = _walk([*rows[:3], changed, *rows[4:6], *rows[7:]])
    assert [b.event_id for b in walk.breaks] == [4, 8]


def test_rows_of_a_key_not_held_are_unchecked_not_broken() -> None:
    rows = _links(_events(4), OTHER)
    walk = _walk(rows)
    assert walk.break_count == 0 and walk.unchecked == {OTHER.key_id: 4}
    rotated = [*_links(_events(2)), *_links(_events(2, 3), OTHER, _links(_events(2))[-1].stored
                                            or "")]
    assert _walk(rotated, KeyRing((KEY, OTHER))).break_count == 0


def test_legacy_rows_before_keyed_ones_verify() -> None:
    old = _links(_events(3), None)
    new = _links(_events(3, 4), KEY, old[-1].stored or "")
    walk = _walk([*old, *new])
    assert walk.break_count == 0 and walk.unkeyed == 3 and walk.keyed == 3


def test_key_ids_belong_to_their_secret() -> None:
    assert KEY.key_id == key_id_for(b"k" * 32) and "k" * 8 not in repr(KEY)
    with pytest.raises(ValueError, match="does not belong"):
        ChainKey(b"k" * 32, OTHER.key_id)
    with pytest.raises(ValueError, match="at least"):
        ChainKey(b"short")


def test_an_anchor_round_trips_and_its_signature_holds() -> None:
    heads = (anchors.Head("events", 42, "a" * 64), anchors.Head("admin", 3, "b" * 64))
    anchor = anchors.sign(KEY, T0, heads)
    again = anchors.parse(anchor.line())
    assert again == anchor and anchors.authentic(again, KeyRing((KEY,))) is True
    assert anchors.authentic(again, KeyRing((OTHER,))) is None
    forged = anchors.parse(anchor.line().replace("events=42", "events=41"))
    assert anchors.authentic(forged, KeyRing((KEY,))) is False
    for bad, why in (("", "not an anchor"), ("CITYDESK-ANCHOR 2 a b c d", "version"),
                     (anchor.line().replace("mac=", "mac=zz"), "bad mac")):
        with pytest.raises(ValueError, match=why):
            anchors.parse(bad)


def test_the_users_check_names_a_role_changed_behind_the_log() -> None:
    stored_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"
    entries = [
        AdminEntry("user-add", "users", "paiqian1",
                   {"role": "派遣员", "unit": None, "active": True,
                    "password": password_tag(KEY, stored_hash)}, key_id=KEY.key_id),
        AdminEntry("user-update", "users", "paiqian1",
                   {"role": "派遣员", "unit": None, "active": False}, key_id=KEY.key_id),
    ]
    words = last_words(entries)
    held = {KEY.key_id: KEY}
    ok = StoredUser("paiqian1", "派遣员", None, False, stored_hash)
    assert user_differences([ok], words, held) == []
    promoted = dataclasses.replace(ok, role="管理员", active=True)
    assert {d[1] for d in user_differences([promoted], words, held)} == {"role", "active"}
    rehashed = dataclasses.replace(ok, password_hash=stored_hash + "x")
    assert [d[1] for d in user_differences([rehashed], words, held)] == ["password"]
    assert user_differences([rehashed], words, {}) == []  # the tag's key is not held
    stranger = StoredUser("intruder", "管理员", None, True, None)
    assert user_differences([stranger], words, held)[0][:2] == ("intruder", "log")


def test_beyond_head_is_a_reason_of_its_own() -> None:
    walk = ChainWalk(None)
    walk.note_break(9_000_000_000_000_000, BEYOND_HEAD)
    assert walk.break_count == 1 and walk.breaks[0].reason == BEYOND_HEAD
