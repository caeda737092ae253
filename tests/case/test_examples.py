"""The example cases (examples/cases): valid, named by id, listed in the README, and each one
still tells the story the README promises (checked with plain target-sum arithmetic).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from gistpath.case.load import load_cases
from gistpath.case.model import Case
from gistpath.case.timeline import (
    Line,
    baseline_scan,
    ecog_at,
    months_between,
    scans,
    treatment_lines,
)

EXAMPLES = Path(__file__).parents[2] / "examples"
CASES = {case.id: case for case in load_cases([EXAMPLES / "cases"])}


@dataclass(frozen=True)
class Point:
    """One scan of a line: the target sum and what changed against the line's baseline/nadir."""

    day: date
    total: float
    vs_baseline: float  # fraction, -0.3 = 30 % smaller
    vs_nadir: float
    grew_mm: float  # absolute growth over the nadir
    progressing: frozenset[str]  # targets +20 % and +5 mm over their own nadir, new, nodules
    new: frozenset[str]  # lesions with role "new"
    density_change: float | None  # mean HU change of targets measured at both


def _course(case: Case, line: Line, reader: str = "site") -> list[Point]:
    readings = scans(case, reader)
    base = baseline_scan(line, readings)
    assert base is not None, f"{case.id}: line {line.number} has no {reader} baseline"
    targets = {les.id: les for les in base.lesions if les.role == "target"}
    base_total = sum(les.diameter_mm or 0 for les in targets.values())
    nadir = base_total
    own = {k: v.diameter_mm or 0 for k, v in targets.items()}
    points = []
    for scan in readings:
        if scan.date <= line.start or (line.end is not None and scan.date > line.end):
            continue
        now = {les.id: les for les in scan.lesions}
        total = sum(now[k].diameter_mm or 0 for k in targets if k in now)
        size = {k: now[k].diameter_mm or 0 for k in targets if k in now}
        growing = {k for k, mm in size.items() if mm >= 1.2 * own[k] and mm - own[k] >= 5}
        new = frozenset(les.id for les in scan.lesions if les.role == "new")
        growing |= new
        growing |= {
            les.id for les in scan.lesions if les.intratumoral_nodule in ("new", "enlarging")
        }
        pairs = [
            (targets[k].density_hu, now[k].density_hu)
            for k in targets
            if k in now and targets[k].density_hu is not None and now[k].density_hu is not None
        ]
        density = None
        if pairs:
            density = (
                sum(b for _, b in pairs if b is not None)
                / sum(a for a, _ in pairs if a is not None)
                - 1
            )
        points.append(
            Point(
                scan.date,
                total,
                total / base_total - 1,
                total / nadir - 1,
                total - nadir,
                frozenset(growing),
                new,
                density,
            )
        )
        nadir = min(nadir, total)
        for k in targets:
            if k in now:
                own[k] = min(own[k], now[k].diameter_mm or 0)
    return points


def _is_pd(p: Point) -> bool:
    """RECIST 1.1 by targets (+20 % and +5 mm over the nadir) or any new lesion."""
    return (p.vs_nadir >= 0.2 and p.grew_mm >= 5) or bool(p.new)


def _line(case_id: str, number: int) -> tuple[Case, Line]:
    case = CASES[case_id]
    return case, treatment_lines(case)[number - 1]


# --- all examples ----------------------------------------------------------------------------


def test_there_are_enough_examples_each_named_by_its_id() -> None:
    files = sorted((EXAMPLES / "cases").glob("*.json"))
    assert len(files) >= 14
    assert [f.stem for f in files] == sorted(CASES)


def test_readme_has_one_line_per_example() -> None:
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for case_id in CASES:
        assert sum(f"`{case_id}`" in line for line in readme.splitlines()) == 1, case_id


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_every_line_has_a_baseline_within_four_weeks(case_id: str) -> None:
    case = CASES[case_id]
    for line in treatment_lines(case):
        base = baseline_scan(line, scans(case, "site"))
        assert base is not None
        assert 0 <= (line.start - base.date).days <= 28, (case_id, line.number)


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_visible_targets_carry_density_for_choi(case_id: str) -> None:
    for scan in CASES[case_id].imaging:
        for lesion in scan.lesions:
            if lesion.role == "target" and lesion.diameter_mm:
                assert lesion.density_hu is not None, (case_id, scan.date, lesion.id)


