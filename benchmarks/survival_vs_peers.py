"""Kaplan-Meier and log-rank: gistpath against statsmodels, lifelines, scipy and scikit-survival.

    .venv/bin/python benchmarks/survival_vs_peers.py [--sizes 1e3,1e4,1e5,1e6,1e7] [--no-write]

Same synthetic data for every library (two arms, 4 strata, 5 covariates, times rounded to whole
days, ~30% censored, fixed seed). Each figure is the median of 3 timed runs after one warm-up
(no warm-up at 1e7); the floor is ``np.cumsum(np.sort(t))``, the least work any Kaplan-Meier or
log-rank can do. Peak memory at 1e7 is measured in a fresh process per operation. The results
replace the section between ``<!-- survival-km-logrank:start/end -->`` in docs/benchmarks.md.

To add an operation (e.g. Cox), append ``(name, {library: callable(data)})`` to OPERATIONS;
a library that does not offer it is simply absent from the dict.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import machine, version, write_section
from gistpath.stats.batched import batched_km_median, batched_log_rank
from gistpath.stats.logrank import log_rank
from gistpath.stats.survival import kaplan_meier

SECTION = "survival-km-logrank"
SEED = 20261121
PEERS = ("statsmodels", "lifelines", "scipy", "scikit-survival")
LIBRARIES = ("gistpath", *PEERS)
#: skip a library at a size when its projected time for the runs exceeds this (seconds)
BUDGET_SECONDS = 60.0


@dataclass(frozen=True)
class Data:
    """One synthetic trial population."""

    time: np.ndarray  # whole days, float64
    event: np.ndarray  # 0/1 int64
    arm: np.ndarray  # 0/1 int64
    stratum: np.ndarray  # 0..3 int64
    covariates: np.ndarray  # n x 5 float64

    @property
    def n(self) -> int:
        return int(self.time.size)


def synthetic(n: int, seed: int = SEED) -> Data:
    """Exponential event times (hazard depends on arm, stratum and 2 of 5 covariates)."""
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 2, n)
    stratum = rng.integers(0, 4, n)
    covariates = rng.normal(size=(n, 5))
    log_hazard = 0.3 * covariates[:, 0] - 0.2 * covariates[:, 1] + 0.15 * stratum - 0.3 * arm
    event_time = rng.exponential(365.0 * np.exp(-log_hazard))
    censor_time = rng.exponential(1000.0, n)
    time = np.maximum(1.0, np.round(np.minimum(event_time, censor_time)))
    event = (event_time <= censor_time).astype(np.int64)
    return Data(time, event, arm, stratum, covariates)


# ---- one callable per library and operation ------------------------------------------------


def _gistpath_km_ci(d: Data) -> Any:
    return kaplan_meier(d.time, d.event)


def _gistpath_km_median(d: Data) -> Any:
    return kaplan_meier(d.time, d.event).median()


def _gistpath_logrank(d: Data) -> Any:
    return log_rank(d.time, d.event, d.arm).chisq


def _gistpath_stratified(d: Data) -> Any:
    return log_rank(d.time, d.event, d.arm, strata=d.stratum).chisq


def _statsmodels_km_ci(d: Data) -> Any:
    from statsmodels.duration.survfunc import SurvfuncRight

    fit = SurvfuncRight(d.time, d.event)
    half = 1.959964 * fit.surv_prob_se / fit.surv_prob  # statsmodels has no pointwise-band call
    return fit.surv_prob * np.exp(-half), np.minimum(fit.surv_prob * np.exp(half), 1)


def _statsmodels_km_median(d: Data) -> Any:
    from statsmodels.duration.survfunc import SurvfuncRight

    fit = SurvfuncRight(d.time, d.event)
    return fit.quantile(0.5), fit.quantile_ci(0.5)


def _statsmodels_logrank(d: Data) -> Any:
    from statsmodels.duration.survfunc import survdiff

    return survdiff(d.time, d.event, d.arm)[0]


def _statsmodels_stratified(d: Data) -> Any:
    from statsmodels.duration.survfunc import survdiff

    return survdiff(d.time, d.event, d.arm, strata=d.stratum)[0]


def _lifelines_km_ci(d: Data) -> Any:
    from lifelines import KaplanMeierFitter

    return KaplanMeierFitter().fit(d.time, d.event).confidence_interval_


def _lifelines_km_median(d: Data) -> Any:
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    fit = KaplanMeierFitter().fit(d.time, d.event)
    return fit.median_survival_time_, median_survival_times(fit.confidence_interval_)


def _lifelines_logrank(d: Data) -> Any:
    from lifelines.statistics import logrank_test

    a = d.arm == 0
    return logrank_test(d.time[a], d.time[~a], d.event[a], d.event[~a]).test_statistic


def _scipy_km_ci(d: Data) -> Any:
    from scipy.stats import CensoredData, ecdf

    result = ecdf(CensoredData.right_censored(d.time, d.event == 0))
    return result.sf.confidence_interval()


def _scipy_km_median(d: Data) -> Any:
    from scipy.stats import CensoredData, ecdf

    result = ecdf(CensoredData.right_censored(d.time, d.event == 0))
    band = result.sf.confidence_interval()

    def first_half(curve: Any) -> float:
        below = np.flatnonzero(curve.probabilities <= 0.5)
        return float(curve.quantiles[below[0]]) if below.size else float("nan")

    return first_half(result.sf), first_half(band.low), first_half(band.high)


def _scipy_logrank(d: Data) -> Any:
    from scipy.stats import CensoredData, logrank

    a = d.arm == 0
    x = CensoredData.right_censored(d.time[a], d.event[a] == 0)
    y = CensoredData.right_censored(d.time[~a], d.event[~a] == 0)
    return logrank(x, y).statistic ** 2


def _sksurv_km_ci(d: Data) -> Any:
    from sksurv.nonparametric import kaplan_meier_estimator

    return kaplan_meier_estimator(d.event.astype(bool), d.time, conf_type="log-log")


def _sksurv_km_median(d: Data) -> Any:
    from sksurv.nonparametric import kaplan_meier_estimator

    times, surv, band = kaplan_meier_estimator(d.event.astype(bool), d.time, conf_type="log-log")
    return [times[np.argmax(curve <= 0.5)] for curve in (surv, band[0], band[1])]


def _sksurv_logrank(d: Data) -> Any:
    from sksurv.compare import compare_survival
    from sksurv.util import Surv

    return compare_survival(Surv.from_arrays(d.event.astype(bool), d.time), d.arm)[0]


OPERATIONS: list[tuple[str, dict[str, Callable[[Data], Any]]]] = [
    (
        "KM + 95% CI",
        {
            "gistpath": _gistpath_km_ci,
            "statsmodels": _statsmodels_km_ci,
            "lifelines": _lifelines_km_ci,
            "scipy": _scipy_km_ci,
            "scikit-survival": _sksurv_km_ci,
        },
    ),
    (
        "KM + median + CI",
        {
            "gistpath": _gistpath_km_median,
            "statsmodels": _statsmodels_km_median,
            "lifelines": _lifelines_km_median,
            "scipy": _scipy_km_median,
            "scikit-survival": _sksurv_km_median,
        },
    ),
    (
        "log-rank, 2 groups",
        {
            "gistpath": _gistpath_logrank,
            "statsmodels": _statsmodels_logrank,
            "lifelines": _lifelines_logrank,
            "scipy": _scipy_logrank,
            "scikit-survival": _sksurv_logrank,
        },
    ),
    (
        "stratified log-rank (4 strata)",
        {"gistpath": _gistpath_stratified, "statsmodels": _statsmodels_stratified},
    ),
]

#: operations whose peak memory is measured at 1e7: (function, times made fractional)
MEMORY_OPERATIONS: dict[str, tuple[Callable[[Data], Any], bool]] = {
    "KM + median + CI": (_gistpath_km_median, False),
    "log-rank, 2 groups": (_gistpath_logrank, False),
    "stratified log-rank (4 strata)": (_gistpath_stratified, False),
    "KM + median + CI, fractional times": (_gistpath_km_median, True),
    "log-rank, 2 groups, fractional times": (_gistpath_logrank, True),
    "stratified log-rank, fractional times": (_gistpath_stratified, True),
}


# ---- timing ------------------------------------------------------------------------------------


def timed(function: Callable[[], Any], runs: int = 3, warm_up: bool = True) -> tuple[float, Any]:
    """Median wall time (seconds) of ``runs`` calls, and the last result."""
    result = function() if warm_up else None
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def floor(data: Data, warm_up: bool) -> float:
    return timed(lambda: np.cumsum(np.sort(data.time)), warm_up=warm_up)[0]


@dataclass
class Cell:
    seconds: float | None = None
    note: str = ""


def run_size(
    n: int, previous: dict[tuple[str, str], float]
) -> tuple[float, dict[Any, Cell], dict[str, Any]]:
    """Time every (operation, library) at size n; skip what would exceed the budget."""
    data = synthetic(n)
    warm_up = n < 10_000_000
    floor_seconds = floor(data, warm_up)
    cells: dict[tuple[str, str], Cell] = {}
    statistics_returned: dict[str, Any] = {}
    for operation, libraries in OPERATIONS:
        for library, function in libraries.items():
            key = (operation, library)
            projected = previous.get(key, 0.0) * 10 * (3 + warm_up)
            if projected > BUDGET_SECONDS:
                cells[key] = Cell(None, f"skipped (~{previous[key] * 10:.0f} s per call)")
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                seconds, result = timed(lambda f=function: f(data), warm_up=warm_up)
            cells[key] = Cell(seconds)
            previous[key] = seconds
            if operation == "log-rank, 2 groups":
                statistics_returned[library] = float(result)
            print(f"n={n:>10,} {operation:<32} {library:<16} {seconds * 1e3:10.1f} ms", flush=True)
    return floor_seconds, cells, statistics_returned


# ---- the sorting path (times that are not whole numbers) -----------------------------------------


def fractional_figures(n: int) -> dict[str, float]:
    """gistpath when times are not whole numbers (no ties): the sort-based counting path."""
    data = synthetic(n)
    rng = np.random.default_rng(SEED + 1)
    fractional = Data(
        data.time + rng.uniform(0.0, 1.0, n), data.event, data.arm, data.stratum, data.covariates
    )
    warm_up = n < 10_000_000
    out = {"floor": floor(fractional, warm_up)}
    for name, function in (
        ("KM + median + CI", _gistpath_km_median),
        ("log-rank, 2 groups", _gistpath_logrank),
        ("stratified log-rank (4 strata)", _gistpath_stratified),
        ("statsmodels log-rank, 2 groups", _statsmodels_logrank),
    ):
        out[name] = timed(lambda f=function: f(fractional), warm_up=warm_up)[0]
    return out


# ---- memory (fresh process per operation) --------------------------------------------------------


def measure_memory(operation: str, folder: str) -> dict[str, float]:
    """In a child process: load the arrays, run one call; traced peak and the process max RSS."""
    arrays = {name: np.load(Path(folder) / f"{name}.npy") for name in ARRAY_NAMES}
    function, fractional = MEMORY_OPERATIONS[operation]
    if fractional:
        arrays["time"] += np.random.default_rng(SEED + 1).uniform(0.0, 1.0, arrays["time"].size)
    data = Data(covariates=np.empty((0, 5)), **arrays)
    rss_before = peak_rss_mb()
    tracemalloc.start()
    function(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "input_mb": sum(a.nbytes for a in arrays.values()) / 1e6,
        "peak_call_mb": peak / 1e6,
        "rss_before_mb": rss_before,
        "max_rss_mb": peak_rss_mb(),
    }


def peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM; unlike ru_maxrss it is not inherited)."""
    try:
        found = re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text())
        if found:
            return int(found.group(1)) / 1e3
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


