"""Malformed cases: one mistake each, one clear error naming the case id and the exact field.

Each mistake is what a tired research nurse or a buggy export could produce, applied to a valid
base case. The same documents go through ``parse_case`` and, written to files, through the CLI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gistpath.case.load import parse_case
from gistpath.errors import CaseError

Doc = dict[str, Any]
ID = "mal-base"
BASE_FILE = Path(__file__).with_name("malformed_base.json")


def _base_alive() -> Doc:
    """Imatinib then sunitinib (ongoing), three scans, labs, an AE, a medication, an event."""
    case: Doc = json.loads(BASE_FILE.read_text(encoding="utf-8"))
    return case


def _base_dead() -> Doc:
    """The same patient: sunitinib stopped at progression, death six months after as_of."""
    case = _base_alive()
    case["as_of"] = "2014-10-01"
    case["treatments"][1].update(end="2014-06-30", stop_reason="progression")
    case["events"].append({"type": "death", "date": "2014-09-15"})
    case["follow_up"] = {
        "last_contact": "2014-09-15",
        "vital_status": "dead",
        "death_date": "2014-09-15",
    }
    return case


BASES: dict[str, Callable[[], Doc]] = {"alive": _base_alive, "dead": _base_dead}


def _text(case: Doc) -> str:
    return json.dumps(case, indent=2)


# --- building mistakes --------------------------------------------------------------------

Path_ = tuple[str | int, ...]
Edit = Callable[[Doc], Doc | str | bytes]


def _at(case: Doc, path: Path_) -> Any:
    node: Any = case
    for part in path:
        node = node[part]
    return node


def put(path: Path_, value: Any) -> Edit:
    def edit(case: Doc) -> Doc:
        _at(case, path[:-1])[path[-1]] = value
        return case

    return edit


def drop(path: Path_) -> Edit:
    def edit(case: Doc) -> Doc:
        del _at(case, path[:-1])[path[-1]]
        return case

    return edit


def rename(path: Path_, new: str) -> Edit:
    def edit(case: Doc) -> Doc:
        parent = _at(case, path[:-1])
        parent[new] = parent.pop(path[-1])
        return case

    return edit


def append(path: Path_, item: Any) -> Edit:
    def edit(case: Doc) -> Doc:
        _at(case, path).append(item)
        return case

    return edit


def replace_text(old: str, new: str) -> Edit:
    def edit(case: Doc) -> str:
        text = _text(case)
        assert old in text, old
        return text.replace(old, new, 1)

    return edit


def whole(document: str | bytes) -> Edit:
    return lambda case: document


@dataclass(frozen=True)
class Mistake:
    name: str
    edit: Edit
    field: str
    says: str  # a phrase the message must contain
    case_id: str | None = ID
    more: int = 0  # further problems reported as "(and N more)"
    base: str = "alive"

    def document(self) -> str | bytes:
        done = self.edit(BASES[self.base]())
        return _text(done) if isinstance(done, dict) else done


L0 = ("imaging", 0, "lesions", 0)  # target L1, liver
NEW = ("imaging", 1, "lesions", 3)  # new lesion L2
T0, T1 = ("treatments", 0), ("treatments", 1)
LAB = ("labs", 0)
AE = ("adverse_events", 0)
FU = ("follow_up",)

MISTAKES: list[Mistake] = [
    # -- structure and JSON text
    Mistake("typo-field", rename((*L0, "diameter_mm"), "diamter_mm"),
            "imaging[0].lesions[0].diamter_mm", "did you mean 'diameter_mm'"),
    Mistake("typo-required-field", rename(("as_of",), "as_off"), "as_off",
            "did you mean 'as_of'", more=1),
    Mistake("missing-as_of", drop(("as_of",)), "as_of", "required field is missing"),
    Mistake("missing-patient", drop(("patient",)), "patient", "required field is missing"),
    Mistake("missing-lesions-key", drop(("imaging", 1, "lesions")), "imaging[1].lesions",
            "required field is missing"),
    Mistake("missing-id", drop(("id",)), "id", "required field is missing", case_id=None),
    Mistake("id-with-spaces", put(("id",), "mal base"), "id", "must not contain spaces",
            case_id="mal base"),
    Mistake("id-empty", put(("id",), ""), "id", "must not be empty", case_id=None),
    Mistake("id-as-number", put(("id",), 17), "id", "must be text", case_id="17"),
    Mistake("list-not-object", whole('["mal-base"]'), "(document)", "must be a JSON object",
            case_id=None),
    Mistake("string-not-object", whole('"mal-base"'), "(document)", "not text", case_id=None),
    Mistake("null-document", whole("null"), "(document)", "not null", case_id=None),
    Mistake("empty-file", whole(""), "(document)", "empty", case_id=None),
    Mistake("blank-file", whole("\n \n"), "(document)", "empty", case_id=None),
    Mistake("trailing-comma", replace_text('"death_date": null\n', '"death_date": null,\n'),
            "(json)", "trailing comma"),
    Mistake("truncated-export", lambda c: _text(c)[:900], "(json)", "not valid JSON"),
    Mistake("python-repr-not-json", lambda c: repr(c), "(json)",
            "Expecting property name enclosed in double quotes", case_id=None),
    Mistake("not-utf8", lambda c: _text(c).replace("melaena", "mel\u00e6na").encode("latin-1"),
            "(file)", "not UTF-8", case_id=None),
    Mistake("duplicate-key",
            replace_text('"diameter_mm": 48', '"diameter_mm": 48, "diameter_mm": 84'),
            "imaging[0].lesions[0].diameter_mm", "given twice"),
    Mistake("treatments-not-a-list", lambda c: {**c, "treatments": c["treatments"][0]},
            "treatments", "must be a list"),
    Mistake("sites-as-string", put(("tumour", "metastatic_sites"), "liver"),
            "tumour.metastatic_sites", "must be a list"),
    # -- dates
    Mistake("date-us-format", put((*T0, "start"), "02/01/2010"), "treatments[0].start",
            "expected a date as YYYY-MM-DD"),
    Mistake("date-impossible", put(("imaging", 0, "date"), "2010-02-30"), "imaging[0].date",
            "not a real calendar date"),
    Mistake("date-with-time", put((*LAB, "date"), "2014-02-17T09:30:00"), "labs[0].date",
            "expected a date as YYYY-MM-DD"),
    Mistake("date-as-number", put((*FU, "last_contact"), 20140303), "follow_up.last_contact",
            "expected a date as YYYY-MM-DD"),
    Mistake("birth-after-as_of", put(("patient", "birth_date"), "2017-06-02"),
            "patient.birth_date", "after as_of"),
    Mistake("birth-year-typo", put(("patient", "birth_date"), "2011-06-02"),
            "patient.birth_date", "dated entries are before the birth date"),
    Mistake("older-than-120", put(("patient", "birth_date"), "1880-06-02"),
            "patient.birth_date", "older than 120"),
    Mistake("lab-before-birth", put((*LAB, "date"), "1950-02-17"), "labs[0].date",
            "before the birth date"),
    Mistake("diagnosis-after-as_of", put(("tumour", "diagnosis_date"), "2015-01-11"),
            "tumour.diagnosis_date", "after as_of"),
    # -- treatments
    Mistake("end-before-start", put((*T0, "end"), "2010-01-20"), "treatments[0].end",
            "before start"),
    Mistake("stop-reason-without-end", put((*T1, "stop_reason"), "progression"),
            "treatments[1].end", "no end date"),
    Mistake("end-without-stop-reason", put((*T0, "stop_reason"), None),
            "treatments[0].stop_reason", "required when end is given"),
    Mistake("overlapping-rows", put((*T1, "start"), "2013-07-01"), "treatments[1].start",
            "overlaps treatments[0]"),
    Mistake("ongoing-row-then-another", lambda c: put((*T0, "stop_reason"), None)(
        put((*T0, "end"), None)(c)), "treatments[0].end", "has no end"),
    Mistake("treatment-before-diagnosis", put((*T0, "start"), "2009-12-01"),
            "treatments[0].start", "before the diagnosis"),
    Mistake("drug-capitalised", put((*T0, "drug"), "Imatinib"), "treatments[0].drug",
            "did you mean 'imatinib'"),
    Mistake("dose-zero", put((*T0, "dose_mg"), 0), "treatments[0].dose_mg", "must be > 0"),
    Mistake("dose-negative", put((*T0, "dose_mg"), -400), "treatments[0].dose_mg",
            "must be > 0"),
    Mistake("dose-boolean", put((*T0, "dose_mg"), True), "treatments[0].dose_mg",
            "must be a number"),
    Mistake("dose-with-unit", put((*T0, "dose_mg"), "400 mg"), "treatments[0].dose_mg",
            "without quotes or units"),
    Mistake("dose-infinity", replace_text('"dose_mg": 400', '"dose_mg": Infinity'),
            "treatments[0].dose_mg", "finite number"),
    Mistake("schedule-weekly", put((*T1, "schedule"), "weekly"), "treatments[1].schedule",
            "must be one of 'daily', 'bid', '4/2', 'd1-21q28'"),
    Mistake("stop-reason-progressed", put((*T0, "stop_reason"), "progressed"),
            "treatments[0].stop_reason", "did you mean 'progression'"),
    Mistake("stop-reason-death-but-alive", put((*T0, "stop_reason"), "death"),
            "treatments[0].stop_reason", "not 'dead'"),
    # -- patient and tumour
    Mistake("sex-abbreviated", put(("patient", "sex"), "F"), "patient.sex",
            "did you mean 'female'"),
    Mistake("gene-lowercase", put(("tumour", "genotype", "gene"), "kit"),
            "tumour.genotype.gene", "did you mean 'KIT'"),
    Mistake("subtype-with-kit", put(("tumour", "genotype", "subtype"), "SDH-deficient"),
            "tumour.genotype.subtype", "needs gene 'none'"),
    Mistake("exon-with-gene-none", put(("tumour", "genotype", "gene"), "none"),
            "tumour.genotype.exon", "has no exon", more=1),
    Mistake("exon-as-string", put(("tumour", "genotype", "exon"), "11"),
            "tumour.genotype.exon", "must be a whole number"),
    Mistake("primary-site-unknown", put(("tumour", "primary_site"), "gastric"),
            "tumour.primary_site", "must be one of"),
    # -- imaging
    Mistake("diameter-negative", put((*L0, "diameter_mm"), -48),
            "imaging[0].lesions[0].diameter_mm", "must be >= 0"),
    Mistake("diameter-as-string", put((*L0, "diameter_mm"), "48"),
            "imaging[0].lesions[0].diameter_mm", "must be a number"),
    Mistake("diameter-in-wrong-unit", put((*L0, "diameter_mm"), 4800),
            "imaging[0].lesions[0].diameter_mm", "must be <= 1000"),
    Mistake("diameter-nan", replace_text('"diameter_mm": 48', '"diameter_mm": NaN'),
            "imaging[0].lesions[0].diameter_mm", "finite number"),
    Mistake("density-5000", put((*L0, "density_hu"), 5000), "imaging[0].lesions[0].density_hu",
            "must be <= 3000"),
    Mistake("lesion-changes-organ", put(("imaging", 2, "lesions", 0, "organ"), "peritoneum"),
            "imaging[2].lesions[0].organ", "must keep its organ"),
    Mistake("duplicate-lesion-id", put((*NEW, "id"), "L1"), "imaging[1].lesions[3].id",
            "appears twice"),
    Mistake("two-scans-same-date", put(("imaging", 2, "date"), "2013-08-19"), "imaging[2].date",
            "a second site reading"),
    Mistake("scan-without-lesions", put(("imaging", 1, "lesions"), []), "imaging[1].lesions",
            "a scan must list its lesions"),
    Mistake("target-without-diameter", drop(("imaging", 0, "lesions", 1, "diameter_mm")),
            "imaging[0].lesions[1].diameter_mm", "needs diameter_mm"),
    Mistake("non-target-without-status", drop(("imaging", 0, "lesions", 2, "status")),
            "imaging[0].lesions[2].status", "needs status"),
    Mistake("status-on-target", put((*L0, "status"), "present"), "imaging[0].lesions[0].status",
            "status is for non-target lesions"),
    Mistake("organ-capitalised", put((*L0, "organ"), "Liver"), "imaging[0].lesions[0].organ",
            "did you mean 'liver'"),
    Mistake("role-capitalised", put((*L0, "role"), "Target"), "imaging[0].lesions[0].role",
            "did you mean 'target'"),
    Mistake("modality-free-text", put(("imaging", 0, "modality"), "CT scan"),
            "imaging[0].modality", "did you mean 'CT'"),
    Mistake("reader-investigator", put(("imaging", 0, "reader"), "investigator"),
            "imaging[0].reader", "must be one of 'site', 'central'"),
    Mistake("nodule-on-new-lesion", put((*NEW, "intratumoral_nodule"), "new"),
            "imaging[1].lesions[3].intratumoral_nodule", "applies to existing lesions"),
    Mistake("new-lesion-zero-mm", put((*NEW, "diameter_mm"), 0),
            "imaging[1].lesions[3].diameter_mm", "cannot measure 0 mm"),
    Mistake("nodule-yes", put((*L0, "intratumoral_nodule"), "yes"),
            "imaging[0].lesions[0].intratumoral_nodule", "must be one of"),
    # -- labs, performance status, adverse events, medications, events
    Mistake("lab-unit-unknown", put((*LAB, "unit"), "g/dl"), "labs[0].unit",
            "did you mean 'g/dL'"),
    Mistake("lab-unit-wrong-test", put((*LAB, "unit"), "U/L"), "labs[0].unit",
            "not a unit for hemoglobin"),
    Mistake("lab-hb-in-g-per-l-as-g-per-dl", put((*LAB, "value"), 112), "labs[0].value",
            "implausible for hemoglobin"),
    Mistake("lab-value-as-string", put((*LAB, "value"), "11.2"), "labs[0].value",
            "must be a number"),
    Mistake("lab-test-abbreviated", put((*LAB, "test"), "Hb"), "labs[0].test", "must be one of"),
    Mistake("lab-lln-above-uln", lambda c: {**c, "labs": [{**c["labs"][0], "lln": 16.0,
            "uln": 12.0}, c["labs"][1]]}, "labs[0].lln", "not below upper limit"),
    Mistake("ecog-6", put(("performance_status", 0, "ecog"), 6), "performance_status[0].ecog",
            "must be <= 5"),
    Mistake("ecog-fraction", put(("performance_status", 0, "ecog"), 1.5),
            "performance_status[0].ecog", "must be a whole number"),
    Mistake("two-ecog-same-day", append(("performance_status",), {"date": "2013-09-02",
            "ecog": 2}), "performance_status[2].ecog", "two different ECOG values"),
    Mistake("ae-grade-0", put((*AE, "grade"), 0), "adverse_events[0].grade", "must be >= 1"),
    Mistake("ae-grade-7", put((*AE, "grade"), 7), "adverse_events[0].grade", "must be <= 5"),
    Mistake("ae-grade-5-alive", put((*AE, "grade"), 5), "adverse_events[0].grade",
            "grade 5 is death"),
    Mistake("ae-term-empty", put((*AE, "term"), ""), "adverse_events[0].term", "must not be empty"),
    Mistake("ae-drug-never-given", put((*AE, "drug"), "regorafenib"), "adverse_events[0].drug",
            "not in treatments"),
    Mistake("ae-before-drug-started", put((*AE, "date"), "2013-06-03"), "adverse_events[0].date",
            "before sunitinib was first given"),
    Mistake("medication-end-before-start", put(("medications", 0, "end"), "2013-01-04"),
            "medications[0].end", "before start"),
    Mistake("medication-capitalised", put(("medications", 0, "name"), "Amlodipine"),
            "medications[0].name", "did you mean 'amlodipine'"),
    Mistake("event-type-free-text", put(("events", 0, "type"), "bleeding"), "events[0].type",
            "must be one of"),
    # -- follow-up and death
    Mistake("death-event-but-alive", append(("events",), {"type": "death", "date": "2014-02-28"}),
            "events[1].type", "needs follow_up.vital_status 'dead'"),
    Mistake("vital-status-free-text", put((*FU, "vital_status"), "deceased"),
            "follow_up.vital_status", "must be one of 'alive', 'dead', 'unknown'"),
    Mistake("death-date-but-alive", put((*FU, "death_date"), "2014-03-03"),
            "follow_up.vital_status", "death_date 2014-03-03 given"),
    Mistake("last-contact-before-last-scan", put((*FU, "last_contact"), "2014-01-01"),
            "follow_up.last_contact", "before the last imaging"),
    Mistake("dead-without-death-date", put((*FU, "death_date"), None), "follow_up.death_date",
            "required when vital_status is 'dead'", base="dead"),
    Mistake("last-contact-after-death", put((*FU, "last_contact"), "2014-10-01"),
            "follow_up.last_contact", "after death", base="dead"),
    Mistake("treatment-after-death", append(("treatments",), {"drug": "regorafenib",
            "dose_mg": 160, "schedule": "d1-21q28", "start": "2014-09-22", "end": "2014-09-29",
            "stop_reason": "toxicity"}), "treatments[2].start", "after death", base="dead"),
    Mistake("ongoing-after-death", lambda c: put((*T1, "stop_reason"), None)(
        put((*T1, "end"), None)(c)), "treatments[1].end", "still ongoing", base="dead"),
    Mistake("death-event-date-differs", put(("events", 1, "date"), "2014-09-14"),
            "events[1].date", "differs from follow_up.death_date", base="dead"),
]  # fmt: skip


def test_mistakes_are_many_and_distinct() -> None:
    names = [m.name for m in MISTAKES]
    assert len(names) == len(set(names))
    assert len(names) >= 50


@pytest.mark.parametrize("base", sorted(BASES))
def test_bases_are_valid(base: str) -> None:
    case = parse_case(_text(BASES[base]()), f"{base}.json")
    assert case.id == ID
    assert case.follow_up is not None and case.follow_up.vital_status == base


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_parse_case_names_case_and_field(mistake: Mistake) -> None:
    with pytest.raises(CaseError) as caught:
        parse_case(mistake.document(), f"{mistake.name}.json")
    error = caught.value
    assert (error.case_id, error.field, error.more) == (
        mistake.case_id,
        mistake.field,
        mistake.more,
    )
    assert mistake.says in error.message
    who = f"case {mistake.case_id!r}" if mistake.case_id else "case without an id"
    assert str(error).startswith(f"{mistake.name}.json: {who}: {mistake.field}: ")
    assert "\n" not in str(error)


# --- the same documents through the command line -----------------------------------------


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1"}
    env.pop("GISTPATH_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "gistpath", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _write(folder: Path, mistake: Mistake) -> Path:
    path = folder / f"{mistake.name}.json"
    document = mistake.document()
    if isinstance(document, bytes):
        path.write_bytes(document)
    else:
        path.write_text(document, encoding="utf-8")
    return path


def test_cli_reports_every_mistake_in_a_folder(tmp_path: Path) -> None:
    for mistake in MISTAKES:
        _write(tmp_path, mistake)
    result = _cli("validate", "--json", tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["valid"] == 0
    by_file = {Path(item["source"].split("[")[0]).stem: item for item in report["invalid"]}
    assert len(report["invalid"]) == len(MISTAKES)
    for mistake in MISTAKES:
        item = by_file[mistake.name]
        assert (item["case_id"], item["field"]) == (mistake.case_id, mistake.field), mistake.name


REPRESENTATIVE = [
    "typo-field",
    "trailing-comma",
    "not-utf8",
    "empty-file",
    "overlapping-rows",
    "lab-hb-in-g-per-l-as-g-per-dl",
    "organ-capitalised",
    "treatment-after-death",
]


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_cli_one_file_one_line_exit_2(tmp_path: Path, name: str) -> None:
    mistake = next(m for m in MISTAKES if m.name == name)
    path = _write(tmp_path, mistake)
    result = _cli("validate", path)
    assert result.returncode == 2
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert mistake.field in result.stderr
    assert (mistake.case_id or "-") in result.stderr
    assert "0 valid, 1 invalid" in result.stdout


def test_cli_accepts_the_bases(tmp_path: Path) -> None:
    for name, build in BASES.items():
        case = build()
        case["id"] = f"{case['id']}-{name}"  # one run may not use a case id twice
        (tmp_path / f"{name}.json").write_text(_text(case))
    result = _cli("validate", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2 valid, 0 invalid" in result.stdout
