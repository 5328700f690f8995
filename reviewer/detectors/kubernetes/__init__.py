"""Detectors for Kubernetes manifests and manifest diffs (codes K8S…).

``DETECTORS`` is this family's part of the explicit registry, sorted by code.
"""

from __future__ import annotations

from typing import Any, Final

from reviewer.detectors.base import Detector
from reviewer.detectors.kubernetes.k8s001_namespace_deleted import NamespaceDeleted
from reviewer.detectors.kubernetes.k8s002_persistent_data_at_risk import PersistentDataAtRisk
from reviewer.detectors.kubernetes.k8s003_crd_deleted import CrdDeleted
from reviewer.detectors.kubernetes.k8s004_immutable_field_change import ImmutableFieldChange
from reviewer.detectors.kubernetes.k8s005_capacity_to_zero import CapacityToZero
from reviewer.detectors.kubernetes.k8s006_deletion_guard_removed import DeletionGuardRemoved
from reviewer.detectors.kubernetes.k8s007_removed_api_version import RemovedApiVersion
from reviewer.detectors.kubernetes.k8s008_disruption_safety_regression import (
    DisruptionSafetyRegression,
)
from reviewer.detectors.kubernetes.k8s009_upgrade_removes_used_label import (
    UpgradeRemovesUsedLabel,
)

DETECTORS: Final[tuple[type[Detector[Any]], ...]] = (
    NamespaceDeleted,
    PersistentDataAtRisk,
    CrdDeleted,
    ImmutableFieldChange,
    CapacityToZero,
    DeletionGuardRemoved,
    RemovedApiVersion,
    DisruptionSafetyRegression,
    UpgradeRemovesUsedLabel,
)