ARRAY_NAMES = ("time", "event", "arm", "stratum")


def memory_in_children(n: int) -> dict[str, dict[str, float]]:
    """Write the arrays once, then measure each operation in a fresh process."""
    data = synthetic(n)
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        for name in ARRAY_NAMES:
            np.save(Path(folder) / f"{name}.npy", getattr(data, name))
        del data
        for operation in MEMORY_OPERATIONS:
            done = subprocess.run(
                [sys.executable, __file__, "--memory", operation, "--folder", folder],
                capture_output=True,
                text=True,
                check=True,
            )
            out[operation] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


# ---- batched (simulation) ------------------------------------------------------------------


def batched_figures(n_sets: int = 10_000, size: int = 81) -> dict[str, Any]:
    """10,000 trials of 81 (41 vs 40, as RIGHT): batched vs loops of per-dataset calls."""
    rng = np.random.default_rng(SEED)
    arm = np.tile(np.r_[np.zeros(41, np.int64), np.ones(size - 41, np.int64)], n_sets)
    event_time = rng.exponential(np.where(arm == 1, 55.0, 27.0))
    censor_time = rng.exponential(150.0, arm.size)
    time_days = np.maximum(1.0, np.round(np.minimum(event_time, censor_time)))
    event = (event_time <= censor_time).astype(np.int64)
    trial = np.repeat(np.arange(n_sets), size)
    km, _ = timed(lambda: batched_km_median(time_days, event, trial * 2 + arm))
    lr, _ = timed(lambda: batched_log_rank(time_days, event, arm, trial))
    both, _ = timed(
        lambda: (
            batched_km_median(time_days, event, trial * 2 + arm),
            batched_log_rank(time_days, event, arm, trial),
        )
    )

    def loop(per_trial: Callable[[np.ndarray], Any], count: int) -> float:
        def run() -> None:
            for k in range(count):
                rows = slice(k * size, (k + 1) * size)
                per_trial(np.arange(rows.start, rows.stop))

        seconds, _ = timed(run, runs=1, warm_up=False)
        return seconds * n_sets / count

    def gistpath_single(rows: np.ndarray) -> None:
        for a in (0, 1):
            part = rows[arm[rows] == a]
            kaplan_meier(time_days[part], event[part]).median()
        log_rank(time_days[rows], event[rows], arm[rows])

    def statsmodels_single(rows: np.ndarray) -> None:
        from statsmodels.duration.survfunc import SurvfuncRight, survdiff

        for a in (0, 1):
            part = rows[arm[rows] == a]
            fit = SurvfuncRight(time_days[part], event[part])
            fit.quantile(0.5)
            fit.quantile_ci(0.5)
        survdiff(time_days[rows], event[rows], arm[rows])

    def lifelines_single(rows: np.ndarray) -> None:
        from lifelines import KaplanMeierFitter
        from lifelines.statistics import logrank_test
        from lifelines.utils import median_survival_times

        for a in (0, 1):
            part = rows[arm[rows] == a]
            fit = KaplanMeierFitter().fit(time_days[part], event[part])
            median_survival_times(fit.confidence_interval_)
        a, b = rows[arm[rows] == 0], rows[arm[rows] == 1]
        logrank_test(time_days[a], time_days[b], event[a], event[b])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loops = {
            "gistpath, one call per trial": (loop(gistpath_single, 1000), 1000),
            "statsmodels, one call per trial": (loop(statsmodels_single, 500), 500),
            "lifelines, one call per trial": (loop(lifelines_single, 100), 100),
        }
    return {"km": km, "logrank": lr, "both": both, "loops": loops, "n_sets": n_sets, "size": size}


