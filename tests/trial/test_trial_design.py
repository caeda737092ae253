"""Trial designs: RIGHT loads with every number sourced; broken designs fail with a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from gistpath.errors import KnowledgeError
from gistpath.knowledge.evidence import evidence_registry
from gistpath.store.loadtest import eligible_case
from gistpath.trial.design import design_from_text, design_text, list_designs, load_design
from gistpath.trial.expressions import parse_expression


def test_right_design_holds_the_published_set_up() -> None:
    design = load_design("RIGHT")
    assert design.registry == "NCT01151852"
    assert design.ratio == {"imatinib": 1, "placebo": 1}
    assert design.arm("imatinib").dose_mg == 400
    assert design.randomisation.block_sizes == [2, 4, 6]
    assert design.endpoints.primary.reader == "central"
    assert design.endpoints.primary.criteria == "recist1.0"
    assert design.analysis.population == "treated"
    assert design.crossover is not None
    assert (design.crossover.open_label.drug, design.crossover.open_label.dose_mg) == (
        "imatinib",
        400,
    )
    assert design.all_strata() == [
        "prior_treatment=2;ecog=0-1",
        "prior_treatment=2;ecog=2-3",
        "prior_treatment=3+;ecog=0-1",
        "prior_treatment=3+;ecog=2-3",
    ]
    # the stratum cut-points are not in the sources: flagged
    assert [f.unverified for f in design.strata] == [True, True]
    assert [c.id for c in design.eligibility] == [
        "age",
        "prior_benefit",
        "progression_sequence",
        "ecog",
        "platelets",
        "neutrophils",
        "creatinine",
        "bilirubin",
        "transaminases",
    ]
    registry = evidence_registry()
    for criterion in design.eligibility:
        ids = [criterion.source] if isinstance(criterion.source, str) else criterion.source
        assert ids and all(i in registry for i in ids), criterion.id
    assert [d.id for d in list_designs()] == ["RIGHT"]


def test_strata_of_cases() -> None:
    design = load_design("RIGHT")
    assert design.stratum_of(eligible_case("a", prior_drugs=2, ecog=1)).key == (
        "prior_treatment=2;ecog=0-1"
    )
    assert design.stratum_of(eligible_case("b", prior_drugs=3, ecog=3)).key == (
        "prior_treatment=3+;ecog=2-3"
    )
    unknown = design.stratum_of(eligible_case("c").model_copy(update={"performance_status": ()}))
    assert unknown.key is None
    assert unknown.unknown == ("ECOG performance status: not known (ecog)",)


RIGHT = design_text("RIGHT")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    source: RIGHT-REGISTRY\n",
            "    source: NO-SUCH-SOURCE\n",
            "cites unknown 'NO-SUCH-SOURCE'",
        ),
        (
            "  # the trial randomised 81 patients\n  source: RIGHT\n",
            "  # the trial randomised 81 patients\n",
            "randomisation.block_sizes[0] = 2 has no source id",
        ),
        (
            "  block_sizes: [2, 4, 6]",
            "  block_sizes: [2, 3, 6]",
            "3 is not a multiple of the ratio total 2",
        ),
        ('"ecog >= 2"', '"ecog >= 1"', "levels ['0-1', '2-3'] overlap at ecog=1"),
        ('"ecog >= 2"', '"ecog >= 3"', "no level at ecog=2"),
        ('"ecog >= 2"', '"performance >= 2"', "unknown name 'performance'"),
        ('"ecog >= 2"', "\"__import__('os') or ecog >= 2\"", "Call is not allowed"),
        (
            "    unit: 10^9/L\n    source: RIGHT-REGISTRY\n  - id: neutrophils",
            "    unit: /mm3\n    source: RIGHT-REGISTRY\n  - id: neutrophils",
            "not the canonical unit of platelets",
        ),
        (
            "    min_years: 18\n",
            "    min_yaers: 18\n",
            "eligibility.0.age.min_years: Field required",
        ),
    ],
)
def test_broken_designs_are_refused_clearly(old: str, new: str, message: str) -> None:
    assert old in RIGHT
    with pytest.raises(KnowledgeError) as caught:
        design_from_text(RIGHT.replace(old, new, 1), "broken.yaml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("broken.yaml")


def test_design_file_by_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(RIGHT.replace("id: RIGHT\n", "id: MINE\n", 1))
    assert load_design(path).id == "MINE"


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("ecog <= 1", {"ecog": 1}, True),
        ("ecog <= 1", {"ecog": None}, None),
        ("ecog <= 1 and age >= 18", {"ecog": None, "age": 12}, False),
        ("ecog <= 1 or age >= 18", {"ecog": None, "age": 40}, True),
        ("not ecog <= 1", {"ecog": None}, None),
        ("1 <= ecog <= 3", {"ecog": 4}, False),
        ("exon in (9, 11)", {"exon": 11}, True),
        ("gene == 'KIT' and exon not in [9]", {"gene": "KIT", "exon": 9}, False),
    ],
)
def test_expressions_use_three_valued_logic(
    text: str, values: dict[str, object], expected: bool | None
) -> None:
    assert parse_expression(text).evaluate(values) is expected  # type: ignore[arg-type]
