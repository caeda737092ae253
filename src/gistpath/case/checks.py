"""Consistency rules that relate several fields of a case.

Each rule yields ``(field_path, message)`` so the error names the exact field; the loader turns
the first problem into a :class:`~gistpath.errors.CaseError`. Data dated after ``as_of`` is
allowed (assessments ignore it); data that contradicts itself is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from itertools import pairwise

from gistpath.case.model import LAB_UNITS, LIMITS, Case, Lesion
from gistpath.case.units import canonical_unit, plausible_range, to_canonical

Problem = tuple[str, str]
_MAX_AGE_YEARS = int(LIMITS["age_years"]["max"])


def case_problems(case: Case) -> list[Problem]:
    """Every consistency problem in ``case``, in field order."""
    return [
        *_patient(case),
        *_genotype(case),
        *_performance(case),
        *_treatments(case),
        *_imaging(case),
        *_labs(case),
        *_adverse_events(case),
        *_medications(case),
        *_events(case),
        *_follow_up(case),
        *_before_birth(case),
    ]


def _patient(case: Case) -> Iterator[Problem]:
    birth = case.patient.birth_date
    diagnosis = case.tumour.diagnosis_date
    if birth is not None:
        if birth > case.as_of:
            yield "patient.birth_date", f"{birth} is after as_of {case.as_of}"
        elif (case.as_of - birth).days > _MAX_AGE_YEARS * 366:
            yield "patient.birth_date", f"{birth} makes the patient older than {_MAX_AGE_YEARS}"
    if diagnosis is not None and diagnosis > case.as_of:
        yield "tumour.diagnosis_date", f"{diagnosis} is after as_of {case.as_of}"


def _genotype(case: Case) -> Iterator[Problem]:
    g = case.tumour.genotype
    if g.subtype is not None and g.gene != "none":
        yield "tumour.genotype.subtype", f"a wild-type subtype needs gene 'none', not {g.gene!r}"
    if g.gene in ("none", "unknown"):
        if g.exon is not None:
            yield "tumour.genotype.exon", f"gene {g.gene!r} has no exon"
        if g.variant is not None:
            yield "tumour.genotype.variant", f"gene {g.gene!r} has no variant"


def _performance(case: Case) -> Iterator[Problem]:
    seen: dict[date, int] = {}
    for i, ps in enumerate(case.performance_status):
        if ps.date in seen and seen[ps.date] != ps.ecog:
            yield (
                f"performance_status[{i}].ecog",
                f"two different ECOG values ({seen[ps.date]} and {ps.ecog}) on {ps.date}",
            )
        seen[ps.date] = ps.ecog


def _treatments(case: Case) -> Iterator[Problem]:
    rows = case.treatments
    diagnosis = case.tumour.diagnosis_date
    fu = case.follow_up
    dead = fu is not None and fu.vital_status == "dead"
    death = fu.death_date if fu is not None else None
    for i, t in enumerate(rows):
        here = f"treatments[{i}]"
        if t.end is not None and t.end < t.start:
            yield f"{here}.end", f"{t.end} is before start {t.start}"
        if t.end is not None and t.stop_reason is None:
            yield f"{here}.stop_reason", "required when end is given (why did it stop?)"
        if t.end is None and t.stop_reason is not None:
            yield f"{here}.end", f"stop_reason {t.stop_reason!r} given but no end date"
        if diagnosis is not None and diagnosis <= case.as_of and t.start < diagnosis:
            yield f"{here}.start", f"{t.start} is before the diagnosis ({diagnosis})"
        if t.stop_reason == "death" and not dead:
            yield f"{here}.stop_reason", "'death' but follow_up.vital_status is not 'dead'"
        if dead and t.end is None and t.stop_reason is None:
            yield (
                f"{here}.end",
                f"{t.drug} is still ongoing but the patient died on {death}; give end and "
                "stop_reason",
            )
    order = sorted(range(len(rows)), key=lambda k: rows[k].start)
    for before, after in pairwise(order):
        prev, nxt = rows[before], rows[after]
        if prev.end is None:
            yield (
                f"treatments[{before}].end",
                f"{prev.drug} has no end but treatments[{after}] ({nxt.drug}) starts later, "
                f"on {nxt.start}",
            )
        elif nxt.start < prev.end:
            yield (
                f"treatments[{after}].start",
                f"{nxt.start} overlaps treatments[{before}] ({prev.drug}, {prev.start} to "
                f"{prev.end}); one row per continuous dose",
            )


def _imaging(case: Case) -> Iterator[Problem]:
    organ_of: dict[str, tuple[str, date]] = {}
    scans: dict[tuple[date, str], int] = {}
    for i, scan in enumerate(case.imaging):
        here = f"imaging[{i}]"
        key = (scan.date, scan.reader)
        if key in scans:
            yield (
                f"{here}.date",
                f"a second {scan.reader} reading of {scan.date} (also imaging[{scans[key]}]); "
                "merge them into one time point",
            )
        scans[key] = i
        if not scan.lesions:
            yield (
                f"{here}.lesions",
                "a scan must list its lesions (a target no longer seen has diameter_mm 0, "
                "a non-target that is gone has status 'absent')",
            )
        ids: set[str] = set()
        for j, lesion in enumerate(scan.lesions):
            at = f"{here}.lesions[{j}]"
            if lesion.id in ids:
                yield f"{at}.id", f"lesion {lesion.id!r} appears twice on {scan.date}"
            ids.add(lesion.id)
            first = organ_of.setdefault(lesion.id, (lesion.organ, scan.date))
            if first[0] != lesion.organ:
                yield (
                    f"{at}.organ",
                    f"lesion {lesion.id!r} was {first[0]} on {first[1]} and is {lesion.organ} "
                    f"on {scan.date}; a lesion id must keep its organ",
                )
            yield from _lesion_fields(lesion, at)


def _lesion_fields(lesion: Lesion, at: str) -> Iterator[Problem]:
    role = lesion.role
    diameter = lesion.diameter_mm
    status = lesion.status
    nodule = lesion.intratumoral_nodule
    if nodule in ("new", "enlarging") and (diameter == 0 or status == "absent"):
        yield (
            f"{at}.intratumoral_nodule",
            f"{nodule!r} nodule in a lesion that is no longer seen "
            + ("(diameter_mm 0)" if diameter == 0 else "(status 'absent')"),
        )
    if role == "target":
        if diameter is None:
            yield f"{at}.diameter_mm", "a target lesion needs diameter_mm (0 if no longer visible)"
        if status is not None:
            yield f"{at}.status", "status is for non-target lesions; targets carry diameter_mm"
    elif role == "non-target":
        if status is None:
            yield (
                f"{at}.status",
                "a non-target lesion needs status: present, absent or unequivocal_progression",
            )
    else:
        if status is not None:
            yield f"{at}.status", "a new lesion has no status"
        if nodule is not None:
            yield f"{at}.intratumoral_nodule", "intratumoral_nodule applies to existing lesions"
        if diameter == 0:
            yield f"{at}.diameter_mm", "a new lesion cannot measure 0 mm"


def _labs(case: Case) -> Iterator[Problem]:
    for i, lab in enumerate(case.labs):
        here = f"labs[{i}]"
        allowed = LAB_UNITS[lab.test]
        if lab.unit not in allowed:
            yield (
                f"{here}.unit",
                f"{lab.unit!r} is not a unit for {lab.test} (use {' or '.join(allowed)})",
            )
            continue
        low, high = plausible_range(lab.test)
        value = to_canonical(lab.test, lab.value, lab.unit)
        if not low <= value <= high:
            yield (
                f"{here}.value",
                f"{lab.value} {lab.unit} is implausible for {lab.test} "
                f"({low:g}-{high:g} {canonical_unit(lab.test)}); check the value and unit",
            )
        if lab.lln is not None and lab.uln is not None and lab.lln >= lab.uln:
            yield f"{here}.lln", f"lower limit {lab.lln} is not below upper limit {lab.uln}"


def _adverse_events(case: Case) -> Iterator[Problem]:
    dead = case.follow_up is not None and case.follow_up.vital_status == "dead"
    first_given: dict[str, date] = {}
    for t in sorted(case.treatments, key=lambda t: t.start):
        first_given.setdefault(t.drug, t.start)
    co_medications = {med.name for med in case.medications} - set(first_given)
    for i, ae in enumerate(case.adverse_events):
        here = f"adverse_events[{i}]"
        if ae.grade == 5 and not dead:
            yield f"{here}.grade", "grade 5 is death but follow_up does not say dead"
        if ae.drug is None or ae.drug in co_medications:
            continue
        if ae.drug not in first_given:
            given = ", ".join(first_given) or "none"
            yield (
                f"{here}.drug",
                f"{ae.drug!r} is not in treatments (given: {given}) nor in medications",
            )
        elif ae.date < first_given[ae.drug]:
            yield (
                f"{here}.date",
                f"{ae.date} is before {ae.drug} was first given ({first_given[ae.drug]})",
            )


def _medications(case: Case) -> Iterator[Problem]:
    for i, med in enumerate(case.medications):
        if med.start is not None and med.end is not None and med.end < med.start:
            yield f"medications[{i}].end", f"{med.end} is before start {med.start}"


def _events(case: Case) -> Iterator[Problem]:
    fu = case.follow_up
    for i, event in enumerate(case.events):
        if event.type != "death":
            continue
        if fu is None or fu.vital_status != "dead":
            yield f"events[{i}].type", "a death event needs follow_up.vital_status 'dead'"
        elif fu.death_date is not None and fu.death_date != event.date:
            yield (
                f"events[{i}].date",
                f"{event.date} differs from follow_up.death_date {fu.death_date}",
            )


def _follow_up(case: Case) -> Iterator[Problem]:
    fu = case.follow_up
    if fu is None:
        return
    death = fu.death_date
    if fu.vital_status == "dead" and death is None:
        yield "follow_up.death_date", "required when vital_status is 'dead'"
    if fu.vital_status != "dead" and death is not None:
        yield (
            "follow_up.vital_status",
            f"death_date {death} given but status is {fu.vital_status!r}",
        )
    if death is not None:
        if fu.last_contact > death:
            yield "follow_up.last_contact", f"{fu.last_contact} is after death on {death}"
        skip = _death_events(case) | {"follow_up"}
        late = _first_per_record(
            (r, f, d) for r, f, d in _dated(case) if d > death and r not in skip
        )
        yield from _one_or_many(late, "follow_up.death_date", f"after death on {death}")
    cut = death or date.max
    last_scan = max((s.date for s in case.imaging if s.date <= cut), default=None)
    last_start = max((t.start for t in case.treatments if t.start <= cut), default=None)
    for label, latest in (("imaging", last_scan), ("treatment start", last_start)):
        if latest is not None and fu.last_contact < latest:
            yield (
                "follow_up.last_contact",
                f"{fu.last_contact} is before the last {label} ({latest})",
            )


def _death_events(case: Case) -> set[str]:
    """Death events are checked against death_date by :func:`_events`."""
    return {f"events[{i}]" for i, ev in enumerate(case.events) if ev.type == "death"}


def _one_or_many(found: list[tuple[str, date]], anchor: str, what: str) -> Iterator[Problem]:
    """One problem for one odd date; for several, one problem on the date they all disagree with."""
    if len(found) == 1:
        field, day = found[0]
        yield field, f"{day} is {what}"
    elif found:
        field, day = found[0]
        yield anchor, f"{len(found)} dated entries are {what} (first: {field} on {day})"


def _dated(case: Case) -> Iterator[tuple[str, str, date]]:
    """``(record, field, day)`` for every date in the case, record by record."""
    for i, ps in enumerate(case.performance_status):
        yield f"performance_status[{i}]", f"performance_status[{i}].date", ps.date
    for i, t in enumerate(case.treatments):
        yield f"treatments[{i}]", f"treatments[{i}].start", t.start
        if t.end is not None:
            yield f"treatments[{i}]", f"treatments[{i}].end", t.end
    for i, scan in enumerate(case.imaging):
        yield f"imaging[{i}]", f"imaging[{i}].date", scan.date
    for i, lab in enumerate(case.labs):
        yield f"labs[{i}]", f"labs[{i}].date", lab.date
    for i, ae in enumerate(case.adverse_events):
        yield f"adverse_events[{i}]", f"adverse_events[{i}].date", ae.date
    for i, med in enumerate(case.medications):
        for name, day in (("start", med.start), ("end", med.end)):
            if day is not None:
                yield f"medications[{i}]", f"medications[{i}].{name}", day
    for i, ev in enumerate(case.events):
        yield f"events[{i}]", f"events[{i}].date", ev.date
    if case.tumour.diagnosis_date is not None:
        yield "tumour", "tumour.diagnosis_date", case.tumour.diagnosis_date
    if case.follow_up is not None:
        yield "follow_up", "follow_up.last_contact", case.follow_up.last_contact
        if case.follow_up.death_date is not None:
            yield "follow_up", "follow_up.death_date", case.follow_up.death_date


def _first_per_record(dated: Iterator[tuple[str, str, date]]) -> list[tuple[str, date]]:
    seen: set[str] = set()
    out: list[tuple[str, date]] = []
    for record, field, day in dated:
        if record not in seen:
            seen.add(record)
            out.append((field, day))
    return out


def _before_birth(case: Case) -> Iterator[Problem]:
    birth = case.patient.birth_date
    if birth is None or birth > case.as_of:  # the latter is reported on patient.birth_date
        return
    early = _first_per_record((r, f, d) for r, f, d in _dated(case) if d < birth)
    yield from _one_or_many(early, "patient.birth_date", f"before the birth date {birth}")
