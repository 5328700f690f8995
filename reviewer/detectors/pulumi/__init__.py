"""Detectors for Pulumi previews (codes PUL…).

``DETECTORS`` is this family's part of the explicit registry, sorted by code.
"""

from __future__ import annotations

from typing import Any, Final

from reviewer.detectors.base import Detector
from reviewer.detectors.pulumi.pul001_pulumi_deletes_stateful_resource import (
    PulumiDeletesStatefulResource,
)
from reviewer.detectors.pulumi.pul002_pulumi_protection_removed import PulumiProtectionRemoved

DETECTORS: Final[tuple[type[Detector[Any]], ...]] = (
    PulumiDeletesStatefulResource,
    PulumiProtectionRemoved,
)
