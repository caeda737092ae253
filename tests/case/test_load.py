"""Reading cases from folders, JSON-lines and JSON arrays; errors name file, line and case."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gistpath.case.load import iter_case_texts, load_cases, parse_case
from gistpath.errors import CaseError, InputError


def _case(case_id: str, dose: float = 400) -> dict[str, Any]:
    return {
        "id": case_id,
        "as_of": "2012-06-01",
        "patient": {"sex": "female"},
        "treatments": [{"drug": "imatinib", "dose_mg": dose, "start": "2011-01-10"}],
        "imaging": [
            {"date": "2011-01-03", "lesions": [
                {"id": "L1", "organ": "liver", "role": "target", "diameter_mm": 40}
            ]}
        ],
    }  # fmt: skip


def _dump(path: Path, *cases: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".json" and len(cases) == 1:
        path.write_text(json.dumps(cases[0], indent=2), encoding="utf-8")
    else:
        path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    return path


# --- folders and paths -----------------------------------------------------------------------


def test_folder_is_read_recursively_in_sorted_order(tmp_path: Path) -> None:
    _dump(tmp_path / "b" / "z.json", _case("c-3"))
    _dump(tmp_path / "b" / "a.json", _case("c-2"))
    _dump(tmp_path / "a.json", _case("c-1"))
    (tmp_path / "notes.txt").write_text("not a case")
    assert [c.id for c in load_cases([tmp_path])] == ["c-1", "c-2", "c-3"]


def test_files_and_folders_mix(tmp_path: Path) -> None:
    one = _dump(tmp_path / "one.json", _case("c-1"))
    _dump(tmp_path / "more" / "two.jsonl", _case("c-2"), _case("c-3"))
    assert [c.id for c in load_cases([one, tmp_path / "more"])] == ["c-1", "c-2", "c-3"]


def test_folder_without_case_files_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("no cases here")
    with pytest.raises(InputError, match=r"no \.json or \.jsonl case files"):
        list(iter_case_texts([tmp_path]))


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder") as caught:
        list(iter_case_texts([tmp_path / "nowhere.json"]))
    assert caught.value.exit_code == 2


def test_repeated_id_across_files_names_both(tmp_path: Path) -> None:
    first = _dump(tmp_path / "a.json", _case("same"))
    second = _dump(tmp_path / "b.json", _case("same"))
    loaded = load_cases([tmp_path])
    assert next(loaded).id == "same"
    with pytest.raises(CaseError) as caught:
        next(loaded)
    error = caught.value
    assert (error.case_id, error.field, error.source) == ("same", "id", str(second))
    assert error.message == f"the same id is already used by {first}"


# --- JSON-lines ------------------------------------------------------------------------------


def test_json_lines_yield_one_case_per_line_and_skip_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "cohort.jsonl"
    path.write_text(json.dumps(_case("c-1")) + "\n\n" + json.dumps(_case("c-2")) + "\n")
    assert [t.source for t in iter_case_texts([path])] == [f"{path}:1", f"{path}:3"]
    assert [c.id for c in load_cases([path])] == ["c-1", "c-2"]


def test_json_lines_error_names_file_line_case_and_field(tmp_path: Path) -> None:
    path = _dump(tmp_path / "cohort.ndjson", _case("c-1"), _case("c-2"), _case("c-3", dose=-400))
    with pytest.raises(CaseError) as caught:
        list(load_cases([path]))
    assert str(caught.value) == (
        f"{path}:3: case 'c-3': treatments[0].dose_mg: must be > 0 (got -400)"
    )


def test_json_lines_broken_line_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "cohort.jsonl"
    path.write_text(json.dumps(_case("c-1")) + "\n" + json.dumps(_case("c-2"))[:-1] + "\n")
    texts = list(iter_case_texts([path]))
    with pytest.raises(CaseError) as caught:
        parse_case(texts[1].text, texts[1].source)
    error = caught.value
    assert (error.source, error.case_id, error.field) == (f"{path}:2", "c-2", "(json)")


def test_blank_json_lines_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n  \n")
    with pytest.raises(CaseError) as caught:
        list(load_cases([path]))
    assert (caught.value.source, caught.value.field) == (str(path), "(document)")


# --- JSON arrays -----------------------------------------------------------------------------


def test_json_array_items_are_named_by_index_and_line(tmp_path: Path) -> None:
    path = tmp_path / "cohort.json"
    items = [_case("c-1"), _case("c-2", dose=0)]
    path.write_text("[\n" + ",\n".join(json.dumps(c) for c in items) + "\n]\n")
    texts = list(iter_case_texts([path]))
    assert [t.source for t in texts] == [f"{path}[0] (line 2)", f"{path}[1] (line 3)"]
    with pytest.raises(CaseError) as caught:
        list(load_cases([path]))
    error = caught.value
    assert (error.source, error.case_id, error.field) == (
        f"{path}[1] (line 3)",
        "c-2",
        "treatments[0].dose_mg",
    )


def test_json_array_items_keep_their_text_so_duplicate_keys_are_caught(tmp_path: Path) -> None:
    path = tmp_path / "cohort.json"
    item = json.dumps(_case("c-1")).replace('"sex": "female"', '"sex": "female", "sex": "male"')
    path.write_text(f"[{item}]")
    with pytest.raises(CaseError) as caught:
        list(load_cases([path]))
    assert (caught.value.case_id, caught.value.field) == ("c-1", "patient.sex")


def test_broken_json_array_reports_the_line_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cohort.json"
    path.write_text("[\n" + json.dumps(_case("c-1")) + ",\n" + '{"id": "c-2",}\n]\n')
    with pytest.raises(CaseError) as caught:
        list(load_cases([path]))
    error = caught.value
    assert (error.source, error.field) == (str(path), "(json)")
    assert error.message == (
        "not valid JSON: trailing comma (line 3, column 13); remove the comma before '}'"
    )


def test_empty_json_array_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "cohort.json"
    path.write_text("[ ]")
    with pytest.raises(CaseError) as caught:
        list(load_cases([path]))
    assert caught.value.message == "a case must be a JSON object, not an empty list"


def test_json_array_item_that_is_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "cohort.json"
    path.write_text('["c-1"]')
    with pytest.raises(CaseError) as caught:
        list(load_cases([path]))
    assert (caught.value.source, caught.value.field) == (f"{path}[0] (line 1)", "(document)")
    assert caught.value.message == "a case must be a JSON object, not text"


# --- encodings -------------------------------------------------------------------------------


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "excel.json"
    path.write_text(json.dumps(_case("c-1")), encoding="utf-8-sig")
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    assert [c.id for c in load_cases([path])] == ["c-1"]


def test_non_utf8_file_is_reported_when_parsed_not_while_reading(tmp_path: Path) -> None:
    bad = tmp_path / "a.json"
    bad.write_bytes(json.dumps(_case("c-1")).replace("female", "f\u00e9male").encode("latin-1"))
    _dump(tmp_path / "b.json", _case("c-2"))
    texts = list(iter_case_texts([tmp_path]))
    assert [t.source for t in texts] == [str(bad), str(tmp_path / "b.json")]
    with pytest.raises(CaseError) as caught:
        parse_case(texts[0].text, texts[0].source)
    assert caught.value.field == "(file)"
    assert caught.value.message.startswith("not UTF-8 text (byte ")
    assert parse_case(texts[1].text, texts[1].source).id == "c-2"


# --- parse_case ------------------------------------------------------------------------------


def test_parse_case_takes_dict_text_and_bytes_alike() -> None:
    data = _case("c-1")
    from_dict = parse_case(data)
    assert parse_case(json.dumps(data)) == from_dict
    assert parse_case(json.dumps(data).encode()) == from_dict
    assert from_dict.treatments[0].dose_mg == 400.0


def test_error_on_a_dict_has_no_source() -> None:
    with pytest.raises(CaseError) as caught:
        parse_case(_case("c-1", dose=-1))
    assert str(caught.value) == "case 'c-1': treatments[0].dose_mg: must be > 0 (got -1)"


def test_broken_json_is_named_by_its_top_level_id_not_a_lesion_id() -> None:
    text = (
        '{"imaging": [{"date": "2011-01-03", "lesions": [{"id": "L1"}]}], '
        '"id": "c-9", "as_of": "2012-06-01",}'
    )
    with pytest.raises(CaseError) as caught:
        parse_case(text)
    assert (caught.value.case_id, caught.value.field) == ("c-9", "(json)")


def test_broken_json_without_a_top_level_id_names_no_case() -> None:
    text = '{"imaging": [{"lesions": [{"id": "L1", "organ": "liver",}]}]}'
    with pytest.raises(CaseError) as caught:
        parse_case(text)
    assert caught.value.case_id is None
    assert str(caught.value).startswith("case without an id: (json): not valid JSON: trailing")


def test_misspelt_field_is_reported_before_the_missing_one() -> None:
    data = _case("c-1")
    data["patient"] = {"sexe": "female"}
    with pytest.raises(CaseError) as caught:
        parse_case(data)
    error = caught.value
    assert (error.field, error.more) == ("patient.sexe", 1)
    assert error.message == "unknown field; did you mean 'sex'?"


def test_a_likely_match_replaces_a_long_list_of_choices() -> None:
    data = _case("c-1")
    data["imaging"][0]["lesions"][0]["organ"] = "Liver"
    with pytest.raises(CaseError) as caught:
        parse_case(data)
    assert (
        caught.value.message == "'Liver' is not one of the 26 allowed values; did you mean 'liver'?"
    )


def test_a_short_list_of_choices_is_always_shown() -> None:
    data = _case("c-1")
    data["patient"]["sex"] = "F"
    with pytest.raises(CaseError) as caught:
        parse_case(data)
    assert caught.value.message == (
        "must be one of 'female', 'male', 'other', 'unknown' (got 'F'); did you mean 'female'?"
    )
