"""Trial designs as YAML: loading and validation (pure).

A design (``designs/*.yaml``) holds the arms and their ratio, the permuted-block sizes, the strata
as expressions over the case (:mod:`gistpath.trial.expressions`), the eligibility criteria as data,
the blinding, the crossover rule, the endpoints with the reader of the primary endpoint, and the
analysis population. Loading checks everything a typo could break: unknown fields, source ids that
do not resolve in the evidence registry, numbers without a source, block sizes that cannot hold
the arm ratio, strata whose levels overlap or leave a gap, lab thresholds in a non-canonical unit.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gistpath.case.model import LAB_UNITS, Case
from gistpath.case.units import canonical_unit
from gistpath.errors import KnowledgeError
from gistpath.knowledge import require_sources
from gistpath.trial.expressions import VARIABLES, Expression, Value, parse_expression

SourceIds = str | list[str]
STRATUM_SEPARATOR = ";"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Arm(_Frozen):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]+$", max_length=80)]
    label: str
    drug: str
    dose_mg: float | None = None
    schedule: str | None = None
    ratio: Annotated[int, Field(ge=1, le=20)]
    source: SourceIds


class Randomisation(_Frozen):
    method: Literal["permuted_blocks"]
    block_sizes: Annotated[list[Annotated[int, Field(ge=1, le=100)]], Field(min_length=1)]
    slots_per_stratum: Annotated[int, Field(ge=1, le=100_000)]
    source: SourceIds


class StratumLevel(_Frozen):
    id: Annotated[str, Field(pattern=r"^[^;=\s]+$")]
    label: str
    when: str


class StratumFactor(_Frozen):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+$")]
    label: str
    levels: Annotated[list[StratumLevel], Field(min_length=2)]
    source: SourceIds
    unverified: bool = False
    note: str | None = None


class _Criterion(_Frozen):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+$")]
    text: str
    source: SourceIds
    unverified: bool = False
    note: str | None = None


class AgeCriterion(_Criterion):
    kind: Literal["age"]
    min_years: Annotated[int, Field(ge=0, le=120)]


class FirstLineBenefitCriterion(_Criterion):
    kind: Literal["first_line_benefit"]
    drug: str
    responses: list[Literal["CR", "PR", "SD"]]
    min_months: Annotated[float, Field(gt=0)]


class SequenceStep(_Frozen):
    drug: str
    stop_reasons: Annotated[list[str], Field(min_length=1)]


class ProgressionSequenceCriterion(_Criterion):
    kind: Literal["progression_sequence"]
    steps: Annotated[list[SequenceStep], Field(min_length=1)]
    undecided_stop_reasons: list[str] = []


class EcogCriterion(_Criterion):
    kind: Literal["ecog"]
    min: Annotated[int, Field(ge=0, le=5)]
    max: Annotated[int, Field(ge=0, le=5)]


Comparison = Literal["<", "<=", ">", ">="]


class LabCriterion(_Criterion):
    kind: Literal["lab"]
    test: str
    op: Comparison
    value: float
    unit: str


class LabUlnCriterion(_Criterion):
    kind: Literal["lab_uln"]
    tests: Annotated[list[str], Field(min_length=1)]
    op: Comparison
    times_uln: Annotated[float, Field(gt=0)]
    liver_metastases_times_uln: Annotated[float, Field(gt=0)] | None = None


Criterion = Annotated[
    AgeCriterion
    | FirstLineBenefitCriterion
    | ProgressionSequenceCriterion
    | EcogCriterion
    | LabCriterion
    | LabUlnCriterion,
    Field(discriminator="kind"),
]


class Blinding(_Frozen):
    masked: list[str]
    kit_codes: bool
    source: SourceIds


class OpenLabel(_Frozen):
    drug: str
    dose_mg: float
    schedule: str


class Crossover(_Frozen):
    after: Literal["investigator_progression", "central_progression"]
    open_label: OpenLabel
    source: SourceIds


class PrimaryEndpoint(_Frozen):
    id: str
    name: str
    reader: Literal["site", "central"]
    criteria: Literal["recist1.1", "recist1.0", "choi"]
    source: SourceIds


class SecondaryEndpoint(_Frozen):
    model_config = ConfigDict(extra="allow", frozen=True)
    id: str
    name: str
    source: SourceIds


class Endpoints(_Frozen):
    primary: PrimaryEndpoint
    secondary: list[SecondaryEndpoint] = []


class Analysis(_Frozen):
    population: Literal["randomised", "treated", "per_protocol"]
    source: SourceIds


class TrialDesign(_Frozen):
    """One trial design, validated. Use :func:`load_design` or :func:`design_from_text`."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")]
    version: str
    title: str
    registry: str | None = None
    source: SourceIds
    design: str
    arms: Annotated[list[Arm], Field(min_length=2)]
    randomisation: Randomisation
    strata: list[StratumFactor] = []
    eligibility: list[Criterion]
    blinding: Blinding
    crossover: Crossover | None = None
    endpoints: Endpoints
    analysis: Analysis
    reported: dict[str, Any] | None = None

    @property
    def ratio(self) -> dict[str, int]:
        """Arm id -> its share of each ratio unit, in design order."""
        return {arm.id: arm.ratio for arm in self.arms}

    def arm(self, arm_id: str) -> Arm:
        for arm in self.arms:
            if arm.id == arm_id:
                return arm
        raise KnowledgeError(f"design {self.id}: no arm {arm_id!r}")

    def all_strata(self) -> list[str]:
        """Every stratum key (``factor=level;...``), one allocation list each."""
        if not self.strata:
            return ["all"]
        combos = itertools.product(*([lv.id for lv in f.levels] for f in self.strata))
        return [
            STRATUM_SEPARATOR.join(f"{f.id}={lv}" for f, lv in zip(self.strata, combo, strict=True))
            for combo in combos
        ]

    def stratum_of(self, case: Case) -> StratumResult:
        """The case's stratum as of its ``as_of``, or the factors that cannot be decided."""
        if not self.strata:
            return StratumResult("all", {}, ())
        levels: dict[str, str] = {}
        unknown: list[str] = []
        for factor in self.strata:
            matched = [
                lv.id for lv in factor.levels if _compiled(lv.when).evaluate_case(case) is True
            ]
            if len(matched) == 1:
                levels[factor.id] = matched[0]
            else:
                names = sorted({n for lv in factor.levels for n in _compiled(lv.when).names})
                unknown.append(f"{factor.label}: not known ({', '.join(names)})")
        key = None
        if not unknown:
            key = STRATUM_SEPARATOR.join(f"{f.id}={levels[f.id]}" for f in self.strata)
        return StratumResult(key, levels, tuple(unknown))


