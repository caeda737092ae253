"""The safety knowledge is checked at load time and fails loudly on inconsistent data."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from gistpath.errors import KnowledgeError
from gistpath.knowledge import load_yaml
from gistpath.safety.knowledge import FILES, PACKAGE, compile_knowledge, safety_knowledge


def raw() -> dict[str, Any]:
    return {name: copy.deepcopy(load_yaml(PACKAGE, name)) for name in FILES}


def test_packaged_knowledge_loads() -> None:
    kb = safety_knowledge()
    assert kb.tkis == {"imatinib", "sunitinib", "regorafenib", "ripretinib", "avapritinib"}
    assert kb.drugs["imatinib"].dose_levels_mg == (800, 600, 400, 300)
    assert kb.hemorrhage.window_days == 56
    assert "ctcae-" in kb.version and "dose-rules-" in kb.version


def _rule(data: dict[str, Any], rid: str) -> dict[str, Any]:
    return next(r for r in data["dose_rules.yaml"]["rules"] if r["id"] == rid)


BREAKAGES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "rule without a source",
        lambda d: _rule(d, "imatinib-hepatotoxicity").pop("source"),
        "has no source",
    ),
    (
        "rule citing a missing evidence id",
        lambda d: _rule(d, "imatinib-hepatotoxicity").__setitem__("source", "LABEL-NOPE"),
        "cites unknown 'LABEL-NOPE'",
    ),
    (
        "unknown action",
        lambda d: _rule(d, "regorafenib-hfsr-g2").__setitem__("action", "pause"),
        "action 'pause'",
    ),
    (
        "rule without a verified flag",
        lambda d: _rule(d, "regorafenib-hfsr-g2").pop("verified"),
        "verified",
    ),
    (
        "unknown term group",
        lambda d: _rule(d, "regorafenib-hfsr-g3")["when"]["any"][0].__setitem__("ae", "rash"),
        "unknown term group 'rash'",
    ),
    (
        "dose levels not falling",
        lambda d: d["dose_rules.yaml"]["drugs"]["sunitinib"].__setitem__(
            "dose_levels_mg", [37.5, 50, 25]
        ),
        "strictly falling",
    ),
    (
        "CTCAE cut-offs in the wrong order",
        lambda d: d["ctcae.yaml"]["terms"]["anemia"]["below"].__setitem__(
            "g/dL", {2: 8.0, 3: 10.0}
        ),
        "higher grades need lower cut-offs",
    ),
    (
        "a unit the test is never reported in",
        lambda d: d["ctcae.yaml"]["terms"]["anemia"]["below"].__setitem__("U/L", {2: 1, 3: 2}),
        "not a unit of hemoglobin",
    ),
    (
        "a number without a source",
        lambda d: d["ctcae.yaml"]["terms"]["anemia"].pop("source"),
        r"terms\.anemia\.max_lab_grade = 3 has no source",
    ),
    (
        "a missing field",
        lambda d: d["monitoring.yaml"]["hemorrhage_monitoring"]["bulky"].pop("largest_lesion_mm"),
        "required field is missing",
    ),
    (
        "interaction action for an unknown drug",
        lambda d: d["interactions.yaml"]["actions"].__setitem__(
            "imatinibb", {"strong_inducer": {"action": "avoid", "message": "m", "source": "S-JP"}}
        ),
        "unknown drug 'imatinibb'",
    ),
    (
        "alias to an unknown agent",
        lambda d: d["interactions.yaml"]["aliases"].__setitem__("x", "nothing"),
        "alias 'x'",
    ),
    (
        "unknown severity",
        lambda d: d["dose_rules.yaml"]["alert_severity"].__setitem__("discontinue", "urgent"),
        "severity 'urgent'",
    ),
]


@pytest.mark.parametrize(("what", "breakage", "message"), BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_inconsistent_knowledge_fails_loudly(
    what: str, breakage: Callable[[dict[str, Any]], None], message: str
) -> None:
    data = raw()
    breakage(data)
    with pytest.raises(KnowledgeError, match=message):
        compile_knowledge(data)
