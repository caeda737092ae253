"""Fisher, chi-square, Wilcoxon and Kruskal-Wallis against R (tests/reference/r_cox_exact.json,
made by tests/reference/r_cox_exact.R) and against the published seed numbers."""

from __future__ import annotations

import itertools
import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from gistpath.stats._fisher_network import tail_probability
from gistpath.stats.exact import (
    chisq_test,
    fisher_exact,
    fisher_rxc_p_value,
    kruskal_wallis,
    table_probability,
    wilcoxon_rank_sum,
    zeroin,
)

GOLDEN = Path(__file__).resolve().parents[1] / "reference" / "r_cox_exact.json"


@cache
def _golden() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOLDEN.read_text())
    return data


def _r_number(value: Any) -> float:
    return math.inf if value == "Inf" else float(value)


FISHER = _golden()["fisher"]


@pytest.mark.parametrize("entry", FISHER, ids=[e["id"] for e in FISHER])
def test_fisher_matches_r(entry: dict[str, Any]) -> None:
    result = fisher_exact(entry["table"])
    assert result.p == pytest.approx(entry["p"], rel=1e-10)
    if "estimate" in entry:
        assert result.odds_ratio == pytest.approx(_r_number(entry["estimate"]), rel=1e-10)
        assert result.conf_int is not None
        for got, want in zip(result.conf_int, entry["conf_int"], strict=True):
            assert got == pytest.approx(_r_number(want), rel=1e-9, abs=1e-12)


# Seed 001 (imatinib rechallenge after imatinib and sunitinib), Table 1, Fisher's exact test.
SEED001_TABLE1 = {
    "sex": ([[8, 8], [6, 4]], 0.701),
    "ecog": ([[8, 4], [6, 5], [0, 1], [0, 2]], 0.220),
    "ps_change": ([[1, 0], [1, 8], [12, 4]], 0.003),
    "primary_site": ([[5, 3], [7, 7], [1, 1], [1, 1]], 0.913),
    "metastatic_sites": ([[5, 8], [9, 9], [3, 2]], 0.728),
    "best_response": ([[3, 4], [3, 2], [1, 2], [3, 4], [4, 0]], 0.351),
    "cessation": ([[14, 11], [0, 1]], 0.462),
}


@pytest.mark.parametrize("variable", list(SEED001_TABLE1))
def test_seed001_table1_p_values_to_the_published_three_decimals(variable: str) -> None:
    table, published = SEED001_TABLE1[variable]
    assert round(fisher_exact(table).p, 3) == published


def test_right_trial_grade3_adverse_events() -> None:
    # Seed 000 (RIGHT): grade >= 3 anaemia 12/41 vs 3/40, fatigue 4/41 vs 0/40,
    # hyperbilirubinaemia 3/41 vs 1/40; p values from R's fisher.test in the fixture.
    r_values = {e["id"]: e for e in FISHER}
    for name, (a, b) in {
        "anaemia": (12, 3),
        "fatigue": (4, 0),
        "hyperbilirubinaemia": (3, 1),
    }.items():
        result = fisher_exact([[a, 41 - a], [b, 40 - b]])
        entry = r_values[f"seed000.{name}"]
        assert result.p == pytest.approx(entry["p"], rel=1e-10)
    assert round(fisher_exact([[12, 29], [3, 37]]).p, 3) == 0.020


def test_rxc_path_agrees_with_2x2_path_and_scipy() -> None:
    for table in ([[3, 7], [9, 2]], [[0, 5], [5, 0]], [[10, 10], [10, 10]], [[1, 30], [7, 12]]):
        via_network = fisher_rxc_p_value(table)
        assert via_network == pytest.approx(fisher_exact(table).p, rel=1e-10)
        assert via_network == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-9)


def _all_tables(rows: list[int], columns: list[int]) -> list[list[list[int]]]:
    """Brute force: every table with these margins (small cases only)."""
    found = []
    cells = [range(min(r, c) + 1) for r in rows[:-1] for c in columns[:-1]]
    k = len(columns) - 1
    for free in itertools.product(*cells):
        table = [list(free[i * k : (i + 1) * k]) for i in range(len(rows) - 1)]
        ok = True
        for row, total in zip(table, rows, strict=False):
            last = total - sum(row)
            if last < 0:
                ok = False
            row.append(last)
        if not ok:
            continue
        bottom = [columns[j] - sum(r[j] for r in table) for j in range(len(columns))]
        if min(bottom) < 0:
            continue
        found.append([*table, bottom])
    return found


tables_3x3 = st.lists(st.integers(0, 4), min_size=9, max_size=9).map(
    lambda v: [v[0:3], v[3:6], v[6:9]]
)


