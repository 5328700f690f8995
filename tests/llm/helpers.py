"""Builders shared by the LLM tests: answers, settings, plans, judge inputs."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from reviewer.llm.judge import JudgeInput, JudgeSettings
from reviewer.models import RiskLevel
from reviewer.parsers import parse_artifact
from reviewer.parsers.base import Artifact
from reviewer.service import ReviewRequest, review


def answer(**overrides: Any) -> dict[str, Any]:
    """A schema-valid judge answer (as the model would send it)."""
    base: dict[str, Any] = {
        "stated_intent": "The author says this fixes rounding in the cost report.",
        "observed_effect": "The plan destroys the production database.",
        "mismatches": [],
        "rationale": "The findings show a stateful resource deleted.",
        "risk": "high",
        "questions": ["Is the database meant to be destroyed?"],
        "safer_path": "Split the rename into a moved block.",
    }
    base.update(overrides)
    return base


def answer_text(**overrides: Any) -> str:
    """:func:`answer` as JSON text."""
    return json.dumps(answer(**overrides))


def settings(**overrides: Any) -> JudgeSettings:
    """Settings for tests: mode openai, 2 s deadline, no cache, no recording."""
    base = JudgeSettings(mode="openai", model="test-model", timeout_s=2.0, base_url=None,
                         api_key="test-key", cache_path=None, record_dir=None,
                         replay_dir=None)
    return replace(base, **overrides)


def rc(address: str, rtype: str, actions: list[str], **change: Any) -> dict[str, Any]:
    """One ``resource_changes`` entry of a plan."""
    top: dict[str, Any] = {k: change.pop(k) for k in ("action_reason", "previous_address")
                           if k in change}
    body = {"actions": actions, "before": change.pop("before", None),
            "after": change.pop("after", None), **change}
    return {"address": address, "mode": "managed", "type": rtype,
            "name": address.rsplit(".", 1)[-1], "change": body, **top}


def plan_text(*changes: dict[str, Any]) -> str:
    """A Terraform plan JSON with ``changes``."""
    return json.dumps({"format_version": "1.2", "terraform_version": "1.9.8",
                       "resource_changes": list(changes)})


def review_input(artifacts: list[Artifact], *, title: str = "", description: str = "",
                 ai_assisted: bool = False) -> JudgeInput:
    """Run the real deterministic review and build the judge's input from it."""
    verdict = review(ReviewRequest(artifacts=artifacts, title=title, description=description,
                                   ai_assisted=ai_assisted))
    documents = [d for a in artifacts for d in parse_artifact(a).documents]
    return JudgeInput(intent=verdict.intent, findings=verdict.findings,
                      deterministic_risk=verdict.risk,
                      blast_radius=verdict.blast_radius.model_dump(), documents=documents)


DB_DELETE_PLAN = plan_text(rc(
    "aws_db_instance.main", "aws_db_instance", ["delete"],
    before={"identifier": "prod-db", "skip_final_snapshot": True,
            "deletion_protection": False}))


def db_delete_input(title: str = "Fix rounding in the cost report") -> JudgeInput:
    """A plan that destroys a production database, sold as a small fix (critical)."""
    inp = review_input([Artifact("plan.json", DB_DELETE_PLAN)], title=title)
    assert inp.deterministic_risk is RiskLevel.CRITICAL
    return inp