# ---- report --------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 0.01:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e3:.2f} ms" if seconds >= 1e-4 else f"{seconds * 1e6:.0f} µs"


def size_label(n: int) -> str:
    return f"1e{round(np.log10(n))}" if n >= 1000 else str(n)


def render(
    results: list[tuple[int, float, dict[Any, Cell], dict[str, Any]]],
    memory: dict[str, Any],
    batched: dict[str, Any] | None,
    fractional: dict[int, dict[str, float]],
    load: tuple[float, float],
) -> str:
    lines = [
        "## Kaplan-Meier and log-rank vs peers (`benchmarks/survival_vs_peers.py`)",
        "",
        "Synthetic data: two arms, 4 strata, 5 covariates, exponential times rounded to whole days "
        f"(heavy ties), ~{_censored_share():.0%} censored, seed {SEED}. Median of 3 runs after a "
        "warm-up (no warm-up at 1e7), all libraries on the same arrays in one process. "
        "`x floor` = multiple of `np.cumsum(np.sort(t))`. Peers that would take minutes are "
        "skipped at 1e7. On 2 shared cores single figures can be noisy by 10-30% (the load "
        "average is recorded below).",
        "",
    ]
    for n, floor_seconds, cells, _ in results:
        lines += [f"### n = {size_label(n)} (floor {ms(floor_seconds)})", ""]
        lines += [
            "| operation | " + " | ".join(LIBRARIES) + " |",
            "|---" * (len(LIBRARIES) + 1) + "|",
        ]
        for operation, libraries in OPERATIONS:
            row = [operation]
            for library in LIBRARIES:
                cell = cells.get((operation, library))
                if library not in libraries or cell is None:
                    row.append("not offered")
                elif cell.seconds is None:
                    row.append(cell.note)
                else:
                    text = f"{ms(cell.seconds)} ({cell.seconds / floor_seconds:.1f}x)"
                    row.append(f"**{text}**" if library == "gistpath" else text)
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    big = [r for r in results if r[0] >= 1_000_000]
    if big:
        lines += ["### Log-rank chi-square returned (2 groups)", ""]
        lines += ["| n | " + " | ".join(LIBRARIES) + " |", "|---" * (len(LIBRARIES) + 1) + "|"]
        for n, _, _, returned in big:
            lines.append(
                f"| {size_label(n)} | "
                + " | ".join(
                    f"{returned[lib]:.4f}" if lib in returned else "-" for lib in LIBRARIES
                )
                + " |"
            )
        lines += [
            "",
            "scipy's `logrank` multiplies variance terms in 64-bit integers and overflows with "
            "many tied rows; gistpath counts in float64.",
            "",
        ]
    if fractional:
        names = [k for k in next(iter(fractional.values())) if k != "floor"]
        lines += [
            "### Times that are not whole numbers (no ties)",
            "",
            "Whole-number times in a modest range are counted with one `np.bincount` (no sort); "
            "other times take the sorting path. Same data with a uniform(0, 1) fraction added:",
            "",
            "| n | floor | " + " | ".join(names) + " |",
            "|---" * (len(names) + 2) + "|",
        ]
        for n, figures in fractional.items():
            floor_seconds = figures["floor"]
            lines.append(
                f"| {size_label(n)} | {ms(floor_seconds)} | "
                + " | ".join(f"{ms(figures[k])} ({figures[k] / floor_seconds:.1f}x)" for k in names)
                + " |"
            )
        lines.append("")
    if memory:
        lines += [f"### Memory at n = {size_label(memory['n'])} (gistpath, fresh process each)", ""]
        lines += [
            "Arrays loaded from .npy files (time float64; event, arm, stratum int64), then one "
            "call; RSS is the process's peak resident memory (VmHWM), interpreter and imports "
            "included.",
            "",
            "| operation | inputs | peak allocated by the call | peak RSS before / after |",
            "|---|---|---|---|",
        ]
        for operation, figures in memory["operations"].items():
            lines.append(
                f"| {operation} | {figures['input_mb']:.0f} MB | {figures['peak_call_mb']:.0f} MB "
                f"| {figures['rss_before_mb']:.0f} MB / {figures['max_rss_mb']:.0f} MB |"
            )
        lines.append("")
    if batched:
        lines += [
            f"### Batched: {batched['n_sets']:,} simulated trials of n = {batched['size']} "
            "(41 vs 40), per-arm KM median + CI and log-rank",
            "",
            "| what | time |",
            "|---|---|",
            f"| gistpath `batched_km_median` (per arm) | {ms(batched['km'])} |",
            f"| gistpath `batched_log_rank` | {ms(batched['logrank'])} |",
            f"| gistpath both | **{ms(batched['both'])}** |",
        ]
        for name, (seconds, counted) in batched["loops"].items():
            lines.append(f"| {name} (extrapolated from {counted:,} trials) | {ms(seconds)} |")
        lines.append("")
    lines += [
        "Versions: "
        + ", ".join(
            f"{p} {version(p)}"
            for p in ("numpy", "scipy", "statsmodels", "lifelines", "scikit-survival")
        )
        + ".",
        "",
        f"Machine: {machine()}. Load average (1 min) when the run started / ended: "
        f"{load[0]:.1f} / {load[1]:.1f} (2 = both cores busy).",
    ]
    return "\n".join(lines)


def _censored_share() -> float:
    return float(1 - synthetic(100_000).event.mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e3,1e4,1e5,1e6,1e7")
    parser.add_argument("--no-write", action="store_true", help="print, do not touch the docs")
    parser.add_argument("--no-batched", action="store_true")
    parser.add_argument("--memory", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    if args.memory:
        print(json.dumps(measure_memory(args.memory, args.folder)))
        return
    load_at_start = os.getloadavg()[0]
    previous: dict[tuple[str, str], float] = {}
    results = []
    for n in sizes:
        floor_seconds, cells, returned = run_size(n, previous)
        results.append((n, floor_seconds, cells, returned))
    memory: dict[str, Any] = {}
    largest = max(sizes)
    if largest >= 1_000_000:
        memory = {"n": largest, "operations": memory_in_children(largest)}
    batched = None if args.no_batched else batched_figures()
    fractional = {n: fractional_figures(n) for n in sizes if n >= 1_000_000}
    markdown = render(results, memory, batched, fractional, (load_at_start, os.getloadavg()[0]))
    print(markdown)
    if not args.no_write:
        write_section(SECTION, markdown)


if __name__ == "__main__":
    main()
