"""Detectors for CI/CD workflows (codes CI…).

``DETECTORS`` is this family's part of the explicit registry, sorted by code.
"""

from __future__ import annotations

from typing import Any, Final

from reviewer.detectors.base import Detector
from reviewer.detectors.ci.ci001_safety_gate_weakened import SafetyGateWeakened
from reviewer.detectors.ci.ci002_privileged_trigger_untrusted_code import (
    PrivilegedTriggerUntrustedCode,
)
from reviewer.detectors.ci.ci003_token_scope_broadened import TokenScopeBroadened
from reviewer.detectors.ci.ci004_template_injection import TemplateInjection
from reviewer.detectors.ci.ci005_unpinned_dependency import UnpinnedDependency
from reviewer.detectors.ci.ci006_tests_with_production_credentials import (
    ProductionCredentialsInTests,
)

DETECTORS: Final[tuple[type[Detector[Any]], ...]] = (
    SafetyGateWeakened,
    PrivilegedTriggerUntrustedCode,
    TokenScopeBroadened,
    TemplateInjection,
    UnpinnedDependency,
    ProductionCredentialsInTests,
)
