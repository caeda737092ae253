"""Clinical scenarios: whole cases through the advisor, with the expected options and alerts
argued from the knowledge base (clinical-knowledge.md; source ids in brackets). Each scenario's
``why`` says why the expected advice is right; section numbers refer to clinical-knowledge.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from gistpath.case.load import parse_case
from gistpath.case.model import Case
from gistpath.pathway.advisor import Advice, advise
from pathway.case_builders import (
    ae,
    baseline,
    case,
    d,
    event,
    generalised_pd,
    history,
    lab,
    med,
    normal_labs,
    responding,
    scan,
    tgt,
    treated,
    tx,
)

Top = tuple[str, str | None, float | None, str]

IM = ("imatinib", 400, "progression")
SU = ("sunitinib", 50, "progression")
RE = ("regorafenib", 160, "progression")
RI = ("ripretinib", 150, "progression")


@dataclass(frozen=True)
class Scenario:
    id: str
    why: str
    build: Callable[[], Case]
    top: list[Top]  # the leading options, in rank order: (action, drug, dose_mg, strength)
    alerts: dict[str, str] = field(default_factory=dict)  # code -> severity that must be raised
    no_alerts: tuple[str, ...] = ()
    absent_drugs: tuple[str, ...] = ()  # drugs no option may propose
    check: Callable[[Advice], None] | None = None


def untreated(genotype: str, **kw: Any) -> Callable[[], Case]:
    return lambda: case(
        as_of="2020-01-10", genotype=genotype, imaging=[baseline("2020-01-06")], **kw
    )


def recently_started(*, hbs: list[tuple[int, float]], l1: float = 110, as_of_day: int = 21) -> Case:
    start = "2020-03-02"
    return case(
        as_of=d(start, as_of_day),
        treatments=[tx("imatinib", 400, start)],
        imaging=[scan(d(start, -7), tgt("L1", l1, hu=60), tgt("L2", 40, hu=55))],
        labs=[lab(d(start, day), "hemoglobin", v, "g/dL", lln=12.0, uln=16.0) for day, v in hbs],
    )


def dose_change_history() -> Case:
    # 400 -> 800 (stopped for toxicity after 2 months) -> back to 400, then generalised PD
    return case(
        as_of="2016-03-14",
        treatments=[
            tx("imatinib", 400, "2015-01-05", "2015-07-06", "other"),
            tx("imatinib", 800, "2015-07-06", "2015-09-07", "toxicity"),
            tx("imatinib", 400, "2015-09-14"),
        ],
        imaging=[baseline("2014-12-29"), responding("2015-04-06"), generalised_pd("2016-03-07")],
    )


def stopped_then_progressed() -> Case:
    rows, start = history(("imatinib", 400, "patient_choice"))
    return case(
        as_of=d(start, 410),
        treatments=rows,
        imaging=[baseline(d(start, -7)), responding(d(start, 91)), generalised_pd(d(start, 400))],
    )


def with_events(base: Case, *events: dict[str, Any]) -> Case:
    data = base.model_dump(mode="json")
    data["events"] = list(events)
    return parse_case(data)


def central_only() -> Case:
    data = treated(("imatinib", 400, None), scans="generalized").model_dump(mode="json")
    for s in data["imaging"]:
        s["reader"] = "central"
    return parse_case(data)


def last_start(*spec: tuple[str, float, str | None]) -> str:
    return history(*spec)[1]


def has_caution(drug: str, dose: float, text: str) -> Callable[[Advice], None]:
    def check(a: Advice) -> None:
        (o,) = [o for o in a.options if o.drug == drug and o.dose_mg == dose]
        assert any(text in c for c in o.cautions), o.cautions

    return check


def adjusted(drug: str, dose: float, schedule: str | None = None) -> Callable[[Advice], None]:
    def check(a: Advice) -> None:
        o = next(o for o in a.options if o.drug == drug)
        assert o.adjusted_dose_mg == dose
        if schedule is not None:
            assert o.adjusted_schedule == schedule

    return check


def profile_fits(expected: bool | None, *unmet: str) -> Callable[[Advice], None]:
    def check(a: Advice) -> None:
        (o,) = [o for o in a.options if o.action == "rechallenge"]
        assert o.profile is not None and o.profile.fits is expected
        assert [i.id for i in o.profile.items if i.required and i.status == "unmet"] == list(unmet)

    return check


def situation(**expected: Any) -> Callable[[Advice], None]:
    def check(a: Advice) -> None:
        got = {k: getattr(a.situation, k) for k in expected}
        assert got == expected

    return check


SCENARIOS = [
    # ============================================================ first line, by genotype (§1.2)
    Scenario(
        "S01-kit11-first-line",
        "KIT exon 11 is imatinib-sensitive: imatinib 400 mg/day is the standard first line "
        "(S0033: 800 mg no OS benefit; B2222: 400 = 600). Nothing to warn about.",
        untreated("kit11"),
        [("start", "imatinib", 400, "standard")],
        no_alerts=("genotype-missing", "imatinib-resistant-genotype", "hemorrhage-monitoring"),
    ),
    Scenario(
        "S02-kit9-first-line",
        "KIT exon 9: 800 mg/day as 400 mg twice daily (EORTC 62005 genotype analysis: RR "
        "reduction 61%, P=.0013; MetaGIST: benefit confined to exon 9).",
        untreated("kit9"),
        [("start", "imatinib", 800, "standard"), ("start", "imatinib", 400, "consider")],
        check=lambda a: (a.options[0].schedule == "bid") or pytest.fail("800 mg must be bid"),
    ),
    Scenario(
        "S03-d842v-first-line",
        "PDGFRA D842V is imatinib-resistant; avapritinib 300 mg (NAVIGATOR ORR 89%). Imatinib must "
        "never appear as the standard first line, and the resistant-genotype alert must fire.",
        untreated("d842v"),
        [("start", "avapritinib", 300, "standard"), ("trial", None, None, "option")],
        alerts={"imatinib-resistant-genotype": "warning"},
        absent_drugs=("imatinib",),
    ),
    Scenario(
        "S04-d842v-with-diltiazem",
        "Avapritinib label: avoid moderate CYP3A inhibitors; if unavoidable, 100 mg daily. The "
        "option carries the adjusted dose and the planned-start interaction raises an alert.",
        untreated("d842v", medications=[med("diltiazem", "2019-06-01")]),
        [("start", "avapritinib", 300, "standard")],
        alerts={"cyp3a4-inhibitor": "info", "imatinib-resistant-genotype": "warning"},
        check=adjusted("avapritinib", 100),
    ),
    Scenario(
        "S05-pdgfra-exon18-not-d842v",
        "PDGFRA exon 18 other than D842V is imatinib-sensitive (standard 400 mg); the US label "
        "covers avapritinib for any exon 18 (ORR 84%), EU only D842V: an option.",
        untreated("pdgfra18"),
        [("start", "imatinib", 400, "standard"), ("start", "avapritinib", 300, "option")],
        no_alerts=("imatinib-resistant-genotype",),
    ),
    Scenario(
        "S06-sdh-deficient",
        "SDH-deficient wild type is imatinib-resistant (Onkopedia; 2024 review): imatinib is not "
        "the standard - say so; trial first, sunitinib/regorafenib only 'consider'.",
        untreated("sdh"),
        [("trial", None, None, "option"), ("start", "sunitinib", 50, "consider")],
        alerts={"imatinib-resistant-genotype": "warning"},
        absent_drugs=("imatinib",),
    ),
    Scenario(
        "S07-unknown-genotype",
        "Genotype missing: it decides drug and dose (exon 9 -> 800; D842V -> avapritinib), so "
        "alert genotype-missing; imatinib 400 only as an option meanwhile (S-PDQ standard).",
        untreated("unknown"),
        [("start", "imatinib", 400, "option")],
        alerts={"genotype-missing": "warning"},
    ),
    Scenario(
        "S08-bulky-starting-imatinib",
        "Bulky disease (a 120 mm lesion) starting imatinib: ~5% tumour haemorrhage (S-PDQ), Hb "
        "weekly for 8 weeks - a reminder (info) and flagged as a gistpath convention (bulky).",
        lambda: case(as_of="2020-01-10", imaging=[scan("2020-01-06", tgt("L1", 120))]),
        [("start", "imatinib", 400, "standard")],
        alerts={"hemorrhage-monitoring": "info"},
        check=lambda a: (
            next(x for x in a.alerts if x.code == "hemorrhage-monitoring").verified is False
            or pytest.fail("bulky is a convention")
        ),
    ),
    Scenario(
        "S09-first-line-with-rifampicin",
        "Rifampicin lowers imatinib AUC by 74% (label): avoid, choose another co-medication; "
        "the caution sits on the option and a cyp3a4-inducer alert is raised for the start.",
        untreated("kit11", medications=[med("rifampicin", "2019-12-01")]),
        [("start", "imatinib", 400, "standard")],
        alerts={"cyp3a4-inducer": "warning"},
        check=has_caution("imatinib", 400, "rifampicin"),
    ),
    Scenario(
        "S10-ntrk-fusion",
        "NTRK fusion: TRK inhibitors (larotrectinib, entrectinib) per the 2024 review and ESMO "
        "(wording unverified); no imatinib; doses not encoded.",
        untreated("ntrk"),
        [("start", "larotrectinib", None, "consider"), ("start", "entrectinib", None, "consider")],
        alerts={"imatinib-resistant-genotype": "warning"},
        absent_drugs=("imatinib",),
    ),
    # ============================================================ on imatinib
    Scenario(
        "S11-imatinib-partial-response",
        "PR on imatinib: continue indefinitely, never interrupt (S-PDQ, BFR14); residual disease "
        "may be resected if feasible (S-PDQ indication 1; Raut 2006).",
        lambda: treated(("imatinib", 400, None), scans="controlled"),
        [("continue", "imatinib", 400, "standard"), ("surgery", None, None, "option")],
        no_alerts=("interruption-risk",),
        check=situation(last_response="PR", status="controlled"),
    ),
    Scenario(
        "S12-imatinib-stable",
        "SD is disease control: continue at the same dose (S-PDQ).",
        lambda: treated(("imatinib", 400, None), scans="stable"),
        [("continue", "imatinib", 400, "standard")],
        check=situation(last_response="SD"),
    ),
    Scenario(
        "S13-imatinib-not-yet-assessed",
        "Three weeks into imatinib with no follow-up scan: continue; surgery is not offered "
        "before a response is shown.",
        lambda: recently_started(hbs=[(-3, 13.0), (7, 12.9), (14, 12.8), (21, 12.8)], l1=60),
        [("continue", "imatinib", 400, "standard")],
        no_alerts=("hemorrhage-monitoring",),  # 60 + 40 mm: not bulky
        check=lambda a: (
            [o.action for o in a.options] == ["continue"] or pytest.fail("only continue")
        ),
    ),
    Scenario(
        "S14-bulky-hb-fall-on-imatinib",
        "Bulky (110 mm) on imatinib week 3 with Hb 13.0 -> 10.6 g/dL: a fall >= 2 g/dL (gistpath "
        "convention after ISTH) is critical - look for tumour bleeding (S-PDQ).",
        lambda: recently_started(hbs=[(-3, 13.0), (7, 12.4), (14, 11.5), (21, 10.6)]),
        [("continue", "imatinib", 400, "standard")],
        alerts={"hemorrhage-monitoring": "critical"},
    ),
    Scenario(
        "S15-generalised-pd-on-400",
        "Generalised progression on imatinib 400 mg: escalate to 800 mg (S-PDQ; S0033 crossover "
        "33% regained OR/SD) or switch to sunitinib 50 mg 4/2 (A6181004) or 37.5 mg daily.",
        lambda: treated(("imatinib", 400, None), scans="generalized"),
        [
            ("escalate", "imatinib", 800, "standard"),
            ("switch", "sunitinib", 50, "standard"),
            ("switch", "sunitinib", 37.5, "option"),
        ],
        check=situation(pattern="generalized", status="progression"),
    ),
    Scenario(
        "S16-generalised-pd-on-600",
        "600 mg is within the 400-600 mg range of S-PDQ: escalation to 800 mg still applies.",
        lambda: treated(("imatinib", 600, None), scans="generalized"),
        [("escalate", "imatinib", 800, "standard"), ("switch", "sunitinib", 50, "standard")],
    ),
    Scenario(
        "S17-generalised-pd-on-800",
        "Progression on 800 mg: nothing left to escalate; sunitinib is the second line.",
        lambda: treated(("imatinib", 800, None), scans="generalized"),
        [("switch", "sunitinib", 50, "standard"), ("switch", "sunitinib", 37.5, "option")],
        check=lambda a: (
            all(o.action != "escalate" for o in a.options) or pytest.fail("no escalate")
        ),
    ),
    Scenario(
        "S18-kit9-pd-on-800",
        "KIT exon 9 already on the genotype dose (800 mg) progressing: sunitinib (A6181004).",
        lambda: treated(("imatinib", 800, None), scans="generalized", genotype="kit9"),
        [("switch", "sunitinib", 50, "standard")],
    ),
    Scenario(
        "S19-focal-pd-on-imatinib",
        "One lesion growing, the rest controlled: continue imatinib and resect the progressing "
        "lesion (S-FOCAL PFS 11.3 vs 2.5 months; S-PDQ limited progression); local therapy if "
        "not resectable; systemic alternatives only after.",
        lambda: treated(("imatinib", 400, None), scans="focal"),
        [
            ("continue", "imatinib", 400, "option"),
            ("surgery", None, None, "option"),
            ("local_therapy", None, None, "consider"),
            ("escalate", "imatinib", 800, "standard"),
        ],
        check=situation(pattern="focal", progressing_lesions=("L1",)),
    ),
    Scenario(
        "S20-choi-only-pd",
        "A new intratumoral nodule is Choi PD while RECIST is PR: continue imatinib and re-image "
        "early rather than switching (CHOI-2007 vs RECIST-1.1).",
        lambda: treated(("imatinib", 400, None), scans="choi"),
        [("continue", "imatinib", 400, "option")],
        check=situation(status="progression_choi_only", last_response="PR"),
    ),
    Scenario(
        "S21-imatinib-hepatotoxicity",
        "ALT 6 x ULN on imatinib 400 mg: label - withhold until bilirubin < 1.5 and "
        "transaminases < 2.5 x ULN, resume at 300 mg; continue is not offered meanwhile.",
        lambda: treated(
            ("imatinib", 400, None),
            scans="controlled",
            labs=[lab(d(last_start(("imatinib", 400, None)), 270), "alt", 240, "U/L", uln=40)],
        ),
        [("hold", "imatinib", 300, "standard"), ("surgery", None, None, "option")],
        alerts={"dose-modification": "warning", "lab-toxicity": "warning"},
    ),
    Scenario(
        "S22-imatinib-neutropenia",
        "ANC 0.8 x 10^9/L on 400 mg: label - stop until ANC >= 1.5 and platelets >= 75, resume "
        "at the previous dose (400 mg); CTCAE grade 3 neutropenia.",
        lambda: treated(
            ("imatinib", 400, None),
            scans="controlled",
            labs=[
                lab(
                    d(last_start(("imatinib", 400, None)), 270),
                    "neutrophils",
                    0.8,
                    "10^9/L",
                    lln=1.8,
                )
            ],
        ),
        [("hold", "imatinib", 400, "standard")],
        alerts={"dose-modification": "warning", "lab-toxicity": "warning"},
    ),
    Scenario(
        "S23-imatinib-intolerance",
        "Imatinib stopped for toxicity: second line is sunitinib for intolerance as for "
        "progression (A6181004 included intolerant patients); escalation makes no sense.",
        lambda: treated(("imatinib", 400, "toxicity")),
        [("start", "sunitinib", 50, "standard"), ("start", "sunitinib", 37.5, "option")],
        no_alerts=("interruption-risk",),
        check=lambda a: (
            all(o.action != "escalate" for o in a.options) or pytest.fail("no escalate")
        ),
    ),
    Scenario(
        "S24-800-not-tolerated-then-pd",
        "800 mg was stopped for toxicity before; at progression on 400 mg the escalation to 800 "
        "must say so and may not stay 'standard'; sunitinib remains the standard.",
        dose_change_history,
        [("escalate", "imatinib", 800, "consider"), ("switch", "sunitinib", 50, "standard")],
        check=has_caution("imatinib", 800, "Not tolerated before: imatinib 800 mg"),
    ),
    Scenario(
        "S25-pd-on-imatinib-with-carbamazepine",
        "Progression on imatinib while on carbamazepine (strong inducer, AUC -73%): check "
        "inducers before escalating (S-PDQ / KB §1.2); alert on the running imatinib.",
        lambda: treated(
            ("imatinib", 400, None),
            scans="generalized",
            medications=[med("carbamazepine", "2014-06-01")],
        ),
        [("escalate", "imatinib", 800, "standard")],
        alerts={"cyp3a4-inducer": "warning"},
        check=lambda a: "CYP3A4 inducers" in a.options[0].rationale or pytest.fail("rationale"),
    ),
    Scenario(
        "S26-stopped-by-patient-controlled",
        "Imatinib stopped by patient choice with controlled disease: restart (BFR14: "
        "interruption -> rapid progression) and raise interruption-risk.",
        lambda: treated(("imatinib", 400, "patient_choice"), scans="controlled"),
        [("start", "imatinib", 400, "standard")],
        alerts={"interruption-risk": "warning"},
    ),
    Scenario(
        "S27-stopped-then-progressed-off-drug",
        "Progression found after a patient-choice stop is not resistance to imatinib: restart it "
        "(BFR14 reintroduction); no escalation, no interruption alert (progression is known).",
        stopped_then_progressed,
        [("start", "imatinib", 400, "standard")],
        no_alerts=("interruption-risk",),
        check=situation(status="progression_off_treatment"),
    ),
    Scenario(
        "S28-d842v-on-imatinib",
        "D842V on imatinib: the genotype is imatinib-resistant - switch to avapritinib "
        "(NAVIGATOR), critical alert; imatinib can only be a 'consider' stop-gap.",
        lambda: treated(("imatinib", 400, None), scans="stable", genotype="d842v"),
        [
            ("switch", "avapritinib", 300, "standard"),
            ("trial", None, None, "option"),
            ("continue", "imatinib", 400, "consider"),
        ],
        alerts={"imatinib-resistant-genotype": "critical"},
    ),
    # ============================================================ second line: sunitinib
    Scenario(
        "S29-sunitinib-response",
        "PR on sunitinib 50 mg 4/2: continue the schedule unchanged (S-PDQ).",
        lambda: treated(IM, ("sunitinib", 50, None), scans="controlled"),
        [("continue", "sunitinib", 50, "standard")],
        check=lambda a: a.options[0].schedule == "4/2" or pytest.fail("4/2"),
    ),
    Scenario(
        "S30-sunitinib-with-clarithromycin",
        "Strong CYP3A4 inhibitor with sunitinib (ketoconazole AUC +51%): label - consider a "
        "minimum of 37.5 mg if it cannot be avoided.",
        lambda: treated(
            IM,
            ("sunitinib", 50, None),
            scans="controlled",
            medications=[med("clarithromycin", "2016-09-01")],
        ),
        [("continue", "sunitinib", 50, "standard")],
        alerts={"cyp3a4-inhibitor": "warning"},
        check=adjusted("sunitinib", 37.5),
    ),
    Scenario(
        "S31-sunitinib-generalised-pd",
        "Progression on sunitinib after imatinib: regorafenib 160 mg d1-21 q28 (GRID HR 0.27); "
        "trial as alternative; rechallenge only 'consider' (network MA favours regorafenib).",
        lambda: treated(IM, ("sunitinib", 50, None), scans="generalized"),
        [
            ("switch", "regorafenib", 160, "standard"),
            ("trial", None, None, "option"),
            ("rechallenge", "imatinib", 400, "consider"),
        ],
    ),
    Scenario(
        "S32-sunitinib-intolerance",
        "Sunitinib stopped for toxicity: regorafenib (standard third line); NCCN also supports "
        "ripretinib after sunitinib intolerance (wording unverified -> flagged).",
        lambda: treated(IM, ("sunitinib", 50, "toxicity")),
        [("start", "regorafenib", 160, "standard")],
        check=lambda a: (
            any(o.drug == "ripretinib" and not o.verified for o in a.options)
            or pytest.fail("ripretinib flagged")
        ),
    ),
    Scenario(
        "S33-sunitinib-hypertension-g3",
        "Grade 3 hypertension on sunitinib: withhold until <= G1, resume one level lower "
        "(37.5 mg) - Table 1 action from memory, so flagged unverified.",
        lambda: treated(
            IM,
            ("sunitinib", 50, None),
            scans="controlled",
            adverse_events=[ae("hypertension", 3, d(last_start(IM, SU), 260), "sunitinib")],
        ),
        [("hold", "sunitinib", 37.5, "standard")],
        alerts={"dose-modification": "warning"},
        check=lambda a: a.options[0].verified is False or pytest.fail("unverified"),
    ),
    Scenario(
        "S34-sunitinib-focal-pd",
        "Focal progression on sunitinib: same logic as on imatinib - continue the TKI and treat "
        "the lesion (S-PDQ suggests continuing imatinib or sunitinib), regorafenib after.",
        lambda: treated(IM, ("sunitinib", 50, None), scans="focal"),
        [
            ("continue", "sunitinib", 50, "option"),
            ("surgery", None, None, "option"),
            ("local_therapy", None, None, "consider"),
            ("switch", "regorafenib", 160, "standard"),
        ],
    ),
    # ============================================================ third line: regorafenib
    Scenario(
        "S35-regorafenib-response",
        "Response on regorafenib: continue (GRID; never interrupt).",
        lambda: treated(IM, SU, ("regorafenib", 160, None), scans="controlled"),
        [("continue", "regorafenib", 160, "standard")],
    ),
    Scenario(
        "S36-regorafenib-hfsr-g2",
        "First grade 2 hand-foot skin reaction: regorafenib label - reduce to 120 mg.",
        lambda: treated(
            IM,
            SU,
            ("regorafenib", 160, None),
            scans="stable",
            adverse_events=[
                ae("hand-foot skin reaction", 2, d(last_start(IM, SU, RE), 200), "regorafenib")
            ],
        ),
        [("reduce", "regorafenib", 120, "standard")],
        alerts={"dose-modification": "warning"},
    ),
    Scenario(
        "S37-regorafenib-alt-over-20x",
        "AST/ALT > 20 x ULN: regorafenib label - discontinue; that is intolerance, so the next "
        "line (ripretinib, INVICTUS) follows; dose-modification is critical.",
        lambda: treated(
            IM,
            SU,
            ("regorafenib", 160, None),
            scans="stable",
            labs=[lab(d(last_start(IM, SU, RE), 270), "alt", 900, "U/L", uln=40)],
        ),
        [("switch", "ripretinib", 150, "standard")],
        alerts={"dose-modification": "critical", "lab-toxicity": "critical"},
        check=situation(status="intolerance"),
    ),
    Scenario(
        "S38-regorafenib-generalised-pd",
        "Progression on regorafenib: ripretinib 150 mg daily (INVICTUS PFS 6.3 vs 1.0 months).",
        lambda: treated(IM, SU, ("regorafenib", 160, None), scans="generalized"),
        [("switch", "ripretinib", 150, "standard"), ("trial", None, None, "option")],
    ),
    Scenario(
        "S39-regorafenib-with-phenytoin",
        "Phenytoin is a strong inducer: the regorafenib label says avoid (exact list "
        "unverified, so the alert is flagged).",
        lambda: treated(
            IM,
            SU,
            ("regorafenib", 160, None),
            scans="controlled",
            medications=[med("phenytoin", "2016-01-01")],
        ),
        [("continue", "regorafenib", 160, "standard")],
        alerts={"cyp3a4-inducer": "warning"},
        check=lambda a: (
            next(x for x in a.alerts if x.code == "cyp3a4-inducer").verified is False
            or pytest.fail("flagged")
        ),
    ),
    # ============================================================ fourth line and beyond
    Scenario(
        "S40-ripretinib-response",
        "Disease control on ripretinib: continue (INVICTUS).",
        lambda: treated(IM, SU, RE, ("ripretinib", 150, None), scans="stable"),
        [("continue", "ripretinib", 150, "standard")],
    ),
    Scenario(
        "S41-ripretinib-with-efavirenz",
        "Moderate inducer with ripretinib: avoid; if unavoidable 150 mg twice daily (label).",
        lambda: treated(
            IM,
            SU,
            RE,
            ("ripretinib", 150, None),
            scans="stable",
            medications=[med("efavirenz", "2017-01-01")],
        ),
        [("continue", "ripretinib", 150, "standard")],
        alerts={"cyp3a4-inducer": "warning"},
        check=adjusted("ripretinib", 300, "bid"),
    ),
    Scenario(
        "S42-after-ripretinib-good-candidate",
        "After all four approved TKIs: trial first; imatinib rechallenge per RIGHT (HR 0.46) "
        "with a fitting profile (RIGHT sequence, 12 months first-line benefit, ECOG 1, normal "
        "labs, no inducer); ripretinib 150 bid and ponatinib 'consider' (NCCN, unverified); BSC.",
        lambda: treated(
            IM,
            SU,
            RE,
            ("ripretinib", 150, None),
            scans="generalized",
            labs=normal_labs(d(last_start(IM, SU, RE, RI), 270)),
        ),
        [
            ("trial", None, None, "standard"),
            ("rechallenge", "imatinib", 400, "option"),
            ("escalate", "ripretinib", 300, "consider"),
            ("start", "ponatinib", None, "consider"),
            ("supportive_care", None, None, "option"),
        ],
        check=profile_fits(True),
    ),
    Scenario(
        "S43-after-ripretinib-poor-candidate",
        "Same line, but ECOG 3 and carbamazepine: outside the S-JP profile (ECOG 0-1, no strong "
        "inducer) -> rechallenge stays listed but only 'consider', with the reasons.",
        lambda: treated(
            IM,
            SU,
            RE,
            RI,
            ecog=3,
            labs=normal_labs(d(last_start(IM, SU, RE, RI), 360)),
            medications=[med("carbamazepine", "2018-01-01")],
        ),
        [("trial", None, None, "standard"), ("rechallenge", "imatinib", 400, "consider")],
        check=profile_fits(False, "ecog", "no_strong_inducer"),
    ),
    Scenario(
        "S44-progression-on-rechallenge",
        "Progression on the imatinib rechallenge itself: no second rechallenge; trial and BSC.",
        lambda: treated(IM, SU, RE, RI, ("imatinib", 400, None), scans="generalized"),
        [("trial", None, None, "standard")],
        check=lambda a: all(o.action != "rechallenge" for o in a.options) or pytest.fail("none"),
    ),
    # ============================================================ events
    Scenario(
        "S45-bleeding-on-regorafenib",
        "Tumour haemorrhage two days ago: emergency surgery first (S-PDQ), critical alert; the "
        "grade 3 bleed is 'any other grade 3' on regorafenib -> withhold, resume at 120 mg.",
        lambda: with_events(
            treated(
                IM,
                SU,
                ("regorafenib", 160, None),
                scans="controlled",
                adverse_events=[
                    ae(
                        "gastrointestinal hemorrhage",
                        3,
                        d(last_start(IM, SU, RE), 278),
                        "regorafenib",
                    )
                ],
            ),
            event("hemorrhage", d(last_start(IM, SU, RE), 278)),
        ),
        [("surgery", None, None, "standard"), ("hold", "regorafenib", 120, "standard")],
        alerts={"emergency-surgery": "critical", "dose-modification": "warning"},
    ),
    Scenario(
        "S46-obstruction-already-operated",
        "An obstruction followed by surgery is no longer an open emergency.",
        lambda: with_events(
            treated(("imatinib", 400, None), scans="controlled"),
            event("obstruction", d(last_start(("imatinib", 400, None)), 260)),
            event("surgery", d(last_start(("imatinib", 400, None)), 261)),
        ),
        [("continue", "imatinib", 400, "standard")],
        no_alerts=("emergency-surgery",),
    ),
    Scenario(
        "S47-deceased",
        "The patient has died: no treatment options and no alerts.",
        lambda: case(
            as_of="2016-02-01",
            treatments=[tx("imatinib", 400, "2015-01-05", "2016-01-10", "death")],
            follow_up={
                "last_contact": "2016-01-10",
                "vital_status": "dead",
                "death_date": "2016-01-10",
            },
            ecog_date="2015-12-01",
        ),
        [],
        check=lambda a: (a.alerts == () and a.situation.kind == "deceased") or pytest.fail("none"),
    ),
    Scenario(
        "S48-avapritinib-intracranial-bleed-eu",
        "Intracranial haemorrhage on avapritinib: EU SmPC - discontinue at any grade; in D842V "
        "nothing else is expected to work after avapritinib -> trial (NAVIGATOR, ESMO).",
        lambda: treated(
            ("avapritinib", 300, None),
            scans="controlled",
            genotype="d842v",
            adverse_events=[
                ae(
                    "intracranial hemorrhage",
                    1,
                    d(last_start(("avapritinib", 300, None)), 270),
                    "avapritinib",
                )
            ],
        ),
        [("trial", None, None, "standard"), ("supportive_care", None, None, "option")],
        alerts={"dose-modification": "critical"},
        absent_drugs=("imatinib", "sunitinib"),
    ),
    Scenario(
        "S49-sdh-deficient-on-sunitinib",
        "SDH-deficient GIST controlled on sunitinib: continue it; imatinib is not proposed.",
        lambda: treated(("sunitinib", 50, None), scans="controlled", genotype="sdh"),
        [("continue", "sunitinib", 50, "standard")],
        absent_drugs=("imatinib",),
    ),
    Scenario(
        "S50-central-reads-only",
        "A case with only central (masked) reads is assessed on them: generalised progression "
        "on imatinib 400 -> escalate (S-PDQ).",
        central_only,
        [("escalate", "imatinib", 800, "standard")],
    ),
    Scenario(
        "S51-neutrophils-1500-boundary",
        "Neutrophils exactly 1500/mm3 (LLN 2000) are CTCAE grade 1 (not 2: the '<=1500' pitfall) "
        "and raise no lab alert; 1400/mm3 would be grade 2.",
        lambda: treated(
            ("imatinib", 400, None),
            scans="controlled",
            labs=[
                lab(
                    d(last_start(("imatinib", 400, None)), 270),
                    "neutrophils",
                    1500,
                    "/mm3",
                    lln=2000,
                )
            ],
        ),
        [("continue", "imatinib", 400, "standard")],
        no_alerts=("lab-toxicity", "dose-modification"),
        check=lambda a: a.safety.labs[0].grade == 1 or pytest.fail("grade 1"),
    ),
    Scenario(
        "S52-anaemia-in-mmol",
        "Hb 4.8 mmol/L is below CTCAE's own 4.9 mmol/L cut-off: grade 3 anaemia (warning).",
        lambda: treated(
            ("imatinib", 400, None),
            scans="controlled",
            labs=[
                lab(
                    d(last_start(("imatinib", 400, None)), 270),
                    "hemoglobin",
                    4.8,
                    "mmol/L",
                    lln=7.4,
                )
            ],
        ),
        [("continue", "imatinib", 400, "standard")],
        alerts={"lab-toxicity": "warning"},
    ),
    Scenario(
        "S53-d842v-imatinib-stopped-by-patient",
        "D842V after avapritinib, then imatinib stopped by the patient: the restart rule would "
        "propose imatinib, but D842V is imatinib-resistant (NAVIGATOR, ESMO) - it must say so "
        "and may not be 'standard' (found by the property test).",
        lambda: treated(
            ("avapritinib", 300, "progression"),
            ("imatinib", 400, "patient_choice"),
            genotype="d842v",
        ),
        [("start", "imatinib", 400, "consider")],
        check=has_caution("imatinib", 400, "imatinib-resistant"),
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_scenario(scenario: Scenario) -> None:
    a = advise(scenario.build())
    got = [(o.action, o.drug, o.dose_mg, o.strength) for o in a.options]
    assert got[: len(scenario.top)] == scenario.top, scenario.why
    if not scenario.top:
        assert got == []
    raised: dict[str, str] = {}
    for al in a.alerts:  # sorted most severe first: keep each code's highest severity
        raised.setdefault(al.code, al.severity)
    order = {"critical": 0, "warning": 1, "info": 2}
    assert [order[al.severity] for al in a.alerts] == sorted(order[al.severity] for al in a.alerts)
    for code, severity in scenario.alerts.items():
        assert raised.get(code) == severity, (code, raised, scenario.why)
    for code in scenario.no_alerts:
        assert code not in raised, (code, scenario.why)
    for drug in scenario.absent_drugs:
        assert all(o.drug != drug for o in a.options), (drug, scenario.why)
    if scenario.check is not None:
        scenario.check(a)


def test_the_suite_is_large_enough() -> None:
    assert len(SCENARIOS) >= 40
    assert len({s.id for s in SCENARIOS}) == len(SCENARIOS)
