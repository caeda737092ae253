"""Property tests of the response criteria over generated lesion tables (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gistpath.imaging.choi import assess_choi
from gistpath.imaging.criteria import choi_rules, recist_rules
from gistpath.imaging.recist import assess_recist
from support.scans import non_target, scan, target

R11 = recist_rules("1.1")
R10 = recist_rules("1.0")
CHOI = choi_rules()

sizes = st.lists(st.integers(min_value=10, max_value=150), min_size=1, max_size=5)


@st.composite
def shrinking_course(draw: st.DrawFn) -> tuple[list[int], list[list[int]]]:
    """Baseline target sizes and follow-ups in which no target ever grows."""
    base = draw(sizes)
    course: list[list[int]] = []
    current = base
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        current = [draw(st.integers(min_value=0, max_value=size)) for size in current]
        course.append(current)
    return base, course


def _scans(base: list[int], course: list[list[int]]):  # type: ignore[no-untyped-def]
    baseline = scan(
        0,
        *(target(f"T{i}", s, organ="liver" if i < 2 else "peritoneum") for i, s in enumerate(base)),
        non_target("N1"),
    )
    follow = [
        scan(
            56 * (k + 1),
            *(
                target(f"T{i}", s, organ="liver" if i < 2 else "peritoneum")
                for i, s in enumerate(sizes_k)
            ),
            non_target("N1"),
        )
        for k, sizes_k in enumerate(course)
    ]
    return baseline, follow


@settings(max_examples=300, deadline=None)
@given(shrinking_course())
def test_shrinking_every_target_never_gives_pd_without_a_new_lesion(
    course: tuple[list[int], list[list[int]]],
) -> None:
    baseline, follow = _scans(*course)
    for rules in (R11, R10):
        assert all(p.overall != "PD" for p in assess_recist(baseline, follow, rules))


@settings(max_examples=300, deadline=None)
@given(sizes, st.lists(st.integers(min_value=0, max_value=300), min_size=1, max_size=5))
def test_target_pd_under_1_1_needs_twenty_percent_and_five_mm(
    base: list[int], grown: list[int]
) -> None:
    grown = (grown * 5)[: len(base)]
    baseline, [follow] = _scans(base, [grown])
    [point] = assess_recist(baseline, [follow], R11)
    total, nadir = sum(grown), sum(base)
    if point.target == "PD":
        assert total - nadir >= 5
        assert total >= 1.2 * nadir - 1e-9
    if total - nadir >= 5 and total >= 1.2 * nadir and any(g > 0 for g in grown):
        assert point.target == "PD"


@settings(max_examples=300, deadline=None)
@given(sizes, st.lists(st.integers(min_value=0, max_value=300), min_size=1, max_size=5))
def test_pd_under_1_1_implies_pd_under_1_0(base: list[int], grown: list[int]) -> None:
    """RECIST 1.0 drops the 5 mm rule, so its PD set contains that of 1.1 (same targets)."""
    grown = (grown * 5)[: len(base)]
    baseline, follow = _scans(base, [grown])
    if assess_recist(baseline, follow, R11)[0].overall == "PD":
        assert assess_recist(baseline, follow, R10)[0].overall == "PD"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(10, 150), st.integers(20, 120)), min_size=1, max_size=5),
    st.lists(st.integers(1, 400), min_size=5, max_size=5),
    st.floats(min_value=0.0, max_value=0.85),
)
def test_choi_pr_is_implied_by_a_15_percent_density_fall_whatever_the_size(
    base: list[tuple[int, int]], new_sizes: list[int], fall: float
) -> None:
    """Every target's HU falls by the same fraction >= 15%; size does anything (but lesions stay
    visible and nothing new appears): Choi says PR."""
    factor = 0.85 - fall * 0.8  # a fall of 15% to 83%
    baseline = scan(0, *(target(f"T{i}", s, hu=h) for i, (s, h) in enumerate(base)))
    follow = scan(
        56,
        *(target(f"T{i}", new_sizes[i], hu=h * factor) for i, (_, h) in enumerate(base)),
    )
    [point] = assess_choi(baseline, [follow], CHOI)
    assert point.density_change_pct is not None and point.density_change_pct <= -15.0 + 1e-9
    assert point.overall == "PR"
