"""Properties of the advisor over generated cases (hypothesis): the safety guarantees of issue 3
and the shape of every advice, whatever the history, scans, labs, medicines and events."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gistpath.case.model import Case
from gistpath.knowledge.evidence import evidence_registry
from gistpath.pathway.advisor import advise
from gistpath.pathway.knowledge import ACTIONS, STRENGTHS
from pathway.case_builders import (
    GENOTYPES,
    ae,
    baseline,
    case,
    d,
    event,
    focal_pd,
    generalised_pd,
    lab,
    med,
    responding,
    stable,
    tx,
)

DOSES = {
    "imatinib": [300, 400, 600, 800],
    "sunitinib": [25, 37.5, 50],
    "regorafenib": [80, 120, 160],
    "ripretinib": [100, 150, 300],
    "avapritinib": [100, 200, 300],
}
STOPS = ["progression", "toxicity", "patient_choice", "completed", "other"]
MEDS = [
    "rifampicin",
    "carbamazepine",
    "ketoconazole",
    "clarithromycin",
    "diltiazem",
    "efavirenz",
    "fluconazole",
    "paracetamol",
]
FOLLOW = {
    "controlled": responding,
    "stable": stable,
    "generalized": generalised_pd,
    "focal": focal_pd,
}


@st.composite
def cases(draw: st.DrawFn) -> Case:
    genotype = draw(st.sampled_from(sorted(GENOTYPES)))
    n_lines = draw(st.integers(0, 5))
    start = "2014-01-06"
    rows: list[dict[str, Any]] = []
    for i in range(n_lines):
        drug = draw(st.sampled_from(sorted(DOSES)))
        dose = draw(st.sampled_from(DOSES[drug]))
        days = draw(st.integers(60, 500))
        last = i == n_lines - 1
        ongoing = last and draw(st.booleans())
        if draw(st.booleans()) and not ongoing:
            # a dose change within the line: first row stopped for toxicity, lower dose after
            lower = [x for x in DOSES[drug] if x < dose]
            if lower:
                rows.append(tx(drug, dose, start, d(start, days // 2), "toxicity"))
                start = d(start, days // 2)
                dose = draw(st.sampled_from(lower))
        end = None if ongoing else d(start, days)
        stop = None if ongoing else draw(st.sampled_from(STOPS))
        rows.append(tx(drug, dose, start, end, stop))
        if not ongoing:
            start = d(start, days + 7)
    line_start = rows[-1]["start"] if rows else "2014-01-06"
    as_of_day = draw(st.integers(5, 420))
    as_of = d(line_start, as_of_day)
    imaging = [baseline(d(line_start, -7))]
    if as_of_day > 100:
        imaging.append(responding(d(line_start, 91)))
        kind = draw(st.sampled_from(sorted(FOLLOW)))
        if as_of_day > 200:
            imaging.append(FOLLOW[kind](d(line_start, 190)))
    labs = []
    if draw(st.booleans()):
        day = d(as_of, -draw(st.integers(0, 60)))
        labs = [
            lab(day, "alt", draw(st.sampled_from([20, 130, 250, 900])), "U/L", uln=40),
            lab(day, "neutrophils", draw(st.sampled_from([0.4, 0.9, 1.5, 3.0])), "10^9/L", lln=1.8),
            lab(day, "hemoglobin", draw(st.sampled_from([7.5, 9.5, 12.5])), "g/dL", lln=12.0),
        ]
    meds = [
        med(m, d(as_of, -30))
        for m in draw(st.lists(st.sampled_from(MEDS), max_size=2, unique=True))
    ]
    aes = []
    if rows and draw(st.booleans()):
        term = draw(
            st.sampled_from(
                [
                    "hypertension",
                    "hand-foot skin reaction",
                    "diarrhea",
                    "intracranial hemorrhage",
                    "fatigue",
                ]
            )
        )
        aes = [ae(term, draw(st.integers(1, 4)), d(as_of, -3), rows[-1]["drug"])]
    events = []
    if draw(st.integers(0, 4)) == 0:
        events = [
            event(draw(st.sampled_from(["hemorrhage", "perforation", "abscess"])), d(as_of, -1))
        ]
    return case(
        as_of=as_of,
        genotype=genotype,
        treatments=rows,
        imaging=imaging,
        labs=labs,
        adverse_events=aes,
        medications=meds,
        events=events,
        ecog=draw(st.integers(0, 3)),
        ecog_date=d(as_of, -1),
    )


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(cases())
def test_imatinib_is_never_standard_for_pdgfra_d842v(c: Case) -> None:
    """NAVIGATOR/ESMO: D842V is imatinib-resistant: imatinib never 'standard', never first line."""
    a = advise(c)
    if a.situation.genotype_class != "pdgfra_d842v":
        return
    for o in a.options:
        if o.drug == "imatinib":
            assert o.strength != "standard"
    if a.situation.kind == "untreated":
        assert all(o.drug != "imatinib" for o in a.options)
        assert any(al.code == "imatinib-resistant-genotype" for al in a.alerts)


@SETTINGS
@given(cases())
def test_a_drug_not_tolerated_at_a_dose_is_never_proposed_silently(c: Case) -> None:
    """An option at or above a dose the case stopped for toxicity says so and is not standard."""
    a = advise(c)
    bad = [
        (r.drug, r.dose_mg)
        for r in c.treatments
        if r.stop_reason == "toxicity" and r.end is not None and r.end <= c.as_of
    ]
    for o in a.options:
        for drug, dose in bad:
            if o.drug == drug and (o.dose_mg is None or o.dose_mg >= dose):
                assert any("Not tolerated before" in x for x in o.cautions), o
                assert o.strength != "standard", o


@SETTINGS
@given(cases())
def test_every_advice_is_well_formed(c: Case) -> None:
    """Ranks 1..n; actions and strengths from the contract; every evidence id resolves; JSON."""
    a = advise(c)
    registry = evidence_registry()
    assert [o.rank for o in a.options] == list(range(1, len(a.options) + 1))
    for o in a.options:
        assert o.action in ACTIONS and o.strength in STRENGTHS
        assert o.evidence and all(sid in registry for sid in o.evidence)
        assert o.dose_mg is None or o.dose_mg > 0
    for al in a.alerts:
        assert al.severity in ("info", "warning", "critical")
        assert all(sid in registry for sid in al.evidence)
    doc = json.loads(json.dumps(a.to_dict()))
    assert doc["knowledge_version"] and doc["case_id"] == c.id
    if c.tumour.genotype.gene == "unknown" and a.situation.kind != "deceased":
        assert any(al.code == "genotype-missing" for al in a.alerts)
    if a.situation.emergencies and a.situation.kind != "deceased":
        assert a.options[0].action == "surgery"


@settings(max_examples=50, deadline=None)
@given(cases())
def test_advice_is_deterministic(c: Case) -> None:
    assert advise(c).to_dict() == advise(c).to_dict()
