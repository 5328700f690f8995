"""Detectors for CloudFormation change sets (codes CFN…).

``DETECTORS`` is this family's part of the explicit registry, sorted by code.
"""

from __future__ import annotations

from typing import Any, Final

from reviewer.detectors.base import Detector
from reviewer.detectors.cloudformation.cfn001_stack_deletes_stateful_resource import (
    StackDeletesStatefulResource,
)
from reviewer.detectors.cloudformation.cfn002_stack_replaces_stateful_resource import (
    StackReplacesStatefulResource,
)
from reviewer.detectors.cloudformation.cfn003_stack_protection_weakened import (
    StackProtectionWeakened,
)
from reviewer.detectors.cloudformation.cfn004_unresolvable_stack_change import (
    UnresolvableStackChange,
)

DETECTORS: Final[tuple[type[Detector[Any]], ...]] = (
    StackDeletesStatefulResource,
    StackReplacesStatefulResource,
    StackProtectionWeakened,
    UnresolvableStackChange,
)
