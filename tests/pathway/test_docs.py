"""The user guide lists every rule: docs/advice.md the pathway rules, docs/safety.md the dose
rules (so a rule added to the YAML without documentation fails here)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

DOCS = Path(__file__).parents[2] / "docs"


def _ids(package: str, name: str) -> list[str]:
    text = resources.files(package).joinpath(name).read_text()
    return [r["id"] for r in yaml.safe_load(text)["rules"]]


def test_every_pathway_rule_is_documented() -> None:
    page = (DOCS / "advice.md").read_text()
    assert [
        rid for rid in _ids("gistpath.pathway.knowledge", "rules.yaml") if f"`{rid}`" not in page
    ] == []


def test_every_dose_rule_is_documented() -> None:
    page = (DOCS / "safety.md").read_text()
    assert [
        rid
        for rid in _ids("gistpath.safety.knowledge", "dose_rules.yaml")
        if f"`{rid}`" not in page
    ] == []
