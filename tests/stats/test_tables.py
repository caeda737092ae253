"""Baseline table builder: seed 001's Table 1 rebuilt from patient-level columns."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gistpath.stats.exact import chisq_test, wilcoxon_rank_sum
from gistpath.stats.tables import build_baseline_table

IMATINIB, BSC = "imatinib+BSC", "BSC"


def _column(levels_with_counts: dict[str, tuple[int, int]]) -> list[str]:
    """Patient-level values: first the 14 imatinib + BSC patients, then the 12 BSC patients."""
    first = [lv for lv, (a, _) in levels_with_counts.items() for _ in range(a)]
    second = [lv for lv, (_, b) in levels_with_counts.items() for _ in range(b)]
    return first + second


def _seed001_patients() -> dict[str, list[object]]:
    """Seed 001 (imatinib rechallenge), Table 1, as one row per patient (14 + 12).

    Counts per level are the table's; the order of rows within a group is irrelevant to every
    per-variable summary and test. Ages and durations are made-up values that have the
    published median and range (the imatinib group's maximum age is illegible in the seed).
    """
    return {
        "arm": [IMATINIB] * 14 + [BSC] * 12,
        "sex": _column({"male": (8, 8), "female": (6, 4)}),
        "ecog": [int(v) for v in _column({"1": (8, 4), "2": (6, 5), "3": (0, 1), "4": (0, 2)})],
        "ps_change": _column({"better": (1, 0), "worse": (1, 8), "no change": (12, 4)}),
        "primary_site": _column(
            {"stomach": (5, 3), "small intestine": (7, 7), "rectum": (1, 1), "other": (1, 1)}
        ),
        "best_response": _column(
            {"CR": (3, 4), "PR": (3, 2), "SD": (1, 2), "PD": (3, 4), "NE": (4, 0)}
        ),
        "cessation": _column({"resistance": (14, 11), "intolerance": (0, 1)}),
        "age": [
            *[48, 49, 50, 51, 52, 53, 54, 55, 57, 60, 63, 66, 70, 77],
            *[41, 50, 55, 58, 60, 62, 63, 65, 68, 70, 72, 73],
        ],
        "imatinib_months": [
            *[20, 25, 30, 33, 36, 39, 40, 42, 45, 50, 55, 60, 70, 79],
            *[1, 5, 10, 14, 17, 19, 20, 25, 30, 38, 44, 49],
        ],
        "sunitinib_months": [
            *[3, 4, 5, 6, 6, 7, 7, 8, 9, 10, 12, 14, 15, 17],
            *[1, 2, 3, 4, 5, 6, 6, 8, 10, 15, 20, 34],
        ],
    }


PUBLISHED_P = {
    "sex": 0.701,
    "ecog": 0.220,
    "ps_change": 0.003,
    "primary_site": 0.913,
    "best_response": 0.351,
    "cessation": 0.462,
}


def test_seed001_table1_fisher_p_values() -> None:
    table = build_baseline_table(
        _seed001_patients(),
        by="arm",
        variables=[*PUBLISHED_P, "age", "imatinib_months", "sunitinib_months"],
        group_order=[IMATINIB, BSC],
    )
    assert table.groups == (IMATINIB, BSC)
    assert table.group_sizes == (14, 12)
    for variable, published in PUBLISHED_P.items():
        row = table.row(variable)
        assert row.kind == "categorical"
        assert row.test == "fisher"
        assert row.p is not None
        assert round(row.p, 3) == published, variable


def test_seed001_metastatic_sites_from_site_mentions() -> None:
    # Patients may have several sites, so the paper's 3 x 2 table counts site mentions
    # (liver 5/8, peritoneum 9/9, other 3/2) and Fisher's test treats them as units.
    mentions = {
        "arm": [IMATINIB] * 17 + [BSC] * 19,
        "site": _column({"liver": (5, 8), "peritoneum": (9, 9), "other": (3, 2)}),
    }
    table = build_baseline_table(
        mentions, by="arm", variables=["site"], group_order=[IMATINIB, BSC]
    )
    row = table.row("site")
    assert row.p is not None and round(row.p, 3) == 0.728
    assert [lv.level for lv in row.levels] == ["liver", "other", "peritoneum"]
    assert row.levels[0].counts == (5, 8)


def test_counts_percentages_and_levels() -> None:
    table = build_baseline_table(
        _seed001_patients(), by="arm", variables=["sex", "ecog"], group_order=[IMATINIB, BSC]
    )
    sex = table.row("sex")
    assert [(lv.level, lv.counts) for lv in sex.levels] == [("female", (6, 4)), ("male", (8, 8))]
    assert sex.levels[1].percents[0] == pytest.approx(100 * 8 / 14)
    assert sex.levels[1].percents[1] == pytest.approx(100 * 8 / 12)
    ecog = table.row("ecog")  # whole numbers with 4 levels: a coded scale, so categorical
    assert [lv.level for lv in ecog.levels] == ["1", "2", "3", "4"]
    assert ecog.levels[3].counts == (0, 2)


def test_continuous_rows_give_median_range_and_wilcoxon() -> None:
    data = _seed001_patients()
    table = build_baseline_table(
        data,
        by="arm",
        variables=["age", "imatinib_months", "sunitinib_months"],
        group_order=[IMATINIB, BSC],
    )
    published = {  # median (min, max) per group, seed 001 Table 1
        "imatinib_months": ((41.0, 20.0, 79.0), (19.5, 1.0, 49.0)),
        "sunitinib_months": ((7.5, 3.0, 17.0), (6.0, 1.0, 34.0)),
    }
    for variable, groups in published.items():
        row = table.row(variable)
        assert row.kind == "continuous" and row.test == "wilcoxon"
        for summary, (median, low, high) in zip(row.summaries, groups, strict=True):
            assert (summary.median, summary.minimum, summary.maximum) == (median, low, high)
    age = table.row("age")
    assert age.summaries[0].median == 54.5 and age.summaries[0].minimum == 48
    assert (age.summaries[1].median, age.summaries[1].minimum, age.summaries[1].maximum) == (
        62.5,
        41,
        73,
    )
    x = np.array(data["age"][:14], dtype=float)
    y = np.array(data["age"][14:], dtype=float)
    assert age.p == pytest.approx(wilcoxon_rank_sum(x, y).p, rel=1e-12)


def test_missing_values_are_counted_and_left_out() -> None:
    data = {
        "arm": ["a", "a", "a", "b", "b", "b", None],
        "sex": ["m", None, "f", "m", "m", "", "f"],
        "age": [50.0, 61.0, float("nan"), 44.0, 70.0, 58.0, 49.0],
    }
    table = build_baseline_table(data, by="arm", variables=["sex", "age"])
    assert table.excluded == 1
    assert table.group_sizes == (3, 3)
    sex = table.row("sex")
    assert sex.missing == (1, 1)
    assert [(lv.level, lv.counts) for lv in sex.levels] == [("f", (1, 0)), ("m", (1, 2))]
    assert sex.levels[1].percents == (50.0, 100.0)
    age = table.row("age")
    assert age.missing == (1, 0)
    assert age.summaries[0].n == 2 and age.summaries[0].median == 55.5


def test_chisq_is_selectable() -> None:
    table = build_baseline_table(
        _seed001_patients(),
        by="arm",
        variables=["sex"],
        categorical_test="chisq",
        group_order=[IMATINIB, BSC],
    )
    row = table.row("sex")
    assert row.test == "chisq"
    expected = chisq_test([[6, 4], [8, 8]])
    assert row.p == pytest.approx(expected.p, rel=1e-12)
    assert row.statistic == pytest.approx(expected.statistic, rel=1e-12)


def test_three_groups_use_kruskal_wallis_and_rxc_fisher() -> None:
    data = {
        "arm": ["a"] * 5 + ["b"] * 4 + ["c"] * 5,
        "score": [2.9, 3.0, 2.5, 2.6, 3.2, 3.8, 2.7, 4.0, 2.4, 2.8, 3.4, 3.7, 2.2, 2.0],
        "sex": ["m", "f", "m", "m", "f", "f", "f", "m", "f", "m", "m", "m", "f", "m"],
    }
    table = build_baseline_table(data, by="arm", variables=["score", "sex"])
    score = table.row("score")
    assert score.test == "kruskal"
    # R: kruskal.test(list(...)) on these three groups, tests/reference/r_cox_exact.json
    assert score.p == pytest.approx(0.6799647735788936, rel=1e-10)
    assert table.row("sex").test == "fisher"


def test_dictionary_shape_matches_the_cli_contract() -> None:
    table = build_baseline_table(
        _seed001_patients(), by="arm", variables=["sex", "age"], group_order=[IMATINIB, BSC]
    )
    document = table.to_dict()
    json.dumps(document)
    first = document["rows"][0]
    assert first["variable"] == "sex" and first["test"] == "fisher"
    assert round(first["p"], 3) == 0.701
    assert first["levels"][1] == {
        "level": "male",
        "counts": {IMATINIB: 8, BSC: 8},
        "percent": {IMATINIB: pytest.approx(57.142857), BSC: pytest.approx(66.666667)},
    }
    assert document["rows"][1]["summary"][BSC]["median"] == 62.5
    assert document["groups"] == [{"group": IMATINIB, "n": 14}, {"group": BSC, "n": 12}]
