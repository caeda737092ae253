"""Terse builders for scans and lesions in worked examples."""

from __future__ import annotations

from datetime import date, timedelta

from gistpath.case.model import Imaging, Lesion

START = date(2020, 1, 1)


def day(n: int) -> date:
    """``n`` days after the reference start date."""
    return START + timedelta(days=n)


def target(
    lesion_id: str,
    mm: float,
    organ: str = "liver",
    hu: float | None = None,
    nodule: str | None = None,
) -> Lesion:
    return Lesion(
        id=lesion_id,
        organ=organ,  # type: ignore[arg-type]
        role="target",
        diameter_mm=mm,
        density_hu=hu,
        intratumoral_nodule=nodule,  # type: ignore[arg-type]
    )


def non_target(lesion_id: str, status: str = "present", organ: str = "peritoneum") -> Lesion:
    return Lesion(id=lesion_id, organ=organ, role="non-target", status=status)  # type: ignore[arg-type]


def new(lesion_id: str, mm: float | None = 12, organ: str = "liver") -> Lesion:
    return Lesion(id=lesion_id, organ=organ, role="new", diameter_mm=mm)  # type: ignore[arg-type]


def scan(n: int, *lesions: Lesion, reader: str = "site") -> Imaging:
    """A CT on day ``n`` holding ``lesions``."""
    return Imaging(date=day(n), reader=reader, lesions=lesions)  # type: ignore[arg-type]