@dataclass(frozen=True, slots=True)
class StratumResult:
    key: str | None  # None when a factor cannot be decided
    levels: dict[str, str]
    unknown: tuple[str, ...]


def parse_stratum_key(key: str) -> dict[str, str]:
    """``"a=1;b=2"`` -> ``{"a": "1", "b": "2"}`` (``"all"`` -> ``{}``)."""
    if key == "all":
        return {}
    return dict(part.split("=", 1) for part in key.split(STRATUM_SEPARATOR))


@cache
def _compiled(text: str) -> Expression:
    return parse_expression(text)


# --- loading ---------------------------------------------------------------------------------


def design_from_text(text: str, where: str = "design") -> TrialDesign:
    """Parse and validate a design from its YAML text."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise KnowledgeError(f"{where}: a design must be a YAML mapping")
    require_sources(data, where)
    _require_sourced_numbers(data, where)
    try:
        design = TrialDesign.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        path = ".".join(str(p) for p in first["loc"])
        raise KnowledgeError(f"{where}: {path}: {first['msg']}") from None
    _check(design, where)
    return design


def load_design(name: str | Path) -> TrialDesign:
    """A packaged design by id (``RIGHT``) or a design YAML file by path."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        try:
            return design_from_text(path.read_text(encoding="utf-8"), str(path))
        except OSError as exc:
            raise KnowledgeError(f"{path}: cannot read the design ({exc.strerror})") from None
    return _packaged(str(name).lower())


def design_text(name: str | Path) -> str:
    """The YAML text of a packaged design or a design file (stored with each trial)."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        return path.read_text(encoding="utf-8")
    resource = resources.files("gistpath.trial").joinpath("designs", f"{str(name).lower()}.yaml")
    if not resource.is_file():
        known = ", ".join(d.id for d in list_designs())
        raise KnowledgeError(f"no trial design {name!r} (packaged designs: {known})")
    return resource.read_text(encoding="utf-8")


def list_designs() -> list[TrialDesign]:
    """Every packaged design, sorted by id."""
    folder = resources.files("gistpath.trial").joinpath("designs")
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".yaml"))
    return [_packaged(n.removesuffix(".yaml")) for n in names]


def design_digest(text: str) -> str:
    """SHA-256 of a design's YAML text (stored with a trial, shown in its status)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@cache