@settings(max_examples=60, deadline=None)
@given(tables_3x3)
def test_rxc_p_matches_brute_force_enumeration(table: list[list[int]]) -> None:
    counts = np.array(table)
    if (counts.sum(axis=0) == 0).any() or (counts.sum(axis=1) == 0).any():
        return
    rows = counts.sum(axis=1).tolist()
    columns = counts.sum(axis=0).tolist()
    observed = table_probability(counts)
    everything = [table_probability(t) for t in _all_tables(rows, columns)]
    assert sum(everything) == pytest.approx(1.0, rel=1e-9)
    brute = sum(p for p in everything if p <= observed * (1 + 1e-7))
    p = fisher_rxc_p_value(counts)
    assert p == pytest.approx(brute, rel=1e-9)
    assert 0.0 < p <= 1.0


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(1, 8), min_size=2, max_size=3),
    st.lists(st.integers(1, 8), min_size=2, max_size=4),
)
def test_probabilities_of_all_tables_sum_to_one(rows: list[int], columns: list[int]) -> None:
    total = sum(rows)
    # Rescale the column totals so both margins add up to the same n.
    columns = [max(1, c * total // sum(columns)) for c in columns]
    columns[-1] += total - sum(columns)
    if columns[-1] < 0:
        return
    assert tail_probability(tuple(rows), tuple(columns), math.inf) == pytest.approx(1.0, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 15), min_size=4, max_size=4))
def test_fisher_2x2_p_in_unit_interval_and_symmetric(cells: list[int]) -> None:
    table = [cells[0:2], cells[2:4]]
    result = fisher_exact(table)
    assert 0.0 < result.p <= 1.0
    transposed = fisher_exact([[cells[0], cells[2]], [cells[1], cells[3]]])
    assert transposed.p == pytest.approx(result.p, rel=1e-10)


def test_fisher_result_dictionary_uses_null_for_infinite_limits() -> None:
    document = fisher_exact([[14, 11], [0, 1]]).to_dict()
    assert document["test"] == "fisher"
    assert document["odds_ratio"] is None
    assert document["conf_int"][1] is None
    assert document["conf_int"][0] == pytest.approx(0.0299142227, rel=1e-8)
    json.dumps(document)


def test_fisher_rejects_bad_tables() -> None:
    with pytest.raises(ValueError):
        fisher_exact([[1, 2, 3]])
    with pytest.raises(ValueError):
        fisher_exact([[1, -2], [3, 4]])
    with pytest.raises(ValueError):
        fisher_exact([[1.5, 2], [3, 4]])


CHISQ = _golden()["chisq"]


@pytest.mark.parametrize("entry", CHISQ, ids=[e["id"] for e in CHISQ])
def test_chisq_matches_r(entry: dict[str, Any]) -> None:
    result = chisq_test(entry["table"], correct=entry["correct"])
    assert result.statistic == pytest.approx(entry["statistic"], rel=1e-12)
    assert result.df == entry["df"]
    assert result.p == pytest.approx(entry["p"], rel=1e-10)
    np.testing.assert_allclose(result.expected, entry["expected"], rtol=1e-12)
    assert list(result.warnings) == entry["warnings"]


WILCOX = _golden()["wilcox"]


@pytest.mark.parametrize("entry", WILCOX, ids=[e["id"] for e in WILCOX])
def test_wilcoxon_matches_r(entry: dict[str, Any]) -> None:
    exact = None if entry["exact"] is None else bool(entry["exact"])
    result = wilcoxon_rank_sum(entry["x"], entry["y"], exact=exact, correct=entry["correct"])
    assert result.statistic == entry["statistic"]
    assert result.p == pytest.approx(entry["p"], rel=1e-10)
    assert list(result.warnings) == entry["warnings"]


def test_wilcoxon_exact_distribution_matches_scipy() -> None:
    x = [1.1, 2.3, 0.4, 5.6, 3.2, 4.4, 7.7]
    y = [2.9, 6.1, 8.8, 9.3, 7.2, 5.9]
    ours = wilcoxon_rank_sum(x, y)
    peer = stats.mannwhitneyu(x, y, alternative="two-sided", method="exact")
    assert ours.method == "exact"
    assert ours.statistic == peer.statistic
    assert ours.p == pytest.approx(peer.pvalue, rel=1e-12)


def test_kruskal_matches_r() -> None:
    entry = _golden()["kruskal"][0]
    result = kruskal_wallis(entry["groups"])
    assert result.statistic == pytest.approx(entry["statistic"], rel=1e-12)
    assert result.df == entry["df"]
    assert result.p == pytest.approx(entry["p"], rel=1e-10)


def test_zeroin_finds_roots_within_r_tolerance() -> None:
    root = zeroin(lambda t: t**3 - 0.2, 0.0, 1.0)
    assert abs(root - 0.2 ** (1 / 3)) < 1e-4
    with pytest.raises(ValueError):
        zeroin(lambda t: t + 1.0, 0.0, 1.0)
