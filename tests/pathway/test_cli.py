"""``gistpath advise``, ``safety`` and ``evidence`` from the outside: JSON contract and errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

CONTRACT_EXAMPLE = Path(__file__).parents[1] / "case" / "contract_example.json"
CONTRACT_ALERT_CODES = {
    "cyp3a4-inducer",
    "cyp3a4-inhibitor",
    "hemorrhage-monitoring",
    "emergency-surgery",
    "dose-modification",
    "genotype-missing",
    "imatinib-resistant-genotype",
    "interruption-risk",
    "lab-toxicity",
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gistpath", *args], capture_output=True, text=True, check=False
    )


def test_advise_json_follows_the_contract() -> None:
    done = run("advise", str(CONTRACT_EXAMPLE), "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert (doc["case_id"], doc["as_of"]) == ("demo-017", "2013-02-01")
    s = doc["situation"]
    assert (s["line"], s["current_drug"], s["last_response"], s["pattern"]) == (
        3,
        None,
        "PD",
        "generalized",
    )
    assert s["genotype"].startswith("KIT exon 11")
    # the haemorrhage four days before as_of comes first, then regorafenib after sunitinib
    first, second = doc["options"][:2]
    assert (first["rank"], first["action"], first["strength"]) == (1, "surgery", "standard")
    assert {
        k: second[k] for k in ("rank", "action", "drug", "dose_mg", "schedule", "strength")
    } == {
        "rank": 2,
        "action": "start",
        "drug": "regorafenib",
        "dose_mg": 160,
        "schedule": "d1-21q28",
        "strength": "standard",
    }
    assert "GRID" in second["evidence"] and second["rationale"]
    codes = {a["code"] for a in doc["alerts"]}
    assert {"emergency-surgery", "cyp3a4-inducer"} <= codes
    for alert in doc["alerts"]:
        assert set(alert) >= {"code", "severity", "message", "evidence"}
    (right,) = doc["trials"]
    assert right["id"] == "RIGHT" and set(right) >= {"eligible", "unmet"}
    assert doc["knowledge_version"]


def test_every_contract_alert_code_can_be_raised() -> None:
    """contracts/cli.md: these codes must exist; each is raised somewhere in the knowledge/code."""
    root = Path(__file__).parents[2] / "src" / "gistpath"
    text = " ".join(
        p.read_text()
        for p in [*root.joinpath("pathway").rglob("*"), *root.joinpath("safety").rglob("*")]
        if p.suffix in (".yaml", ".py")
    )
    assert all(code in text for code in CONTRACT_ALERT_CODES)


def test_advise_without_json_prints_options_and_alerts() -> None:
    done = run("advise", str(CONTRACT_EXAMPLE))
    assert done.returncode == 0, done.stderr
    assert "regorafenib" in done.stdout and "emergency-surgery" in done.stdout
    assert "GRID" in done.stdout


def test_safety_json() -> None:
    done = run("safety", str(CONTRACT_EXAMPLE), "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["current_drug"] is None and doc["medications"] == ["carbamazepine"]
    (hb,) = doc["labs"]
    assert (hb["test"], hb["grade"], hb["limit_source"]) == ("hemoglobin", 1, "default")


def test_evidence_list_and_entry() -> None:
    listing = json.loads(run("evidence", "--json").stdout)
    ids = {e["id"]: e for e in listing["entries"]}
    assert ids["ESMO-2022"]["verified"] is False and ids["GRID"]["verified"] is True
    grid = json.loads(run("evidence", "GRID", "--json").stdout)
    assert grid["id"] == "GRID" and grid["unverified"] is False and grid["year"] == 2013
    shown = run("evidence", "NCCN-GIST")
    assert shown.returncode == 0 and "unverified" in shown.stdout


def test_unknown_evidence_id_is_bad_input() -> None:
    done = run("evidence", "GRIDD", "--json")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == "gistpath: error: no evidence entry 'GRIDD'; did you mean 'GRID'?"


def test_bad_case_exits_2_with_one_line(tmp_path: Path, contract_case: dict[str, Any]) -> None:
    contract_case["treatments"][0]["dose_mg"] = "400"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(contract_case))
    for command in ("advise", "safety"):
        done = run(command, str(bad), "--json")
        assert done.returncode == 2 and done.stdout == ""
        [line] = done.stderr.strip().splitlines()
        assert line.startswith(f"gistpath: error: {bad}: case 'demo-017': treatments[0].dose_mg")


def test_missing_file_exits_2(tmp_path: Path) -> None:
    done = run("advise", str(tmp_path / "nope.json"))
    assert done.returncode == 2 and "no such file" in done.stderr


def test_unknown_jurisdiction_exits_2() -> None:
    done = run("safety", str(CONTRACT_EXAMPLE), "--jurisdiction", "UK")
    assert done.returncode == 2
