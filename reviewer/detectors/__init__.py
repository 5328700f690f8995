"""Deterministic destructive-operation detectors and their explicit registry.

Each family package (``terraform``, ``sql``…) lists its detectors in an explicit
``DETECTORS`` tuple; ``ALL_DETECTORS`` joins them in a fixed family order. Importing this
package registers nothing by side effect.
"""

from __future__ import annotations

from typing import Any, Final

from reviewer.detectors.access import DETECTORS as _ACCESS
from reviewer.detectors.base import Detector
from reviewer.detectors.ci import DETECTORS as _CI
from reviewer.detectors.cloudformation import DETECTORS as _CLOUDFORMATION
from reviewer.detectors.code import DETECTORS as _CODE
from reviewer.detectors.config import DETECTORS as _CONFIG
from reviewer.detectors.injection import DETECTORS as _INJECTION
from reviewer.detectors.intent import DETECTORS as _INTENT
from reviewer.detectors.kubernetes import DETECTORS as _KUBERNETES
from reviewer.detectors.pulumi import DETECTORS as _PULUMI
from reviewer.detectors.secrets import DETECTORS as _SECRETS
from reviewer.detectors.shell import DETECTORS as _SHELL
from reviewer.detectors.sql import DETECTORS as _SQL
from reviewer.detectors.terraform import DETECTORS as _TERRAFORM

ALL_DETECTORS: Final[tuple[type[Detector[Any]], ...]] = (
    *_TERRAFORM,
    *_CLOUDFORMATION,
    *_PULUMI,
    *_KUBERNETES,
    *_SQL,
    *_SHELL,
    *_CI,
    *_CONFIG,
    *_SECRETS,
    *_ACCESS,
    *_CODE,
    *_INJECTION,
    *_INTENT,
)

__all__ = ["ALL_DETECTORS", "Detector"]
