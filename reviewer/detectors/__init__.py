"""Deterministic destructive-operation detectors and their explicit registry.

``ALL_DETECTORS`` is the registry: an explicit tuple, sorted by code. Importing this
package registers nothing by side effect.
"""

from __future__ import annotations

from typing import Any, Final

from reviewer.detectors.base import Detector
from reviewer.detectors.terraform.tf001_stateful_resource_deleted import StatefulResourceDeleted
from reviewer.detectors.terraform.tf002_stateful_resource_replaced import StatefulResourceReplaced
from reviewer.detectors.terraform.tf003_serving_path_destroy_first import ServingPathDestroyFirst
from reviewer.detectors.terraform.tf004_removed_from_config import RemovedFromConfig
from reviewer.detectors.terraform.tf007_protection_disabled import ProtectionDisabled
from reviewer.detectors.terraform.tf014_untrustworthy_plan import UntrustworthyPlan
from reviewer.detectors.terraform.tf015_mass_destroy import MassDestroy

ALL_DETECTORS: Final[tuple[type[Detector[Any]], ...]] = (
    StatefulResourceDeleted,
    StatefulResourceReplaced,
    ServingPathDestroyFirst,
    RemovedFromConfig,
    ProtectionDisabled,
    UntrustworthyPlan,
    MassDestroy,
)

__all__ = ["ALL_DETECTORS", "Detector"]
