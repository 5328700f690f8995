"""Detectors for prompt injection and AI-agent permission bypass (codes PI…).

``DETECTORS`` is this family's part of the explicit registry, sorted by code.
"""

from __future__ import annotations

from typing import Any, Final

from reviewer.detectors.base import Detector
from reviewer.detectors.injection.pi001_prompt_injection_text import PromptInjectionText
from reviewer.detectors.injection.pi002_agent_permission_bypass import AgentPermissionBypass

DETECTORS: Final[tuple[type[Detector[Any]], ...]] = (
    PromptInjectionText,
    AgentPermissionBypass,
)