def _packaged(stem: str) -> TrialDesign:
    return design_from_text(design_text(stem), f"trial/designs/{stem}.yaml")


# --- validation ------------------------------------------------------------------------------


def _require_sourced_numbers(data: dict[str, Any], where: str) -> None:
    """Every number sits inside a mapping (below the top level) that has a ``source``."""

    def walk(node: Any, path: str, sourced: bool) -> None:
        if isinstance(node, bool):
            return
        if isinstance(node, int | float):
            if not sourced:
                raise KnowledgeError(f"{where}: {path} = {node} has no source id")
            return
        if isinstance(node, dict):
            here = sourced or "source" in node
            for key, value in node.items():
                if key != "source":
                    walk(value, f"{path}.{key}" if path else str(key), here)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]", sourced)

    for key, value in data.items():
        if key != "source":
            walk(value, key, False)


def _check(design: TrialDesign, where: str) -> None:
    ids = [arm.id for arm in design.arms]
    if len(set(ids)) != len(ids):
        raise KnowledgeError(f"{where}: arms: ids must be unique ({ids})")
    unit = sum(arm.ratio for arm in design.arms)
    for size in design.randomisation.block_sizes:
        if size % unit:
            raise KnowledgeError(
                f"{where}: randomisation.block_sizes: {size} is not a multiple of the ratio "
                f"total {unit} ({':'.join(str(a.ratio) for a in design.arms)})"
            )
    for i, factor in enumerate(design.strata):
        _check_factor(factor, f"{where}: strata[{i}] ({factor.id})")
    if len({f.id for f in design.strata}) != len(design.strata):
        raise KnowledgeError(f"{where}: strata: factor ids must be unique")
    seen: set[str] = set()
    for i, criterion in enumerate(design.eligibility):
        here = f"{where}: eligibility[{i}] ({criterion.id})"
        if criterion.id in seen:
            raise KnowledgeError(f"{here}: duplicate criterion id")
        seen.add(criterion.id)
        _check_criterion(criterion, here)


def _check_factor(factor: StratumFactor, here: str) -> None:
    compiled = []
    for i, level in enumerate(factor.levels):
        try:
            compiled.append((level.id, _compiled(level.when)))
        except KnowledgeError as exc:
            raise KnowledgeError(f"{here}: levels[{i}].when: {exc}") from None
    names = sorted({n for _, expr in compiled for n in expr.names})
    if not names:
        raise KnowledgeError(f"{here}: the levels use no case variable")
    domains: list[Sequence[Value]] = [VARIABLES[n].domain for n in names]
    for combo in itertools.product(*domains):
        values: Mapping[str, Value] = dict(zip(names, combo, strict=True))
        if any(v is None for v in combo):
            continue
        hits = [level for level, expr in compiled if expr.evaluate(values) is True]
        if len(hits) != 1:
            shown = ", ".join(f"{k}={v}" for k, v in values.items())
            problem = "no level" if not hits else f"levels {hits} overlap"
            raise KnowledgeError(f"{here}: {problem} at {shown}")


def _check_criterion(criterion: Any, here: str) -> None:
    if isinstance(criterion, LabCriterion):
        _check_lab_test(criterion.test, here)
        if criterion.unit != canonical_unit(criterion.test):
            raise KnowledgeError(
                f"{here}: unit {criterion.unit!r} is not the canonical unit of "
                f"{criterion.test} ({canonical_unit(criterion.test)})"
            )
    elif isinstance(criterion, LabUlnCriterion):
        for test in criterion.tests:
            _check_lab_test(test, here)
    elif isinstance(criterion, EcogCriterion) and criterion.min > criterion.max:
        raise KnowledgeError(f"{here}: min {criterion.min} is above max {criterion.max}")


def _check_lab_test(test: str, here: str) -> None:
    if test not in LAB_UNITS:
        raise KnowledgeError(f"{here}: unknown lab test {test!r} ({', '.join(LAB_UNITS)})")
