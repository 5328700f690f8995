"""Shared helpers for the parser tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

DIFF_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "inputs" / "diff"


def read_diff_fixture(name: str) -> str:
    """Text of ``fixtures/inputs/diff/<name>``, line endings kept as stored."""
    with (DIFF_FIXTURES / name).open(encoding="utf-8", newline="") as fh:
        return fh.read()


@pytest.fixture
def diff_fixture() -> Callable[[str], str]:
    """Read a diff fixture by file name (``fixtures/inputs/diff/<name>``)."""
    return read_diff_fixture
