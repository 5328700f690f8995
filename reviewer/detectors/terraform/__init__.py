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
from reviewer.detectors.terraform.tf005_index_churn import IndexChurn
from reviewer.detectors.terraform.tf006_rename_without_moved import RenameWithoutMoved
from reviewer.detectors.terraform.tf007_protection_disabled import ProtectionDisabled
from reviewer.detectors.terraform.tf008_recovery_reduced import RecoveryReduced
from reviewer.detectors.terraform.tf009_crypto_key_destroyed import CryptoKeyDestroyed
from reviewer.detectors.terraform.tf010_dns_destructive import DnsDestructive
from reviewer.detectors.terraform.tf011_network_foundation_destroyed import (
    NetworkFoundationDestroyed,
)
from reviewer.detectors.terraform.tf012_drift_effects import DriftEffects
from reviewer.detectors.terraform.tf013_state_forget import StateForget
from reviewer.detectors.terraform.tf014_untrustworthy_plan import UntrustworthyPlan
from reviewer.detectors.terraform.tf015_mass_destroy import MassDestroy
from reviewer.detectors.terraform.tf016_prevent_destroy_removed import PreventDestroyRemoved

DETECTORS: Final[tuple[type[Detector[Any]], ...]] = (
    StatefulResourceDeleted,
    StatefulResourceReplaced,
    ServingPathDestroyFirst,
    RemovedFromConfig,
    IndexChurn,
    RenameWithoutMoved,
    ProtectionDisabled,
    RecoveryReduced,
    CryptoKeyDestroyed,
    DnsDestructive,
    NetworkFoundationDestroyed,
    DriftEffects,
    StateForget,
    UntrustworthyPlan,
    MassDestroy,
    PreventDestroyRemoved,
)
