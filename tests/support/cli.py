"""Run the real ``gistpath`` console entry point in-process, for CLI tests."""

from __future__ import annotations

import sys

import pytest

from gistpath.cli import main


def run(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``gistpath ARGS``."""
    monkeypatch.setattr(sys, "argv", ["gistpath", *args])
    with pytest.raises(SystemExit) as stopped:
        main()
    out, err = capsys.readouterr()
    code = stopped.value.code
    return (code if isinstance(code, int) else 1), out, err
