"""Safety alerts: haemorrhage monitoring (S-PDQ, LABEL-IMATINIB; thresholds GISTPATH-CONVENTION,
ISTH-MAJOR-BLEEDING), interruption risk (BFR14), lab toxicity (CTCAE-5.0), and the report."""

from __future__ import annotations

from typing import Any

import pytest

from gistpath.case.timeline import treatment_lines
from gistpath.errors import InputError
from gistpath.safety.alerts import Alert, hemorrhage_alert, interruption_alert, tumour_burden
from gistpath.safety.report import assess_safety
from pathway.case_builders import case, lab, med, scan, tgt, tx

START = "2020-03-02"


def bleed(
    *,
    as_of: str = "2020-03-23",
    sizes: tuple[float, ...] = (110, 40),
    hbs: list[tuple[str, float]] | None = None,
    drug: str = "imatinib",
    planned: tuple[str, ...] = (),
    treated: bool = True,
) -> Alert | None:
    c = case(
        as_of=as_of,
        treatments=[tx(drug, 400 if drug == "imatinib" else 50, START)] if treated else [],
        imaging=[scan("2020-02-24", *(tgt(f"L{i}", mm) for i, mm in enumerate(sizes, 1)))],
        labs=[
            lab(day, "hemoglobin", value, "g/dL", lln=12.0, uln=16.0) for day, value in hbs or []
        ],
    )
    lines = treatment_lines(c)
    return hemorrhage_alert(c, lines[-1] if lines else None, planned=planned)


WEEKLY = [("2020-02-28", 13.0), ("2020-03-09", 12.9), ("2020-03-16", 12.8), ("2020-03-23", 12.7)]


def test_bulky_by_largest_lesion_starting_imatinib_reminds_weekly_hb() -> None:
    """S-PDQ: ~5% haemorrhage risk in bulky tumours; Hb weekly for 8 weeks (until 2020-04-27)."""
    alert = bleed(hbs=WEEKLY)
    assert alert is not None
    assert (alert.code, alert.severity) == ("hemorrhage-monitoring", "info")
    assert "2020-04-27" in alert.message and "every 7 days" in alert.message
    assert {"S-PDQ", "LABEL-IMATINIB", "GISTPATH-CONVENTION"} <= set(alert.evidence)
    assert alert.verified is False  # "bulky" is a gistpath convention, flagged as such


def test_bulky_by_sum_of_targets() -> None:
    """GISTPATH-CONVENTION: sum of target diameters >= 150 mm is bulky (55+55+45 = 155)."""
    assert bleed(sizes=(55, 55, 45), hbs=WEEKLY) is not None
    assert bleed(sizes=(55, 50, 40), hbs=WEEKLY) is None  # 145 mm, largest 55 mm


def test_largest_lesion_threshold_is_100_mm() -> None:
    """GISTPATH-CONVENTION: a lesion of >= 100 mm makes disease bulky; 99 mm alone does not."""
    assert bleed(sizes=(100,), hbs=WEEKLY) is not None
    assert bleed(sizes=(99,), hbs=WEEKLY) is None


def test_hb_fall_of_2_g_dl_is_critical() -> None:
    """GISTPATH-CONVENTION after ISTH-MAJOR-BLEEDING: a fall >= 2.0 g/dL from pre-imatinib Hb."""
    alert = bleed(hbs=[("2020-02-28", 13.0), ("2020-03-20", 10.9)])
    assert alert is not None and alert.severity == "critical"
    assert "fell by 2.1 g/dL" in alert.message and "ISTH-MAJOR-BLEEDING" in alert.evidence


def test_hb_fall_below_the_threshold_is_not_a_bleeding_alert() -> None:
    alert = bleed(hbs=[("2020-02-28", 15.0), ("2020-03-20", 13.1)])  # 1.9 g/dL, both normal
    assert alert is not None and alert.severity == "info"


def test_anaemia_grade_increase_is_critical_even_with_a_small_fall() -> None:
    """CTCAE-5.0 anaemia grade 0 -> 1 (12.3 -> 11.6 g/dL, LLN 12.0) during monitoring."""
    alert = bleed(hbs=[("2020-02-28", 12.3), ("2020-03-20", 11.6)])
    assert alert is not None and alert.severity == "critical"
    assert "Anaemia grade rose from 0 to 1" in alert.message


def test_overdue_hb_check_is_a_warning() -> None:
    """Weekly Hb (S-PDQ): last Hb 2020-03-09 is 14 days before 2020-03-23."""
    alert = bleed(hbs=WEEKLY[:2])
    assert alert is not None and alert.severity == "warning" and "overdue" in alert.message


def test_no_monitoring_alert_after_8_weeks() -> None:
    assert bleed(as_of="2020-05-04", hbs=WEEKLY) is None  # day 63


def test_other_drugs_are_not_monitored() -> None:
    assert bleed(drug="sunitinib", hbs=WEEKLY) is None


