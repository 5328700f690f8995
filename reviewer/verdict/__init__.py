"""The verdict: the one contract every surface (CLI, Slack, CI, evals) shares."""

from __future__ import annotations

from reviewer.verdict.model import (
    BlastRadius,
    Coverage,
    CoverageError,
    CoverageItem,
    LLMReport,
    SkippedItem,
    SuppressedFinding,
    Suppression,
    Verdict,
)

__all__ = [
    "BlastRadius",
    "Coverage",
    "CoverageError",
    "CoverageItem",
    "LLMReport",
    "SkippedItem",
    "SuppressedFinding",
    "Suppression",
    "Verdict",
]
