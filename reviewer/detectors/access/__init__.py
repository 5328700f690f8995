"""Detectors for access control and exposure (codes ACL…).

``DETECTORS`` is this family's part of the explicit registry, sorted by code.
"""

from __future__ import annotations

from typing import Any, Final

from reviewer.detectors.access.acl001_iam_admin_grant_added import IamAdminGrantAdded
from reviewer.detectors.access.acl002_trust_broadened import TrustBroadened
from reviewer.detectors.access.acl003_authoritative_iam_strip import AuthoritativeIamStrip
from reviewer.detectors.access.acl004_public_network_ingress import PublicNetworkIngress
from reviewer.detectors.access.acl005_public_data_exposure import PublicDataExposure
from reviewer.detectors.access.acl006_rbac_escalation import RbacEscalation
from reviewer.detectors.access.acl007_repo_governance_weakened import RepoGovernanceWeakened
from reviewer.detectors.base import Detector

DETECTORS: Final[tuple[type[Detector[Any]], ...]] = (
    IamAdminGrantAdded,
    TrustBroadened,
    AuthoritativeIamStrip,
    PublicNetworkIngress,
    PublicDataExposure,
    RbacEscalation,
    RepoGovernanceWeakened,
)