# --- each story ------------------------------------------------------------------------------


def test_ex01_choi_response_at_two_months_then_recist_pr() -> None:
    case, line = _line("ex-01-kit11-first-line", 1)
    assert (line.drug, line.start_dose_mg, line.ongoing) == ("imatinib", 400, True)
    points = _course(case, line)
    first = points[0]
    assert 49 <= (first.day - line.start).days <= 70
    assert -0.10 < first.vs_baseline < 0  # size alone is not a Choi response ...
    assert first.density_change is not None and first.density_change <= -0.15  # ... density is
    assert min(p.vs_baseline for p in points) <= -0.30
    assert not any(_is_pd(p) or p.progressing for p in points)


def test_ex02_kit9_on_800_bid_stays_stable() -> None:
    case, line = _line("ex-02-kit9-imatinib-800", 1)
    assert (case.tumour.genotype.gene, case.tumour.genotype.exon) == ("KIT", 9)
    assert (line.current.dose_mg, line.current.schedule) == (800, "bid")
    points = _course(case, line)
    assert len(points) >= 5
    assert all(p.vs_baseline > -0.30 and not _is_pd(p) and not p.progressing for p in points)


def test_ex03_d842v_responds_to_avapritinib() -> None:
    case, line = _line("ex-03-pdgfra-d842v-avapritinib", 1)
    genotype = case.tumour.genotype
    assert (genotype.gene, genotype.exon, genotype.variant) == ("PDGFRA", 18, "D842V")
    assert (line.drug, line.start_dose_mg) == ("avapritinib", 300)
    assert min(p.vs_baseline for p in _course(case, line)) <= -0.30


def test_ex04_young_woman_sdh_deficient_gastric() -> None:
    case = CASES["ex-04-sdh-deficient-wild-type"]
    genotype = case.tumour.genotype
    assert (genotype.gene, genotype.subtype, genotype.exon) == ("none", "SDH-deficient", None)
    assert (case.patient.sex, case.tumour.primary_site) == ("female", "stomach")
    assert case.patient.birth_date is not None and case.tumour.diagnosis_date is not None
    assert (case.tumour.diagnosis_date - case.patient.birth_date).days < 30 * 365
    first = treatment_lines(case)[0]
    assert _is_pd(_course(case, first)[-1])  # primary imatinib resistance


def test_ex05_untreated_with_one_baseline_scan() -> None:
    case = CASES["ex-05-unknown-genotype-untreated"]
    assert treatment_lines(case) == ()
    assert case.tumour.genotype.gene == "unknown"
    assert len(case.imaging) == 1 and case.imaging[0].date <= case.as_of


def test_ex06_generalised_progression_then_escalation_in_the_same_line() -> None:
    case, line = _line("ex-06-imatinib-dose-escalation", 1)
    assert [(r.dose_mg, r.schedule, r.stop_reason) for r in line.rows] == [
        (400, "daily", "progression"),
        (800, "bid", None),
    ]
    points = _course(case, line)
    at_switch = [p for p in points if p.day <= line.rows[0].end][-1]  # type: ignore[operator]
    assert _is_pd(at_switch) and len(at_switch.progressing) >= 2
    assert not any(_is_pd(p) for p in points if p.day < at_switch.day)


def test_ex07_exactly_one_progressing_lesion_then_resection_and_imatinib() -> None:
    case, line = _line("ex-07-focal-progression-resection", 1)
    points = _course(case, line)
    focal = [p for p in points if p.progressing]
    assert len(focal) == 1 and focal[0].progressing == {"L1"}
    assert min(p.vs_baseline for p in points if p.day < focal[0].day) <= -0.30
    surgery = [e.date for e in case.events if e.type == "surgery" and e.date > focal[0].day]
    assert len(surgery) == 1
    assert line.ongoing and line.drug == "imatinib"


def test_ex08_generalised_progression_with_a_new_liver_lesion() -> None:
    case, line = _line("ex-08-generalised-progression", 1)
    assert line.start_dose_mg == 600
    last = _course(case, line)[-1]
    new = [les for les in case.imaging[-1].lesions if les.role == "new"]
    assert [les.organ for les in new] == ["liver"] and last.new == {new[0].id}
    assert last.vs_nadir >= 0.2 and len(last.progressing - last.new) >= 2


