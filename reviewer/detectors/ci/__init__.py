"""Detectors for CI/CD workflows (codes CI…).

``DETECTORS`` is this family's part of the explicit registry, sorted by code.
"""

from __future__ import annotations

from typing import Any, Final

from reviewer.detectors.base import Detector

DETECTORS: Final[tuple[type[Detector[Any]], ...]] = ()
