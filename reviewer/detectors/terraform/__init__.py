"""Detectors for Terraform / OpenTofu plans and .tf files (codes TF…).

``DETECTORS`` is this family's part of the explicit registry, sorted by code.
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

DETECTORS: Final[tuple[type[Detector[Any]], ...]] = (
    StatefulResourceDeleted,
    StatefulResourceReplaced,
    ServingPathDestroyFirst,
    RemovedFromConfig,
    ProtectionDisabled,
    UntrustworthyPlan,
    MassDestroy,
)
