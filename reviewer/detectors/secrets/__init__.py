"""Detectors for secrets added to code or exposed by IaC (codes SEC…).

``DETECTORS`` is this family's part of the explicit registry, sorted by code.
"""

from __future__ import annotations

from typing import Any, Final

from reviewer.detectors.base import Detector
from reviewer.detectors.secrets.sec001_credential_added import CredentialAdded
from reviewer.detectors.secrets.sec002_secret_exposed_by_iac import SecretExposedByIac
from reviewer.detectors.secrets.sec003_secret_store_destroyed import SecretStoreDestroyed

DETECTORS: Final[tuple[type[Detector[Any]], ...]] = (
    CredentialAdded,
    SecretExposedByIac,
    SecretStoreDestroyed,
)
