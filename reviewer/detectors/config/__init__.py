"""Detectors for application config and feature flags (codes CFG…).

``DETECTORS`` is this family's part of the explicit registry, sorted by code.
"""

from __future__ import annotations

from typing import Any, Final

from reviewer.detectors.base import Detector
from reviewer.detectors.config.cfg001_prod_flag_flipped import ProdFlagFlipped
from reviewer.detectors.config.cfg002_flag_removed_still_referenced import (
    FlagRemovedStillReferenced,
)
from reviewer.detectors.config.cfg003_risky_operational_knob import RiskyOperationalKnob
from reviewer.detectors.config.cfg004_config_key_removed_still_read import (
    ConfigKeyRemovedStillRead,
)

DETECTORS: Final[tuple[type[Detector[Any]], ...]] = (
    ProdFlagFlipped,
    FlagRemovedStillReferenced,
    RiskyOperationalKnob,
    ConfigKeyRemovedStillRead,
)
