"""Cases in the store through the CLI: import, re-import as an audited edit, bad cases, export."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from gistpath.store.engine import Store
from gistpath.store.schema import audit_log, cases
from store.helpers import ADMIN, INVESTIGATOR, PHARMACIST

Cli = Callable[..., Any]


def _write(path: Path, case: dict[str, Any]) -> Path:
    path.write_text(json.dumps(case))
    return path


def _counts(store: Store) -> tuple[int, int]:
    with store.read() as conn:
        n_cases = conn.execute(select(func.count()).select_from(cases)).scalar_one()
        n_audit = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
    return n_cases, n_audit


def test_import_edit_and_unchanged(
    staff: Store,
    cli: Cli,
    contract_case: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = _write(tmp_path / "a.json", contract_case)
    done = cli("import", str(first), "--json", user=INVESTIGATOR)
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout) == {"created": 1, "updated": 0, "unchanged": 0, "rejected": []}

    again = cli("import", str(first), "--json", user=INVESTIGATOR)
    assert json.loads(again.stdout)["unchanged"] == 1

    contract_case["performance_status"][0]["ecog"] = 2
    edited = _write(tmp_path / "b.json", contract_case)
    done = cli("import", str(edited), "--reason", "ECOG corrected", "--json", user=INVESTIGATOR)
    assert json.loads(done.stdout)["updated"] == 1

    trail = json.loads(cli("audit", "--entity", "case:demo-017", "--json", user=ADMIN).stdout)
    actions = [(r["action"], r["actor"], r["reason"]) for r in trail["rows"]]
    assert actions == [("create", INVESTIGATOR, None), ("edit", INVESTIGATOR, "ECOG corrected")]
    edit = trail["rows"][1]
    assert edit["old_value"]["performance_status"][0]["ecog"] == 1
    assert edit["new_value"]["performance_status"][0]["ecog"] == 2

    monkeypatch.setenv("GISTPATH_USER", INVESTIGATOR)  # the acting user from the environment
    listed = json.loads(cli("cases", "list", "--json").stdout)["cases"]
    assert [(c["id"], c["ecog"], c["version"], c["current_line"]) for c in listed] == [
        ("demo-017", 2, 2, 2)
    ]


def test_a_bad_case_is_reported_and_skipped_nothing_partial_stored(
    staff: Store, cli: Cli, contract_case: dict[str, Any], tmp_path: Path
) -> None:
    good = dict(contract_case, id="good-1")
    bad = json.loads(json.dumps(contract_case))
    bad["id"] = "bad-1"
    bad["imaging"][1]["lesions"][0]["diameter_mm"] = -3
    lines = tmp_path / "batch.jsonl"
    lines.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    before = _counts(staff)

    done = cli("import", str(lines), "--json", user=INVESTIGATOR)
    assert done.exit_code == 2
    report = json.loads(done.stdout)
    assert report["created"] == 1
    assert report["rejected"] == [
        {
            "source": f"{lines}:2",
            "case_id": "bad-1",
            "field": "imaging[1].lesions[0].diameter_mm",
            "message": "must be >= 0 (got -3)",
        }
    ]
    # one case and its one audit row; nothing of the bad case
    assert _counts(staff) == (before[0] + 1, before[1] + 1)
    shown = cli("cases", "show", "bad-1", user=INVESTIGATOR)
    assert shown.exit_code == 2
    assert shown.stderr.strip() == "gistpath: error: case 'bad-1': not in the store"


def test_errors_name_the_option_and_store_nothing(
    staff: Store, cli: Cli, contract_case: dict[str, Any], tmp_path: Path
) -> None:
    path = _write(tmp_path / "a.json", contract_case)
    before = _counts(staff)
    no_user = cli("import", str(path))
    assert no_user.exit_code == 2
    assert no_user.stderr.startswith("gistpath: error: --user: name the acting user")
    stranger = cli("import", str(path), user="mallory")
    assert stranger.exit_code == 2
    assert "--user: 'mallory' is not a user of this store" in stranger.stderr
    pharmacist = cli("import", str(path), user=PHARMACIST)
    assert pharmacist.exit_code == 2
    assert "may not write cases" in pharmacist.stderr
    missing = cli("import", str(path), str(tmp_path / "nope.json"), user=INVESTIGATOR)
    assert missing.exit_code == 2
    assert missing.stderr.strip().endswith("nope.json: no such file or folder")
    assert _counts(staff) == before


def test_export_round_trips_through_import(
    staff: Store, cli: Cli, contract_case: dict[str, Any], tmp_path: Path
) -> None:
    folder = tmp_path / "cases"
    folder.mkdir()
    for n in range(3):
        _write(folder / f"c{n}.json", dict(contract_case, id=f"demo-{n}"))
    assert cli("import", str(folder), user=INVESTIGATOR).exit_code == 0
    out = tmp_path / "all.jsonl"
    assert cli("export", "--out", str(out), user=INVESTIGATOR).exit_code == 0
    exported = [json.loads(line) for line in out.read_text().splitlines()]
    assert [c["id"] for c in exported] == ["demo-0", "demo-1", "demo-2"]
    assert exported[0]["treatments"][1]["schedule"] == "4/2"
    again = json.loads(cli("import", str(out), "--json", user=INVESTIGATOR).stdout)
    assert again == {"created": 0, "updated": 0, "unchanged": 3, "rejected": []}


def test_cases_list_filters_on_indexed_columns(
    staff: Store, cli: Cli, contract_case: dict[str, Any], tmp_path: Path
) -> None:
    pdgfra = json.loads(json.dumps(contract_case))
    pdgfra.update(id="p-1")
    pdgfra["tumour"]["genotype"] = {"gene": "PDGFRA", "exon": 18, "variant": "D842V"}
    pdgfra["patient"]["sex"] = "male"
    _write(tmp_path / "k.json", contract_case)
    _write(tmp_path / "p.json", pdgfra)
    assert cli("import", str(tmp_path), user=INVESTIGATOR).exit_code == 0

    def ids(*args: str) -> list[str]:
        done = cli("cases", "list", *args, "--json", user=INVESTIGATOR)
        return [c["id"] for c in json.loads(done.stdout)["cases"]]

    assert ids() == ["demo-017", "p-1"]
    assert ids("--gene", "PDGFRA") == ["p-1"]
    assert ids("--gene", "KIT", "--exon", "11") == ["demo-017"]
    assert ids("--sex", "female") == ["demo-017"]
    assert ids("--line", "3") == []


def test_delete_needs_a_reason_and_is_audited_with_the_old_document(
    staff: Store, cli: Cli, contract_case: dict[str, Any], tmp_path: Path
) -> None:
    assert cli("import", str(_write(tmp_path / "a.json", contract_case)), user=ADMIN).exit_code == 0
    blank = cli("cases", "delete", "demo-017", "--reason", "  ", user=ADMIN)
    assert blank.exit_code == 2
    assert "--reason: deleting a case needs a reason" in blank.stderr
    done = cli("cases", "delete", "demo-017", "--reason", "duplicate entry", user=ADMIN)
    assert done.exit_code == 0
    assert _counts(staff)[0] == 0
    trail = json.loads(cli("audit", "--entity", "case:demo-017", "--json", user=ADMIN).stdout)
    last = trail["rows"][-1]
    assert (last["action"], last["reason"], last["new_value"]) == (
        "delete",
        "duplicate entry",
        None,
    )
    assert last["old_value"]["id"] == "demo-017"


@pytest.mark.parametrize("option", ["2026-13-01", "2026-05-01T12:00:00"])
def test_as_of_must_be_an_unambiguous_time(staff: Store, cli: Cli, option: str) -> None:
    done = cli("audit", "--as-of", option, user=ADMIN)
    assert done.exit_code == 2
    assert done.stderr.startswith("gistpath: error: --as-of:")


def test_a_repeated_id_or_an_unreadable_file_is_reported_and_the_rest_imported(
    staff: Store, cli: Cli, contract_case: dict[str, Any], tmp_path: Path
) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    _write(folder / "a.json", contract_case)
    _write(folder / "b.json", dict(contract_case, as_of="2013-03-01"))  # same id again
    (folder / "c.json").write_bytes(b"\xff\xfe not text")
    _write(folder / "d.json", dict(contract_case, id="demo-018"))
    done = cli("import", str(folder), "--json", user=INVESTIGATOR)
    assert done.exit_code == 2
    report = json.loads(done.stdout)
    assert (report["created"], report["updated"]) == (2, 0)
    repeated, unreadable = report["rejected"]
    assert (repeated["source"], repeated["case_id"], repeated["field"]) == (
        str(folder / "b.json"),
        "demo-017",
        "id",
    )
    assert unreadable["source"] == str(folder / "c.json")
    shown = json.loads(cli("cases", "show", "demo-017", "--json", user=INVESTIGATOR).stdout)
    assert shown["as_of"] == "2013-02-01"  # the first one, not overwritten by the repeat
