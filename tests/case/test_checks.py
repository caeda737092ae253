"""Each cross-field rule of ``gistpath.case.checks``: the case that breaks it, and a near miss.

Every rule is one parametrised test: the broken case yields exactly the expected field, and the
near miss (usually the boundary the rule allows) yields no problem at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from gistpath.case.checks import case_problems
from gistpath.case.model import Case

Doc = dict[str, Any]
Edit = Callable[[Doc], None]


def _scan(day: str, *lesions: Doc, reader: str = "site") -> Doc:
    return {"date": day, "reader": reader, "lesions": list(lesions)}


def _target(lesion_id: str, organ: str, mm: float, **extra: Any) -> Doc:
    return {"id": lesion_id, "organ": organ, "role": "target", "diameter_mm": mm, **extra}


def _base() -> Doc:
    """Imatinib 2012-02 to 2014-05 (progression), sunitinib from 2014-05-15; alive."""
    return {
        "id": "chk",
        "as_of": "2015-06-01",
        "patient": {"sex": "male", "birth_date": "1960-01-01"},
        "tumour": {"diagnosis_date": "2012-01-10", "genotype": {"gene": "KIT", "exon": 11}},
        "treatments": [
            {"drug": "imatinib", "dose_mg": 400, "start": "2012-02-01", "end": "2014-05-01",
             "stop_reason": "progression"},
            {"drug": "sunitinib", "dose_mg": 50, "schedule": "4/2", "start": "2014-05-15"},
        ],
        "imaging": [
            _scan("2012-01-25", _target("L1", "liver", 40)),
            _scan("2014-04-20", _target("L1", "liver", 52)),
        ],
        "follow_up": {"last_contact": "2015-06-01", "vital_status": "alive"},
    }  # fmt: skip


def _fields(case: Doc) -> list[str]:
    return [field for field, _ in case_problems(Case.model_validate(case))]


# --- small edits -----------------------------------------------------------------------------


def _set(*path: str | int, value: Any) -> Edit:
    def edit(case: Doc) -> None:
        node: Any = case
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return edit


def _add(key: str, item: Doc) -> Edit:
    def edit(case: Doc) -> None:
        case.setdefault(key, []).append(item)

    return edit


def _lesions(scan: int, *lesions: Doc) -> Edit:
    return _set("imaging", scan, "lesions", value=list(lesions))


def _both(*edits: Edit) -> Edit:
    def edit(case: Doc) -> None:
        for one in edits:
            one(case)

    return edit


def _dead(on: str = "2015-05-01", last_contact: str | None = None) -> Edit:
    """Sunitinib ends at death on ``on``; follow-up says dead."""
    return _both(
        _set("treatments", 1, "end", value=on),
        _set("treatments", 1, "stop_reason", value="death"),
        _set(
            "follow_up",
            value={"last_contact": last_contact or on, "vital_status": "dead", "death_date": on},
        ),
    )


def _lab(day: str, test: str = "hemoglobin", value: float = 12.5, unit: str = "g/dL") -> Doc:
    return {"date": day, "test": test, "value": value, "unit": unit}


@dataclass(frozen=True)
class Rule:
    name: str
    broken: Edit
    near_miss: Edit
    field: str


NT_ABSENT = {"id": "N1", "organ": "lymph_node", "role": "non-target", "status": "absent"}

RULES = [
    # patient and tumour
    Rule("birth-after-as_of", _set("patient", "birth_date", value="2015-06-02"),
         _set("patient", "birth_date", value="1980-06-01"), "patient.birth_date"),
    Rule("older-than-120", _set("patient", "birth_date", value="1894-06-01"),
         _set("patient", "birth_date", value="1896-06-01"), "patient.birth_date"),
    Rule("diagnosis-after-as_of", _set("tumour", "diagnosis_date", value="2015-06-02"),
         _set("tumour", "diagnosis_date", value="2012-02-01"), "tumour.diagnosis_date"),
    Rule("subtype-needs-gene-none",
         _set("tumour", "genotype", value={"gene": "KIT", "subtype": "SDH-deficient"}),
         _set("tumour", "genotype", value={"gene": "none", "subtype": "SDH-deficient"}),
         "tumour.genotype.subtype"),
    Rule("no-exon-without-gene", _set("tumour", "genotype", value={"gene": "none", "exon": 11}),
         _set("tumour", "genotype", value={"gene": "none"}), "tumour.genotype.exon"),
    Rule("no-variant-without-gene",
         _set("tumour", "genotype", value={"gene": "unknown", "variant": "D842V"}),
         _set("tumour", "genotype", value={"gene": "PDGFRA", "variant": "D842V"}),
         "tumour.genotype.variant"),
    Rule("one-ecog-per-day",
         _set("performance_status", value=[{"date": "2014-05-10", "ecog": 1},
                                           {"date": "2014-05-10", "ecog": 2}]),
         _set("performance_status", value=[{"date": "2014-05-10", "ecog": 1},
                                           {"date": "2014-05-10", "ecog": 1}]),
         "performance_status[1].ecog"),
    # treatments
    Rule("end-not-before-start", _set("treatments", 0, "end", value="2012-01-31"),
         _set("treatments", 0, "end", value="2012-02-01"), "treatments[0].end"),
    Rule("end-needs-stop-reason", _set("treatments", 0, "stop_reason", value=None),
         _set("treatments", 0, "stop_reason", value="toxicity"), "treatments[0].stop_reason"),
    Rule("stop-reason-needs-end", _set("treatments", 1, "stop_reason", value="progression"),
         _both(_set("treatments", 1, "stop_reason", value="progression"),
               _set("treatments", 1, "end", value="2015-01-05")), "treatments[1].end"),
    Rule("start-not-before-diagnosis", _set("treatments", 0, "start", value="2012-01-09"),
         _set("treatments", 0, "start", value="2012-01-10"), "treatments[0].start"),
    Rule("stop-reason-death-needs-dead",
         _both(_set("treatments", 1, "end", value="2015-05-01"),
               _set("treatments", 1, "stop_reason", value="death")),
         _dead(), "treatments[1].stop_reason"),
    Rule("no-ongoing-row-after-death",
         _both(_dead(), _set("treatments", 1, "end", value=None),
               _set("treatments", 1, "stop_reason", value=None)),
         _dead(), "treatments[1].end"),
    Rule("ongoing-row-is-last",
         _both(_set("treatments", 0, "end", value=None),
               _set("treatments", 0, "stop_reason", value=None)),
         _set("treatments", 1, "start", value="2014-05-02"), "treatments[0].end"),
    Rule("rows-do-not-overlap", _set("treatments", 1, "start", value="2014-04-30"),
         _set("treatments", 1, "start", value="2014-05-01"), "treatments[1].start"),
    # imaging
    Rule("one-reading-per-date-and-reader", _set("imaging", 1, "date", value="2012-01-25"),
         _both(_set("imaging", 1, "date", value="2012-01-25"),
               _set("imaging", 1, "reader", value="central")), "imaging[1].date"),
    Rule("scan-lists-lesions", _lesions(1), _lesions(1, _target("L1", "liver", 0)),
         "imaging[1].lesions"),
    Rule("lesion-id-once-per-scan",
         _lesions(1, _target("L1", "liver", 52), _target("L1", "liver", 20)),
         _lesions(1, _target("L1", "liver", 52), _target("L2", "liver", 20)),
         "imaging[1].lesions[1].id"),
    Rule("lesion-keeps-its-organ", _lesions(1, _target("L1", "peritoneum", 52)),
         _lesions(1, _target("L1", "liver", 52), _target("P1", "peritoneum", 52)),
         "imaging[1].lesions[0].organ"),
    Rule("no-growing-nodule-in-a-gone-lesion",
         _lesions(1, _target("L1", "liver", 0, intratumoral_nodule="new")),
         _lesions(1, _target("L1", "liver", 0, intratumoral_nodule="none")),
         "imaging[1].lesions[0].intratumoral_nodule"),
    Rule("no-growing-nodule-in-an-absent-non-target",
         _lesions(1, _target("L1", "liver", 52), {**NT_ABSENT, "intratumoral_nodule": "enlarging"}),
         _lesions(1, _target("L1", "liver", 52), {**NT_ABSENT, "status": "present",
                                                   "intratumoral_nodule": "enlarging"}),
         "imaging[1].lesions[1].intratumoral_nodule"),
    Rule("target-needs-diameter",
         _lesions(1, {"id": "L1", "organ": "liver", "role": "target"}),
         _lesions(1, _target("L1", "liver", 0)), "imaging[1].lesions[0].diameter_mm"),
    Rule("no-status-on-target", _lesions(1, _target("L1", "liver", 52, status="present")),
         _lesions(1, {"id": "L1", "organ": "liver", "role": "non-target", "status": "present"}),
         "imaging[1].lesions[0].status"),
    Rule("non-target-needs-status",
         _lesions(1, _target("L1", "liver", 52), {**NT_ABSENT, "status": None}),
         _lesions(1, _target("L1", "liver", 52), NT_ABSENT), "imaging[1].lesions[1].status"),
    Rule("no-status-on-new-lesion",
         _lesions(1, _target("L1", "liver", 52),
                  {"id": "L2", "organ": "liver", "role": "new", "status": "present"}),
         _lesions(1, _target("L1", "liver", 52),
                  {"id": "L2", "organ": "liver", "role": "new", "diameter_mm": 8}),
         "imaging[1].lesions[1].status"),
    Rule("no-nodule-on-new-lesion",
         _lesions(1, {"id": "L2", "organ": "liver", "role": "new", "diameter_mm": 8,
                      "intratumoral_nodule": "new"}),
         _lesions(1, _target("L1", "liver", 52, intratumoral_nodule="new")),
         "imaging[1].lesions[0].intratumoral_nodule"),
    Rule("new-lesion-is-visible",
         _lesions(1, {"id": "L2", "organ": "liver", "role": "new", "diameter_mm": 0}),
         _lesions(1, {"id": "L2", "organ": "liver", "role": "new", "diameter_mm": 5}),
         "imaging[1].lesions[0].diameter_mm"),
    # labs
    Rule("unit-fits-test", _add("labs", _lab("2014-05-10", unit="U/L")),
         _add("labs", _lab("2014-05-10", value=125, unit="g/L")), "labs[0].unit"),
    Rule("value-plausible-in-its-unit", _add("labs", _lab("2014-05-10", value=112)),
         _add("labs", _lab("2014-05-10", value=112, unit="g/L")), "labs[0].value"),
    Rule("lln-below-uln", _add("labs", {**_lab("2014-05-10"), "lln": 16.0, "uln": 16.0}),
         _add("labs", {**_lab("2014-05-10"), "lln": 12.0, "uln": 16.0}), "labs[0].lln"),
    # adverse events, medications, events
    Rule("grade-5-needs-dead",
         _add("adverse_events", {"term": "gastric hemorrhage", "grade": 5, "date": "2015-05-01"}),
         _both(_dead(), _add("adverse_events", {"term": "gastric hemorrhage", "grade": 5,
                                                "date": "2015-05-01"})),
         "adverse_events[0].grade"),
    Rule("ae-drug-was-given",
         _add("adverse_events", {"term": "hypertension", "grade": 2, "date": "2014-06-01",
                                 "drug": "regorafenib"}),
         _add("adverse_events", {"term": "hypertension", "grade": 2, "date": "2014-06-01",
                                 "drug": "sunitinib"}), "adverse_events[0].drug"),
    Rule("ae-drug-may-be-a-co-medication",
         _add("adverse_events", {"term": "edema limbs", "grade": 1, "date": "2014-06-01",
                                 "drug": "amlodipine"}),
         _both(_add("medications", {"name": "amlodipine", "start": "2014-05-20"}),
               _add("adverse_events", {"term": "edema limbs", "grade": 1, "date": "2014-06-01",
                                       "drug": "amlodipine"})), "adverse_events[0].drug"),
    Rule("ae-not-before-drug",
         _add("adverse_events", {"term": "hypertension", "grade": 2, "date": "2014-05-14",
                                 "drug": "sunitinib"}),
         _add("adverse_events", {"term": "hypertension", "grade": 2, "date": "2014-05-15",
                                 "drug": "sunitinib"}), "adverse_events[0].date"),
    Rule("medication-end-not-before-start",
         _add("medications", {"name": "clarithromycin", "start": "2014-06-10",
                              "end": "2014-06-09"}),
         _add("medications", {"name": "clarithromycin", "start": "2014-06-10",
                              "end": "2014-06-10"}), "medications[0].end"),
    Rule("death-event-needs-dead", _add("events", {"type": "death", "date": "2015-05-01"}),
         _both(_dead(), _add("events", {"type": "death", "date": "2015-05-01"})),
         "events[0].type"),
    Rule("death-event-on-death-date",
         _both(_dead(), _add("events", {"type": "death", "date": "2015-04-30"})),
         _both(_dead(), _add("events", {"type": "hemorrhage", "date": "2015-04-30"})),
         "events[0].date"),
    # follow-up
    Rule("dead-needs-death-date",
         _both(_dead(), _set("follow_up", "death_date", value=None)), _dead(),
         "follow_up.death_date"),
    Rule("death-date-needs-dead", _set("follow_up", "death_date", value="2015-06-01"),
         _set("follow_up", "vital_status", value="unknown"), "follow_up.vital_status"),
    Rule("last-contact-not-after-death", _dead(last_contact="2015-05-02"),
         _dead(last_contact="2015-05-01"), "follow_up.last_contact"),
    Rule("one-entry-after-death-is-named",
         _both(_dead(), _add("labs", _lab("2015-05-02"))),
         _both(_dead(), _add("labs", _lab("2015-05-01"))), "labs[0].date"),
    Rule("many-entries-after-death-blame-death-date",
         _both(_dead(), _add("labs", _lab("2015-05-02")), _add("labs", _lab("2015-05-09"))),
         _dead(on="2015-05-09"), "follow_up.death_date"),
    Rule("last-contact-not-before-last-scan",
         _add("imaging", _scan("2015-06-10", _target("L1", "liver", 50))),
         _add("imaging", _scan("2015-06-01", _target("L1", "liver", 50))),
         "follow_up.last_contact"),
    Rule("last-contact-not-before-last-start",
         _set("follow_up", "last_contact", value="2014-05-14"),
         _set("follow_up", "last_contact", value="2014-05-15"), "follow_up.last_contact"),
    # birth
    Rule("one-entry-before-birth-is-named", _add("labs", _lab("1959-12-31")),
         _add("labs", _lab("1960-01-01")), "labs[0].date"),
    Rule("many-entries-before-birth-blame-birth-date",
         _set("patient", "birth_date", value="2013-01-01"),
         _set("patient", "birth_date", value="2012-01-10"), "patient.birth_date"),
]  # fmt: skip


def test_base_has_no_problem() -> None:
    assert _fields(_base()) == []


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_rule(rule: Rule) -> None:
    broken, near_miss = _base(), _base()
    rule.broken(broken)
    rule.near_miss(near_miss)
    assert _fields(broken) == [rule.field]
    assert _fields(near_miss) == []


def test_messages_say_what_is_wrong() -> None:
    case = _base()
    _set("treatments", 1, "start", value="2014-04-30")(case)
    ((field, message),) = case_problems(Case.model_validate(case))
    assert field == "treatments[1].start"
    assert message == (
        "2014-04-30 overlaps treatments[0] (imatinib, 2012-02-01 to 2014-05-01); "
        "one row per continuous dose"
    )


def test_many_dates_before_birth_are_one_problem_naming_the_first() -> None:
    case = _base()
    _set("patient", "birth_date", value="2013-01-01")(case)
    ((field, message),) = case_problems(Case.model_validate(case))
    assert field == "patient.birth_date"
    assert message == (
        "3 dated entries are before the birth date 2013-01-01 "
        "(first: treatments[0].start on 2012-02-01)"
    )


def test_all_problems_are_listed_in_field_order() -> None:
    case = _base()
    _set("tumour", "genotype", value={"gene": "none", "exon": 11, "variant": "x"})(case)
    _set("treatments", 0, "stop_reason", value=None)(case)
    assert _fields(case) == [
        "tumour.genotype.exon",
        "tumour.genotype.variant",
        "treatments[0].stop_reason",
    ]
