"""Detectors for source code (Python, JS/TS, Go, Java) in diffs (codes CODE…).

``DETECTORS`` is this family's part of the explicit registry, sorted by code.
"""

from __future__ import annotations

from typing import Any, Final

from reviewer.detectors.base import Detector
from reviewer.detectors.code.code001_destructive_call_added import DestructiveCallAdded
from reviewer.detectors.code.code002_delete_target_widened import DeleteTargetWidened
from reviewer.detectors.code.code003_guard_removed import GuardRemoved
from reviewer.detectors.code.code004_filter_can_be_empty import FilterCanBeEmpty
from reviewer.detectors.code.code005_redacted_read_written_back import RedactedReadWrittenBack
from reviewer.detectors.code.code006_flag_value_reused import FlagValueReused

DETECTORS: Final[tuple[type[Detector[Any]], ...]] = (
    DestructiveCallAdded,
    DeleteTargetWidened,
    GuardRemoved,
    FilterCanBeEmpty,
    RedactedReadWrittenBack,
    FlagValueReused,
)
