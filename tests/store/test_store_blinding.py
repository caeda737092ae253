"""R6 and R7: arm labels never reach a blinded user; emergency unblinding is narrow and audited.

The design used here is RIGHT with its arm ids and labels replaced by unique marker strings. A
blinded user (investigator, pharmacist, admin) then runs every command; no marker may appear in
what they see (stdout, stderr, JSON, tables), in the files they write, in any log record, nor in
the SQL their commands send (which never reads ``allocation_secrets``). The same markers do
appear for the unblinded statistician, so the test can fail.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, event

from gistpath.errors import InputError
from gistpath.store import audit
from gistpath.store.cases import save_case
from gistpath.store.loadtest import eligible_case
from gistpath.store.trials import TrialService
from gistpath.trial.design import design_text
from gistpath.trial.errors import PermissionDenied
from store.helpers import ADMIN, INVESTIGATOR, PHARMACIST, STATISTICIAN

MARKERS = {
    "imatinib": ("ZQXARMALPHA7731", "ZQXLABELALPHA9120"),
    "placebo": ("ZQXARMBRAVO4402", "ZQXLABELBRAVO5586"),
}


def _marker_design(tmp_path: Path) -> Path:
    text = design_text("RIGHT")
    for arm, (marker_id, _label) in MARKERS.items():
        text = text.replace(f"  - id: {arm}\n", f"  - id: {marker_id}\n", 1)
    text = text.replace(
        "label: Imatinib 400 mg once daily with best supportive care",
        f"label: {MARKERS['imatinib'][1]}",
    ).replace("label: Matched placebo with best supportive care", f"label: {MARKERS['placebo'][1]}")
    path = tmp_path / "marker-design.yaml"
    path.write_text(text)
    return path


def _leaks(text: str) -> list[str]:
    return [m for pair in MARKERS.values() for m in pair if m.lower() in text.lower()]


@pytest.fixture
def sql_log() -> Iterator[list[str]]:
    statements: list[str] = []

    def remember(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", remember)
    yield statements
    event.remove(Engine, "before_cursor_execute", remember)


def test_r6_markers_never_reach_a_blinded_user(
    service: TrialService,
    cli: Callable[..., Any],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    sql_log: list[str],
) -> None:
    design = _marker_design(tmp_path)
    assert cli("trial", "create", str(design), "--id", "MK", user=STATISTICIAN).exit_code == 0
    sql_log.clear()
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    def blinded(*args: str, user: str = INVESTIGATOR) -> Any:
        done = cli(*args, user=user)
        assert done.exit_code == 0, (args, done.stderr)
        seen.extend([done.stdout, done.stderr])
        return done

    folder = tmp_path / "cases"
    folder.mkdir()
    for n in range(8):
        (folder / f"m{n}.json").write_text(json.dumps(eligible_case(f"m{n}", ecog=n % 2).to_dict()))
    blinded("import", str(folder))
    for n in range(8):
        blinded("trial", "enrol", "MK", f"m{n}", "--json")
        blinded("trial", "randomise", "MK", f"MK-{n + 1:04d}", *(["--json"] if n % 2 else []))
        blinded("trial", "dose", "MK", f"MK-{n + 1:04d}", "--date", "2011-06-03", user=PHARMACIST)
    blinded(
        "trial",
        "crossover",
        "MK",
        "MK-0001",
        "--progression-date",
        "2011-07-01",
        "--start",
        "2011-07-02",
    )
    for user in (INVESTIGATOR, PHARMACIST, ADMIN):
        blinded("trial", "status", "MK", user=user)
        blinded("trial", "status", "MK", "--json", user=user)
    for user in (INVESTIGATOR, ADMIN):
        blinded("audit", user=user)
        blinded("audit", "--json", user=user)
        blinded(
            "audit", "--entity", "participant:MK-0001", "--as-of", "2100-01-01", "--json", user=user
        )
    blinded("audit", "--entity", "trial:MK", "--json", user=ADMIN)
    blinded("cases", "show", "m0", "--json")
    for suffix in ("csv", "parquet"):
        out = tmp_path / f"blinded.{suffix}"
        for population in ("randomised", "treated", "per_protocol"):
            blinded(
                "trial", "export", "MK", "--out", str(out), "--population", population, "--json"
            )
            frame = pd.read_csv(out) if suffix == "csv" else pd.read_parquet(out)
            assert "arm" not in frame.columns
            seen.append(frame.to_csv())
        seen.append(out.read_bytes().decode("latin-1"))
    blinded("db", "check", "--json")
    seen.extend(record.getMessage() for record in caplog.records)
    blinded_sql = list(sql_log)

    assert _leaks("\n".join(seen)) == []
    assert [s for s in blinded_sql if "allocation_secrets" in s] == []
    assert len(caplog.records) > 0  # SQL logging was on: the check looked at real records

    # Positive control: the unblinded statistician does see the markers.
    out = tmp_path / "unblinded.csv"
    assert (
        cli(
            "trial",
            "export",
            "MK",
            "--out",
            str(out),
            "--population",
            "randomised",
            user=STATISTICIAN,
        ).exit_code
        == 0
    )
    frame = pd.read_csv(out)
    assert set(frame["arm"]) == {MARKERS["imatinib"][0], MARKERS["placebo"][0]}
    status = json.loads(cli("trial", "status", "MK", "--json", user=STATISTICIAN).stdout)
    assert sum(status["arms"].values()) == 8


_VOLATILE = re.compile(
    r"(MK-\d{4}|K-[0-9A-Z]{4}-[0-9A-Z]{4}|P-[0-9a-f]{20}|twin-[ab]\d+|"
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)"
)


def test_r6_participants_differing_only_by_arm_look_identical_when_blinded(
    service: TrialService, tmp_path: Path
) -> None:
    service.create_trial(STATISTICIAN, _marker_design(tmp_path), trial_id="MK")
    store = service.store
    # twins: the same case under two ids; randomise until two of them differ by arm
    randomised: list[tuple[str, str]] = []
    by_arm: dict[str, tuple[str, str]] = {}
    for n in range(12):
        case_id = f"twin-{'ab'[n % 2]}{n}"
        save_case(store, eligible_case(case_id), INVESTIGATOR)
        pid = service.enrol(INVESTIGATOR, "MK", case_id)["participant"]
        randomised.append((pid, service.randomise(INVESTIGATOR, "MK", pid)["kit_code"]))
        table, _ = service.analysis_table(STATISTICIAN, "MK", "randomised")
        arms = {row["kit_code"]: row["arm"] for row in table}
        by_arm = {}
        for pid_kit in randomised:
            by_arm.setdefault(arms[pid_kit[1]], pid_kit)
        if len(by_arm) == 2:
            break
    pair = list(by_arm.values())
    assert len(pair) == 2
    for pid, _ in pair:
        service.dose(PHARMACIST, "MK", pid, date(2011, 6, 3))
        service.crossover(INVESTIGATOR, "MK", pid, date(2011, 8, 1), date(2011, 8, 3))

    def views(pid: str, kit: str) -> str:
        status = service.status(INVESTIGATOR, "MK")
        person = next(p for p in status["participants"] if p["participant"] == pid)
        table, _ = service.analysis_table(INVESTIGATOR, "MK", "randomised")
        row = next(r for r in table if r["kit_code"] == kit)
        with store.read() as conn:
            trail = [
                {k: v for k, v in r.to_dict(blinded=True).items() if k != "id"}
                for kind in ("participant", "dose", "crossover")
                for r in audit.rows(conn, entity_type=kind, entity_id=pid)
            ]
        text = json.dumps({"status": person, "export": row, "audit": trail}, sort_keys=True)
        return _VOLATILE.sub("<id>", text)

    first, second = (views(pid, kit) for pid, kit in pair)
    assert first == second
    assert "<id>" in first


def test_r7_emergency_unblinding(service: TrialService, tmp_path: Path) -> None:
    service.create_trial(STATISTICIAN, _marker_design(tmp_path), trial_id="MK")
    store = service.store
    for n in range(4):
        save_case(store, eligible_case(f"u{n}"), INVESTIGATOR)
        pid = service.enrol(INVESTIGATOR, "MK", f"u{n}")["participant"]
        service.randomise(INVESTIGATOR, "MK", pid)

    def audit_rows() -> list[Any]:
        with store.read() as conn:
            return list(audit.rows(conn))

    before = len(audit_rows())
    with pytest.raises(PermissionDenied, match="needs role investigator"):
        service.unblind(PHARMACIST, "MK", "MK-0002", "dispensing error", "MK-0002")
    with pytest.raises(PermissionDenied):
        service.unblind(ADMIN, "MK", "MK-0002", "curious", "MK-0002")
    with pytest.raises(InputError, match="--reason"):
        service.unblind(INVESTIGATOR, "MK", "MK-0002", "   ", "MK-0002")
    with pytest.raises(InputError, match="--confirm"):
        service.unblind(INVESTIGATOR, "MK", "MK-0002", "SAE: liver failure", "MK-0003")
    assert len(audit_rows()) == before

    revealed = service.unblind(INVESTIGATOR, "MK", "MK-0002", "SAE: liver failure", "MK-0002")

    unblinded_table, _ = service.analysis_table(STATISTICIAN, "MK", "randomised")
    truth = {row["kit_code"]: row["arm"] for row in unblinded_table}
    assert revealed["participant"] == "MK-0002"
    assert revealed["arm"] == truth[revealed["kit_code"]]
    assert revealed["arm_label"] in (MARKERS["imatinib"][1], MARKERS["placebo"][1])
    # only that participant: no other participant id or kit code in the answer
    text = json.dumps(revealed)
    others = [k for k in truth if k != revealed["kit_code"]]
    assert [k for k in others if k in text] == []
    assert re.findall(r"MK-\d{4}", text) == ["MK-0002"]
    # one audit row, with who, why and when, and no arm in it
    rows = audit_rows()
    assert len(rows) == before + 1
    row = rows[-1]
    assert (row.action, row.entity_type, row.entity_id, row.actor, row.reason) == (
        "unblind",
        "unblinding",
        "MK-0002",
        INVESTIGATOR,
        "SAE: liver failure",
    )
    assert _leaks(json.dumps(row.to_dict(blinded=False))) == []
    # the investigator's other views stay blinded
    status = service.status(INVESTIGATOR, "MK")
    assert "arms" not in status
    assert [p["unblindings"] for p in status["participants"]] == [0, 1, 0, 0]
    table, _ = service.analysis_table(INVESTIGATOR, "MK", "randomised")
    assert all("arm" not in row for row in table)
