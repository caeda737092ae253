"""Synthetic case documents for benchmarks: plausible courses, reproducible from a seed.

Each case has one imatinib line, a baseline CT and ``timepoints`` follow-up CTs of
``lesions`` lesions (targets with density, one non-target; a new lesion may appear), labs,
ECOG and follow-up. Sizes follow a random response then regrowth, so every response category
occurs. Not a clinical simulator (that is a later issue); a load generator for timing.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import numpy as np

ORGANS = ("liver", "liver", "peritoneum", "lymph_node", "mesentery", "omentum")


def synthetic_case(
    index: int, rng: np.random.Generator, timepoints: int = 5, lesions: int = 6
) -> dict[str, Any]:
    start = date(2015, 1, 1) + timedelta(days=int(rng.integers(0, 2000)))
    n_targets = max(1, lesions - 1)
    base_sizes = rng.uniform(15, 80, n_targets)
    base_hu = rng.uniform(40, 90, n_targets)
    shrink = rng.uniform(0.4, 1.05)
    regrow = rng.uniform(0.9, 1.6)
    scans = [_scan(start - timedelta(days=5), base_sizes, base_hu, n_targets, new=False)]
    sizes, hu = base_sizes, base_hu
    for k in range(timepoints):
        factor = shrink if k < timepoints // 2 else regrow
        sizes = np.maximum(0.0, sizes * factor * rng.uniform(0.9, 1.1, n_targets))
        hu = hu * rng.uniform(0.75, 1.05, n_targets)
        day = start + timedelta(days=56 * (k + 1))
        scans.append(
            _scan(day, sizes, hu, n_targets, new=k == timepoints - 1 and rng.random() < 0.2)
        )
    last = start + timedelta(days=56 * timepoints + 10)
    return {
        "id": f"syn-{index:06d}",
        "as_of": last.isoformat(),
        "patient": {"sex": "female" if index % 2 else "male", "birth_date": "1955-03-01"},
        "tumour": {
            "diagnosis_date": (start - timedelta(days=60)).isoformat(),
            "primary_site": "stomach",
            "genotype": {"gene": "KIT", "exon": 11 if index % 5 else 9},
            "metastatic_sites": ["liver", "peritoneum"],
        },
        "performance_status": [
            {"date": (start - timedelta(days=3)).isoformat(), "ecog": int(index % 3)}
        ],
        "treatments": [
            {"drug": "imatinib", "dose_mg": 400, "schedule": "daily", "start": start.isoformat()}
        ],
        "imaging": scans,
        "labs": [
            {
                "date": (start - timedelta(days=3)).isoformat(),
                "test": "hemoglobin",
                "value": round(float(rng.uniform(9, 15)), 1),
                "unit": "g/dL",
            },
            {
                "date": (start - timedelta(days=3)).isoformat(),
                "test": "neutrophils",
                "value": round(float(rng.uniform(1, 6)), 2),
                "unit": "10^9/L",
            },
        ],
        "follow_up": {
            "last_contact": last.isoformat(),
            "vital_status": "alive",
            "death_date": None,
        },
    }


def _scan(
    day: date, sizes: np.ndarray, hu: np.ndarray, n_targets: int, *, new: bool
) -> dict[str, Any]:
    lesions: list[dict[str, Any]] = [
        {
            "id": f"T{i}",
            "organ": ORGANS[i % len(ORGANS)],
            "role": "target",
            "diameter_mm": round(float(sizes[i]), 1),
            "density_hu": round(float(hu[i]), 1),
        }
        for i in range(n_targets)
    ]
    lesions.append({"id": "NT1", "organ": "peritoneum", "role": "non-target", "status": "present"})
    if new:
        lesions.append({"id": "NEW1", "organ": "liver", "role": "new", "diameter_mm": 11.0})
    return {"date": day.isoformat(), "modality": "CT", "reader": "site", "lesions": lesions}


def synthetic_texts(
    n: int, seed: int = 20261121, timepoints: int = 5, lesions: int = 6
) -> list[str]:
    """``n`` case documents as JSON text."""
    rng = np.random.default_rng(seed)
    return [json.dumps(synthetic_case(i, rng, timepoints, lesions)) for i in range(n)]
