"""Charts of one case's course, drawn with matplotlib and returned as inline SVG text."""

from __future__ import annotations

import io
from datetime import date, timedelta

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from gistpath.case.model import Case
from gistpath.case.timeline import scans, treatment_lines
from gistpath.imaging.assess import CaseAssessment

_RESPONSE_COLOURS = {
    "CR": "#1a7f37",
    "PR": "#2da44e",
    "SD": "#0969da",
    "NON_CR_NON_PD": "#0969da",
    "PD": "#cf222e",
    "NE": "#9a6700",
}
_LINE_SHADES = ("#f2f6fc", "#fbf3ea", "#eef7ef", "#f6eefa", "#fdf0f0", "#eef5f5")


def lesion_chart(case: Case, assessment: CaseAssessment) -> str:
    """Target lesion diameters and their sum over time, treatment lines shaded, and the RECIST
    and Choi response at each assessed time point. Returns an ``<svg>`` element."""
    readings = scans(case, assessment.options.reader)
    fig, (sizes, density) = plt.subplots(
        2, 1, figsize=(8.6, 4.6), sharex=True, height_ratios=(3, 1.3), layout="constrained"
    )
    _shade_lines(case, sizes, density)
    tracks: dict[str, list[tuple[date, float]]] = {}
    hu: dict[str, list[tuple[date, float]]] = {}
    totals: list[tuple[date, float]] = []
    for scan in readings:
        total = 0.0
        for lesion in scan.lesions:
            if lesion.role == "target" and lesion.diameter_mm is not None:
                tracks.setdefault(lesion.id, []).append((scan.date, lesion.diameter_mm))
                total += lesion.diameter_mm
                if lesion.density_hu is not None:
                    hu.setdefault(lesion.id, []).append((scan.date, lesion.density_hu))
        totals.append((scan.date, total))
    for lesion_id, points in sorted(tracks.items()):
        xs, ys = zip(*points, strict=True)
        sizes.plot(xs, ys, marker="o", markersize=3, linewidth=1, alpha=0.7, label=lesion_id)
    if totals:
        xs, ys = zip(*totals, strict=True)
        sizes.plot(xs, ys, color="#24292f", linewidth=2.2, marker="s", markersize=4, label="sum")
        top = max(ys) if ys else 1.0
        previous: date | None = None
        lift = 0
        for point in assessment.timepoints:
            recist = point.recist.overall if point.recist else None
            choi = point.choi.overall if point.choi else None
            height = next((t for d, t in totals if d == point.date), None)
            if height is None or recist is None:
                continue
            label = recist if choi is None or choi == recist else f"{recist} | Choi {choi}"
            if point.pattern in ("focal", "generalized"):
                label += f"\n{point.pattern}"
            close = previous is not None and (point.date - previous).days < 45
            lift = lift + 16 if close else 0
            previous = point.date
            sizes.annotate(
                label,
                (_x(point.date), height),
                xytext=(0, 8 + lift),
                textcoords="offset points",
                ha="center",
                fontsize=7.5,
                color=_RESPONSE_COLOURS.get(recist, "#24292f"),
                fontweight="bold",
            )
        sizes.set_ylim(0, top * 1.25 + 5)
    sizes.set_ylabel("diameter (mm)")
    sizes.legend(fontsize=7, ncol=6, loc="upper right", frameon=False)
    starts = [line.start for line in treatment_lines(case)]
    first = min([scan.date for scan in readings] + starts, default=case.as_of)
    view = (first - timedelta(days=30), case.as_of + timedelta(days=30))
    sizes.set_xlim(*view)
    _mark_events(case, view, sizes, density)
    sizes.grid(alpha=0.25)
    for _, points in sorted(hu.items()):
        xs, ys = zip(*points, strict=True)
        density.plot(xs, ys, marker=".", linewidth=1, alpha=0.8)
    density.set_ylabel("HU")
    density.grid(alpha=0.25)
    density.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))  # type: ignore[no-untyped-call]
    for axis in (sizes, density):
        axis.spines[["top", "right"]].set_visible(False)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _shade_lines(case: Case, *axes: Axes) -> None:
    end_of_view = case.as_of
    for index, line in enumerate(treatment_lines(case)):
        end = line.end or end_of_view
        colour = _LINE_SHADES[index % len(_LINE_SHADES)]
        for axis in axes:
            axis.axvspan(_x(line.start), _x(end), color=colour, zorder=0)
        axes[0].text(
            _x(line.start),
            1.0,
            f" {line.number}: {line.drug} {line.start_dose_mg:g}",
            transform=axes[0].get_xaxis_transform(),
            fontsize=7,
            va="top",
            color="#57606a",
        )


def _mark_events(case: Case, view: tuple[date, date], sizes: Axes, density: Axes) -> None:
    """Dashed verticals at surgery, local therapy and emergencies, labelled on the top panel."""
    for event in case.events:
        if not view[0] <= event.date <= view[1] or event.type == "death":
            continue
        for axis in (sizes, density):
            axis.axvline(_x(event.date), color="#8250df", linestyle="--", linewidth=1)
        sizes.text(
            _x(event.date),
            0.02,
            f" {event.type.replace('_', ' ')}",
            transform=sizes.get_xaxis_transform(),
            rotation=90,
            fontsize=7,
            color="#8250df",
            va="bottom",
        )


def _x(day: date) -> float:
    """A date as matplotlib's float axis coordinate."""
    return float(mdates.date2num(day))  # type: ignore[no-untyped-call]
