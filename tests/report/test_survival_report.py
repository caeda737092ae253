"""The survival report: its numbers are the statistics module's, its parts are all there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from gistpath.report.survival_report import (
    ReportSpec,
    SurvivalData,
    _at_risk,
    _ticks,
    survival_report,
)
from gistpath.stats.cox import fit_cox
from gistpath.stats.survival import kaplan_meier

# A hand-checkable sample: times 1..8, the 3rd and 6th censored.
TIME = np.array([1, 2, 3, 4, 5, 6, 7, 8], dtype=float)
EVENT = np.array([1, 1, 0, 1, 1, 0, 1, 1], dtype=bool)
ARM = np.array(["a", "b", "a", "b", "a", "b", "a", "b"], dtype=object)


def test_numbers_at_risk_count_subjects_still_followed() -> None:
    """At t = 0 all 8 are at risk; at t = 4 those with time >= 4 (4, 5, 6, 7, 8) = 5."""
    curve = kaplan_meier(TIME, EVENT)
    assert _at_risk(curve, [0, 4, 8, 9]) == [8, 5, 1, 0]


def test_ticks_are_round_and_cover_the_follow_up() -> None:
    assert _ticks(46.0) == [0, 6, 12, 18, 24, 30, 36, 42, 48]
    assert _ticks(8.0) == [0, 1, 2, 3, 4, 5, 6, 7, 8]


def test_report_carries_the_median_test_cox_and_plots() -> None:
    page = survival_report(
        SurvivalData(TIME, EVENT, ARM),
        ReportSpec(title="t", source="hand.csv", endpoint="PFS", landmarks=(4,)),
        cox=fit_cox(TIME, EVENT, (ARM == "b").astype(float)[:, None], ["armb"]),
    )
    median_a = kaplan_meier(TIME[ARM == "a"], EVENT[ARM == "a"]).median()
    assert f"{median_a.time:.2f}" in page
    assert page.count("<svg") == 2  # the Kaplan-Meier plot and the forest plot
    assert "Number at risk" in page
    assert "log-rank: χ²" in page
    assert "<td>armb</td>" in page
    assert "PFS at 4 months" in page


def test_report_command_end_to_end(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    pd.DataFrame(
        {"t": TIME, "e": EVENT.astype(int), "arm": ARM, "age": [50 + i for i in range(8)]}
    ).to_csv(table, index=False)
    out = tmp_path / "r.html"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gistpath",
            "report",
            str(table),
            "--time",
            "t",
            "--event",
            "e",
            "--group",
            "arm",
            "--covariates",
            "age",
            "--vars",
            "age",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    page = out.read_text()
    assert "Baseline characteristics" in page and "Cox proportional hazards" in page


def test_report_without_group_rejects_vars(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    pd.DataFrame({"t": TIME, "e": EVENT.astype(int)}).to_csv(table, index=False)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gistpath",
            "report",
            str(table),
            "--time",
            "t",
            "--event",
            "e",
            "--vars",
            "age",
            "--out",
            str(tmp_path / "r.html"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "--vars needs --group" in done.stderr
