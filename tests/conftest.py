"""Shared test configuration."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from reviewer.llm import client as llm_client

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"

settings.register_profile(
    "default", deadline=None, max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("default")


@pytest.fixture
def fixtures_dir() -> Path:
    """The repository's fixtures/ folder."""
    return FIXTURES


_STRAY = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID",
          "REVIEWER_LLM", "REVIEWER_LLM_MODEL", "REVIEWER_LLM_TIMEOUT", "REVIEWER_CACHE_DIR",
          "REVIEWER_LLM_CACHE", "REVIEWER_LLM_RECORD_DIR", "REVIEWER_LLM_REPLAY_DIR",
          "REVIEWER_PROMPTS_DIR", "REVIEWER_LLM_WIRE", "REVIEWER_LLM_MAX_CONTEXT_TOKENS",
          "REVIEWER_LLM_MAX_OUTPUT_TOKENS")


@pytest.fixture(autouse=True)
def _no_real_llm_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reaches a real model: loopback servers only, no stray LLM environment.

    ``REVIEWER_ALLOW_LLM_REQUESTS=1`` switches the guard off for a deliberate live run.
    """
    allowed = os.environ.get("REVIEWER_ALLOW_LLM_REQUESTS") == "1"
    monkeypatch.setattr(llm_client, "ALLOW_LLM_REQUESTS", allowed)
    for name in _STRAY:
        monkeypatch.delenv(name, raising=False)
