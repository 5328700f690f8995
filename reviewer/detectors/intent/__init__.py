"""Detectors for the stated intent against the measured effect (codes INT…).

They run on the whole change (:class:`~reviewer.detectors.change.ChangeDocument`), after
the other detectors. ``DETECTORS`` is this family's part of the explicit registry.
"""

from __future__ import annotations

from typing import Any, Final

from reviewer.detectors.base import Detector
from reviewer.detectors.intent.int001_intent_omits_destruction import IntentOmitsDestruction
from reviewer.detectors.intent.int002_ai_assisted_high_risk import AiAssistedHighRisk

DETECTORS: Final[tuple[type[Detector[Any]], ...]] = (
    IntentOmitsDestruction,
    AiAssistedHighRisk,
)
