"""Cases assessed per second: 10,000 synthetic cases, 5 follow-up time points, 6 lesions each.

Single process. gistpath assesses RECIST 1.1 + 1.0 + Choi + progression pattern + best
response per line ("all"), or RECIST 1.1 alone; the figure with parsing includes JSON parsing
and full validation of each case. pyrecist (the only open RECIST package, target lesions only,
no Choi) runs on the same target measurements, on a subset because it is slow.
Target (issue 2): >= 5,000 cases/s.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _report import machine, version, write_section
from _synthetic import synthetic_texts
from gistpath.case.load import parse_case
from gistpath.case.model import Case
from gistpath.imaging.assess import AssessOptions, assess_case

N = 10_000
PYRECIST_N = 500
REPEATS = 5


def best_rate(run, n: int) -> float:  # type: ignore[no-untyped-def]
    """Cases per second of the fastest of REPEATS runs (timeit's convention: on a shared machine
    the minimum is the least disturbed estimate)."""
    times = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return n / min(times)


def pyrecist_frame(cases: list[Case]) -> pd.DataFrame:
    """Target measurements in pyrecist's long format (it needs numeric patient ids)."""
    rows = [
        {
            "patient_id": number,
            "study_date": int(scan.date.strftime("%Y%m%d")),
            "measurement": lesion.diameter_mm,
            "lesion_label_alias": lesion.id,
            "lesion_category": "target",
        }
        for number, case in enumerate(cases)
        for scan in case.imaging
        for lesion in scan.lesions
        if lesion.role == "target"
    ]
    return pd.DataFrame(rows)


def main() -> None:
    texts = synthetic_texts(N)
    cases = [parse_case(t) for t in texts]
    everything = AssessOptions(criteria="all")
    recist_only = AssessOptions(criteria="recist1.1")

    def each(options: AssessOptions, *, serialise: bool = False) -> None:
        for case in cases:  # each result used and dropped, as a pipeline does
            result = assess_case(case, options)
            if serialise:
                result.to_dict()

    def each_parsed() -> None:
        for text in texts:
            assess_case(parse_case(text), everything)

    rates = {
        "gistpath, all criteria (RECIST 1.1 + 1.0 + Choi + pattern + BOR)": best_rate(
            lambda: each(everything), N
        ),
        "gistpath, all criteria, and each result serialised (`to_dict()`)": best_rate(
            lambda: each(everything, serialise=True), N
        ),
        "gistpath, all criteria, all 10,000 results kept in one list": best_rate(
            lambda: [assess_case(c, everything) for c in cases], N
        ),
        "gistpath, RECIST 1.1 + pattern + BOR": best_rate(lambda: each(recist_only), N),
        "gistpath, parse + validate + all criteria": best_rate(each_parsed, N),
    }
    responses = {}
    for case in cases[:2000]:
        for line in assess_case(case).lines:
            responses[line.best_recist] = responses.get(line.best_recist, 0) + 1
    try:
        from pyrecist.assessment import Evaluator
        from pyrecist.data import Reader

        frame = pyrecist_frame(cases[:PYRECIST_N])

        def run_pyrecist() -> None:
            reader = Reader()
            reader._df = frame
            Evaluator(reader).evaluate_recist()

        rates[
            f"pyrecist {version('pyrecist')}, RECIST target lesions only ({PYRECIST_N} cases)"
        ] = best_rate(run_pyrecist, PYRECIST_N)
    except ImportError:
        rates["pyrecist (not installed: `make bench` installs it)"] = float("nan")

    table = "\n".join(f"| {name} | {rate:,.0f} |" for name, rate in rates.items())
    mix = ", ".join(f"{k} {v}" for k, v in sorted(responses.items(), key=lambda kv: str(kv[0])))
    markdown = f"""## Response assessment throughput (`benchmarks/assess_throughput.py`)

{N:,} synthetic cases, each with one line, a baseline and 5 follow-up CTs of 6 lesions (5 targets
with density, 1 non-target; a new lesion in ~20%), single process, best of {REPEATS} runs; the
cases are parsed beforehand except in the "parse + validate" row. Target: >= 5,000 cases/s.
Best-response mix in the first 2,000 cases: {mix}.

Each result is used and dropped, as a pipeline does, except in the "kept" row: holding all
10,000 results next to the 10,000 parsed cases (~180 garbage-collected objects per case) lets
Python's cyclic collector rescan that heap now and then, which costs up to a third in some
runs; the assessment is the same work.

| what | cases/s |
|---|---|
{table}

Machine: {machine()}; pydantic {version("pydantic")}, pandas {version("pandas")}.
"""
    write_section("assess", markdown)
    print(markdown)


if __name__ == "__main__":
    main()
