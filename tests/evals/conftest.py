"""Fixtures of the eval harness tests: a small copy of the shipped cases."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: One incident and one benign twin: enough to exercise every code path quickly.
SEED = ["cost-env-recreate", "benign-delete-empty-dev-bucket"]


@pytest.fixture
def cases_dir(tmp_path: Path) -> Path:
    root = tmp_path / "cases"
    root.mkdir()
    for name in SEED:
        shutil.copytree(ROOT / "evals" / "cases" / name, root / name)
    return root
