"""区域 按期结案率 leaves out closes whose handling had no clock (imported without times)."""

from __future__ import annotations

from console.domain.evaluation import AreaCounts, evaluate_area


def _rate(counts: AreaCounts) -> tuple[float, int | None, int | None]:
    index = next(i for i in evaluate_area(counts).indices if i.key == "close_on_time_rate")
    return index.value, index.numerator, index.denominator


def test_untimed_closes_are_neither_on_time_nor_late() -> None:
    timed = AreaCounts(filed=4, reported_verified=0, due_to_close=4, closed=4, closed_on_time=2)
    assert _rate(timed) == (0.5, 2, 4)
    # Two of the four closed without a clock: 2 of the 2 that can be judged were on time.
    assert _rate(AreaCounts(4, 0, 4, 4, 2, untimed=2)) == (1.0, 2, 2)
    # Only untimed closes: nothing to judge, nothing failed (as any 0 of 0).
    assert _rate(AreaCounts(1, 0, 1, 1, 0, untimed=1)) == (1.0, 0, 0)
