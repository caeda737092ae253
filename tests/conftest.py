"""Shared fixtures: case builders used across the test suite."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
CONTRACT_EXAMPLE = HERE / "case" / "contract_example.json"


@pytest.fixture
def contract_case() -> dict[str, Any]:
    """The example case printed in contracts/case-format.md, as decoded JSON."""
    return copy.deepcopy(json.loads(CONTRACT_EXAMPLE.read_text()))