def test_ex09_sunitinib_4_2_then_37_5_continuous_for_toxicity() -> None:
    case, line = _line("ex-09-sunitinib-second-line-switch", 2)
    assert [(r.dose_mg, r.schedule, r.stop_reason) for r in line.rows] == [
        (50, "4/2", "toxicity"),
        (37.5, "daily", None),
    ]
    terms = {(ae.term, ae.drug) for ae in case.adverse_events if ae.grade >= 2}
    assert ("hypertension", "sunitinib") in terms
    assert ("palmar-plantar erythrodysesthesia syndrome", "sunitinib") in terms


def test_ex10_regorafenib_third_line_reduced_after_grade_3_hfsr() -> None:
    case, line = _line("ex-10-regorafenib-third-line", 3)
    assert [(r.dose_mg, r.schedule) for r in line.rows] == [(160, "d1-21q28"), (120, "d1-21q28")]
    first_row = line.rows[0]
    assert first_row.end is not None
    hfsr = [
        ae
        for ae in case.adverse_events
        if ae.term == "palmar-plantar erythrodysesthesia syndrome" and ae.grade == 3
    ]
    assert len(hfsr) == 1 and first_row.start <= hfsr[0].date <= first_row.end


def test_ex11_ripretinib_fourth_line_progressing() -> None:
    case = CASES["ex-11-ripretinib-fourth-line"]
    lines = treatment_lines(case)
    assert [ln.drug for ln in lines] == ["imatinib", "sunitinib", "regorafenib", "ripretinib"]
    assert lines[3].start_dose_mg == 150 and lines[3].ongoing
    assert _is_pd(_course(case, lines[3])[-1])


def test_ex12_right_like_rechallenge() -> None:
    case = CASES["ex-12-imatinib-rechallenge"]
    first, second, third = treatment_lines(case)
    assert first.end is not None and months_between(first.start, first.end) >= 40
    assert min(p.vs_baseline for p in _course(case, first)) <= -0.30
    assert (second.drug, second.stop_reason) == ("sunitinib", "progression")
    assert (third.drug, third.start_dose_mg) == ("imatinib", 400)
    assert ecog_at(case, third.start) == 1


def test_ex13_imatinib_stopped_for_grade_3_toxicity() -> None:
    case = CASES["ex-13-imatinib-intolerance"]
    first, second = treatment_lines(case)
    assert (first.drug, first.stop_reason, second.drug) == ("imatinib", "toxicity", "sunitinib")
    assert any(ae.grade == 3 and ae.drug == "imatinib" for ae in case.adverse_events)


def test_ex14_bleeding_bulky_tumour_with_falling_haemoglobin() -> None:
    case = CASES["ex-14-tumour-hemorrhage"]
    assert [e.type for e in case.events] == ["hemorrhage"]
    hb = [lab.value for lab in sorted(case.labs, key=lambda x: x.date) if lab.test == "hemoglobin"]
    assert len(hb) >= 4 and hb == sorted(hb, reverse=True) and hb[-1] < hb[0]
    assert max(les.diameter_mm or 0 for les in case.imaging[0].lesions) >= 100
    assert treatment_lines(case)[0].ongoing


def test_ex15_carbamazepine_started_on_sunitinib() -> None:
    case = CASES["ex-15-sunitinib-carbamazepine"]
    line = treatment_lines(case)[-1]
    (med,) = case.medications
    assert (line.drug, med.name) == ("sunitinib", "carbamazepine")
    assert med.start is not None and line.start < med.start <= case.as_of


def test_ex16_central_review_calls_progression_earlier_than_the_site() -> None:
    case, line = _line("ex-16-site-vs-central-review", 1)
    first_pd = {
        reader: next(p.day for p in _course(case, line, reader) if _is_pd(p))
        for reader in ("site", "central")
    }
    assert first_pd["central"] < first_pd["site"]
    assert first_pd["site"] <= line.end  # type: ignore[operator]


def test_ex17_died_after_all_lines_ended() -> None:
    case = CASES["ex-17-deceased-overall-survival"]
    fu = case.follow_up
    assert fu is not None and fu.vital_status == "dead" and fu.death_date is not None
    assert [e.date for e in case.events if e.type == "death"] == [fu.death_date]
    assert all(not line.ongoing for line in treatment_lines(case))
    assert len(treatment_lines(case)) == 4
