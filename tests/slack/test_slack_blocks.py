"""The Block Kit verdict: valid for slack_sdk's models, within Slack's limits, fallback text."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from reviewer.models import (
    Confidence,
    Decision,
    Finding,
    Intent,
    Location,
    RiskLevel,
    Severity,
)
from reviewer.parsers.reading import decode
from reviewer.render.slack_blocks import (
    ACTION_ACK,
    ACTION_APPROVE,
    ACTION_ESCALATE,
    ACTION_REPORT,
    MAX_BLOCKS,
    TOTAL_TEXT_BUDGET,
    block_text_length,
    verdict_message,
)
from reviewer.service import ReviewRequest, review
from reviewer.verdict.model import Coverage, CoverageError, LLMReport, Verdict
from tests.slack.harness import DROP_DIFF


def _validated(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Round-trip every block through slack_sdk's models (raises on any limit breach)."""
    out = []
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, raw
        out.append(block.to_dict())
    return out


def _real_verdict() -> Verdict:
    artifact = decode(DROP_DIFF.encode(), "change.diff")
    return review(ReviewRequest(artifacts=[artifact], title="Tidy up old tables"))


def test_real_verdict_has_header_fields_findings_buttons_and_context() -> None:
    verdict = _real_verdict()
    msg = verdict_message(verdict, review_id="rv_1", subject="acme/api#7",
                          link="https://github.com/acme/api/pull/7", commit="a" * 40)
    blocks = _validated(msg.blocks)
    types = [b["type"] for b in blocks]
    assert types[0] == "header"
    assert verdict.risk.value.upper() in blocks[0]["text"]["text"]
    assert "acme/api#7" in blocks[0]["text"]["text"]
    assert "actions" in types
    assert types[-1] == "context"
    actions = next(b for b in blocks if b["type"] == "actions")
    ids = [e["action_id"] for e in actions["elements"]]
    assert ids == [ACTION_ACK, ACTION_ESCALATE, ACTION_APPROVE, ACTION_REPORT]
    assert {e["value"] for e in actions["elements"]} == {"rv_1"}
    assert "confirm" in actions["elements"][0]
    fields = next(b for b in blocks if b.get("fields"))["fields"]
    assert any("*Decision*" in f["text"] for f in fields)
    assert any("*Blast radius*" in f["text"] for f in fields)
    joined = str(blocks)
    for finding in verdict.findings[:3]:
        assert finding.code in joined
    context = blocks[-1]["elements"][0]["text"]
    assert "commit `aaaaaaaaaaaa`" in context
    assert "detectors run" in context
    assert msg.text.startswith(verdict.risk.value.upper())
    assert not msg.truncated


def test_no_buttons_without_review_id_or_when_disabled() -> None:
    verdict = _real_verdict()
    for msg in (verdict_message(verdict), verdict_message(verdict, review_id="r", buttons=False)):
        assert all(b["type"] != "actions" for b in _validated(msg.blocks))
        assert msg.text


def test_status_line_is_shown_and_in_fallback() -> None:
    msg = verdict_message(_real_verdict(), review_id="r", status_line="Approved by <@U1>")
    blocks = _validated(msg.blocks)
    assert any(b["type"] == "context" and "Approved by <@U1>" in str(b) for b in blocks)
    assert "Approved by <@U1>" in msg.text


def _huge_verdict() -> Verdict:
    findings = [
        Finding(code=f"TF{i:03d}", name="stateful-resource-deleted", severity=Severity.CRITICAL,
                confidence=Confidence.HIGH, message="deletes <database> & data " + "x" * 900,
                location=Location(path=f"envs/prod/{'deep/' * 60}main.tf", line=i,
                                  address=f"aws_db_instance.db{i}"))
        for i in range(400)
    ]
    llm = LLMReport.model_validate({
        "status": "used", "reason": "model m answered",
        "stated_intent": "rename a tag " * 500, "observed_effect": "drops the db " * 500,
        "mismatches": [{"certainty": "high", "description": "says rename " * 100}] * 30,
    })
    return Verdict(
        risk=RiskLevel.CRITICAL, score=100, decision=Decision.BLOCK,
        summary="Critical: " + "very long summary " * 800,
        intent=Intent(title="t" * 500, ai_assisted=True, ai_assisted_reasons=("x" * 3000,)),
        findings=findings, llm=llm,
        escalations=["reason " * 300] * 20, requires_senior_approval=True,
        coverage=Coverage(errors=[CoverageError(path="p" * 3000, stage="parse",
                                                message="m" * 3000)] * 5,
                          detectors_run=[f"D{i}" for i in range(90)]),
    )


def test_huge_verdict_stays_within_slack_limits_and_is_marked_truncated() -> None:
    msg = verdict_message(_huge_verdict(), review_id="rv_big", subject="s" * 400,
                          link="https://github.com/acme/api/pull/1", commit="f" * 40,
                          status_line="Acknowledged by <@U1> " * 100)
    blocks = _validated(msg.blocks)
    assert msg.truncated
    assert len(blocks) <= MAX_BLOCKS
    assert block_text_length(blocks) <= TOTAL_TEXT_BUDGET
    assert len(msg.text) <= 3000
    assert msg.text.startswith("CRITICAL")
    assert any(b["type"] == "actions" for b in blocks)
    assert "more in the full report" in str(blocks)
    intent = next(b for b in blocks if "Intent vs effect" in str(b))
    assert intent["text"]["text"].endswith("…")


def test_mrkdwn_control_characters_are_escaped() -> None:
    verdict = _huge_verdict()
    msg = verdict_message(verdict.model_copy(update={"findings": verdict.findings[:1]}))
    text = str(msg.blocks)
    assert "&lt;database&gt; &amp; data" in text
    assert "<database>" not in text


@pytest.mark.parametrize("risk", list(RiskLevel))
def test_every_risk_level_renders(risk: RiskLevel) -> None:
    verdict = _real_verdict().model_copy(update={"risk": risk})
    msg = verdict_message(verdict, review_id="r")
    assert _validated(msg.blocks)[0]["text"]["text"].split()[1] == risk.value.upper()
