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
from reviewer.detectors.config.cfg005_reviewer_config_change import ReviewerConfigChange
from reviewer.detectors.config.cfg006_rollout_safety_bypassed import RolloutSafetyBypassed
from reviewer.detectors.config.cfg007_blank_safety_field import BlankSafetyField
from reviewer.detectors.config.cfg008_network_filter_weakened import NetworkFilterWeakened
from reviewer.detectors.config.cfg009_unattended_os_updates import UnattendedOsUpdates
from reviewer.detectors.config.cfg010_feature_enabled_fleet_wide import FeatureEnabledFleetWide
from reviewer.detectors.config.cfg011_format_version_skew import FormatVersionSkew
from reviewer.detectors.config.cfg012_shared_dependencies_together import (
    SharedDependenciesTogether,
)

DETECTORS: Final[tuple[type[Detector[Any]], ...]] = (
    ProdFlagFlipped,
    FlagRemovedStillReferenced,
    RiskyOperationalKnob,
    ConfigKeyRemovedStillRead,
    ReviewerConfigChange,
    RolloutSafetyBypassed,
    BlankSafetyField,
    NetworkFilterWeakened,
    UnattendedOsUpdates,
    FeatureEnabledFleetWide,
    FormatVersionSkew,
    SharedDependenciesTogether,
)
