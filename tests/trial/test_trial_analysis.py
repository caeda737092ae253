"""The analysis table (pure): PFS by central RECIST 1.0 from randomisation; populations."""

from __future__ import annotations

from datetime import date
from typing import Any

from gistpath.case.load import parse_case
from gistpath.case.model import Case
from gistpath.store.loadtest import eligible_case
from gistpath.trial.analysis import ParticipantRecord, analysis_table, trial_endpoints
from gistpath.trial.blinding import pseudonym
from gistpath.trial.design import load_design

DESIGN = load_design("RIGHT")
START = date(2011, 6, 1)
KEY = b"k" * 32


def ct(day: str, total_mm: float, reader: str = "central") -> dict[str, Any]:
    return {
        "date": day,
        "reader": reader,
        "lesions": [{"id": "L1", "organ": "liver", "role": "target", "diameter_mm": total_mm}],
    }


def course(*scans: dict[str, Any], extra: dict[str, Any] | None = None) -> Case:
    data = eligible_case("a-1").to_dict()
    data.update(as_of="2012-06-01", imaging=list(scans))
    data["follow_up"] = {"last_contact": "2012-06-01", "vital_status": "alive"}
    data.update(extra or {})
    return parse_case(data)


def test_pfs_uses_the_central_reading_and_recist_1_0() -> None:
    case = course(
        ct("2011-05-25", 25),
        ct("2011-06-29", 20),
        ct("2011-07-27", 24),  # +20% but +4 mm from the nadir: PD by RECIST 1.0, not by 1.1
        ct("2011-05-25", 25, reader="site"),
        ct("2011-06-29", 40, reader="site"),  # the site saw progression a month earlier
    )
    ends = trial_endpoints(case, START, DESIGN)
    assert (ends.pfs_months, ends.pfs_event) == (round(56 / (365.25 / 12), 3), 1)
    assert (ends.os_months, ends.os_event) == (round(366 / (365.25 / 12), 3), 0)


def test_crossover_before_central_progression_censors_pfs_and_leaves_per_protocol() -> None:
    case = course(ct("2011-05-25", 100), ct("2011-06-29", 100), ct("2011-08-24", 150))
    ends = trial_endpoints(case, START, DESIGN, crossover_start=date(2011, 7, 10))
    assert (ends.pfs_months, ends.pfs_event) == (round(28 / (365.25 / 12), 3), 0)
    records = [
        ParticipantRecord(
            "T-1",
            "K-AAAA-AAAA",
            "placebo",
            "prior_treatment=2;ecog=0-1",
            START,
            date(2011, 6, 2),
            date(2011, 7, 10),
            case,
        ),
        ParticipantRecord(
            "T-2",
            "K-BBBB-BBBB",
            "imatinib",
            "prior_treatment=2;ecog=0-1",
            START,
            date(2011, 6, 2),
            None,
            case,
        ),
        ParticipantRecord(
            "T-3", "K-CCCC-CCCC", "imatinib", "prior_treatment=3+;ecog=2-3", START, None, None, case
        ),
    ]

    def kits(population: str) -> list[str]:
        rows = analysis_table(records, DESIGN, KEY, population, unblinded=False)
        return sorted(r["kit_code"] for r in rows)

    assert kits("randomised") == ["K-AAAA-AAAA", "K-BBBB-BBBB", "K-CCCC-CCCC"]
    assert kits("treated") == ["K-AAAA-AAAA", "K-BBBB-BBBB"]
    assert kits("per_protocol") == ["K-BBBB-BBBB"]
    blinded = analysis_table(records, DESIGN, KEY, "randomised", unblinded=False)
    assert all("arm" not in row for row in blinded)
    assert {r["participant"] for r in blinded} == {pseudonym(KEY, f"T-{n}") for n in (1, 2, 3)}
    assert "T-1" not in str(blinded)
    unblinded = analysis_table(records, DESIGN, KEY, "randomised", unblinded=True)
    assert sorted(r["arm"] for r in unblinded) == ["imatinib", "imatinib", "placebo"]
    third = next(r for r in unblinded if r["kit_code"] == "K-CCCC-CCCC")
    assert (third["stratum_prior_treatment"], third["stratum_ecog"], third["treated"]) == (
        "3+",
        "2-3",
        0,
    )


def test_pseudonyms_are_keyed() -> None:
    assert pseudonym(KEY, "RIGHT-0001") != pseudonym(b"x" * 32, "RIGHT-0001")
    assert pseudonym(KEY, "RIGHT-0001") == pseudonym(KEY, "RIGHT-0001")
