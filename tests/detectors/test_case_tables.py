"""Every case of every fixtures/detectors/<CODE>.yaml table."""

from __future__ import annotations

import pytest

from tests.detectors.case_tables import DetectorCase, load_all, run_case

CASES = load_all()


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            c, id=c.id,
            marks=[pytest.mark.xfail(strict=True, reason=c.known_gap)] if c.known_gap else [],
        )
        for c in CASES
    ],
)
def test_detector_case(case: DetectorCase) -> None:
    got, expected = run_case(case)
    assert got == expected