def test_planned_imatinib_start_in_bulky_disease() -> None:
    alert = bleed(treated=False, as_of="2020-03-02", planned=("imatinib",))
    assert alert is not None and "starting imatinib on 2020-03-02" in alert.message


def test_tumour_burden_reads_the_latest_scan() -> None:
    c = case(
        as_of="2020-06-01",
        imaging=[
            scan("2020-01-01", tgt("L1", 120)),
            scan("2020-05-01", tgt("L1", 80), tgt("L2", 30)),
        ],
    )
    burden = tumour_burden(c)
    assert burden is not None and (burden.largest_mm, burden.target_sum_mm) == (80, 110)


# ---- interruption -----------------------------------------------------------------------------


def pause(stop: str, *, progressed: bool | None = False, later: bool = False) -> Alert | None:
    rows = [tx("imatinib", 400, "2018-01-08", "2020-01-06", stop)]
    if later:
        rows.append(tx("sunitinib", 50, "2020-02-03"))
    dead = {"last_contact": "2020-01-06", "vital_status": "dead", "death_date": "2020-01-06"}
    c = case(
        as_of="2020-06-01",
        treatments=rows,
        follow_up=dead if stop == "death" else None,
        ecog_date="2019-12-30",
    )
    return interruption_alert(treatment_lines(c), progressed=progressed)


@pytest.mark.parametrize("stop", ["patient_choice", "completed", "other"])
def test_tki_stopped_without_progression_raises_interruption_risk(stop: str) -> None:
    """BFR14: interruption in controlled GIST -> rapid progression; GRID/INVICTUS/RIGHT placebo."""
    alert = pause(stop)
    assert alert is not None
    assert (alert.code, alert.severity) == ("interruption-risk", "warning")
    assert "BFR14" in alert.evidence and "2020-01-06" in alert.message


@pytest.mark.parametrize("stop", ["progression", "toxicity", "death"])
def test_no_interruption_alert_for_other_stop_reasons(stop: str) -> None:
    assert pause(stop) is None


def test_no_interruption_alert_when_progression_was_found_or_a_drug_followed() -> None:
    assert pause("patient_choice", progressed=True) is None
    assert pause("patient_choice", later=True) is None


# ---- lab toxicity and the report --------------------------------------------------------------


def report(labs: list[dict[str, Any]], **kw: Any) -> Any:
    c = case(as_of="2020-06-01", treatments=[tx("imatinib", 400, "2020-01-06")], labs=labs, **kw)
    return assess_safety(c)


@pytest.mark.parametrize(("value", "severity"), [(11.5, None), (9.5, "info"), (7.5, "warning")])
def test_lab_toxicity_alert_severity_by_grade(value: float, severity: str | None) -> None:
    """CTCAE-5.0 grade 1 no alert, 2 info, 3 warning (GISTPATH-CONVENTION severities)."""
    r = report([lab("2020-05-25", "hemoglobin", value, "g/dL", lln=12.0)])
    found = [a.severity for a in r.alerts if a.code == "lab-toxicity"]
    assert found == ([] if severity is None else [severity])


def test_grade_4_neutropenia_is_critical() -> None:
    r = report([lab("2020-05-25", "neutrophils", 0.4, "10^9/L", lln=1.8)])
    assert [a.severity for a in r.alerts if a.code == "lab-toxicity"] == ["critical"]


def test_stale_labs_are_graded_but_raise_no_alert() -> None:
    """GISTPATH-CONVENTION: values older than 42 days before as_of raise no lab-toxicity alert."""
    r = report([lab("2020-04-01", "hemoglobin", 7.5, "g/dL", lln=12.0)])
    assert r.labs[0].grade == 3
    assert [a for a in r.alerts if a.code == "lab-toxicity"] == []


def test_report_collects_dose_action_and_interaction_alerts() -> None:
    r = report(
        [lab("2020-05-25", "alt", 260, "U/L", uln=40)],
        medications=[med("ketoconazole", "2020-05-01")],
    )
    codes = [a.code for a in r.alerts]
    assert "dose-modification" in codes and "cyp3a4-inhibitor" in codes
    assert r.dose_actions[0].rule == "imatinib-hepatotoxicity"
    assert r.to_dict()["current_drug"] == "imatinib"


def test_alerts_are_sorted_by_severity() -> None:
    r = report(
        [
            lab("2020-05-25", "neutrophils", 0.4, "10^9/L", lln=1.8),
            lab("2020-05-25", "hemoglobin", 9.5, "g/dL", lln=12.0),
        ]
    )
    order = {"critical": 0, "warning": 1, "info": 2}
    ranks = [order[a.severity] for a in r.alerts]
    assert ranks == sorted(ranks)


def test_unknown_jurisdiction_is_bad_input() -> None:
    c = case(as_of="2020-06-01")
    with pytest.raises(InputError, match="jurisdiction"):
        assess_safety(c, jurisdiction="UK")
