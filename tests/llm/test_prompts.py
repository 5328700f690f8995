"""Prompt templates: where they load from, strict rendering, and a snapshot of one prompt.

The snapshot makes prompt changes reviewable: a change to a template or to the context
builder shows up as a diff of ``snapshots/review.v1.prompt.txt``. Regenerate it with
``UPDATE_SNAPSHOTS=1 pytest tests/llm/test_prompts.py`` and review the diff; a change to a
released prompt version's templates also needs a new version (see ``prompts/README.md``).
"""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

import pytest

from reviewer.llm.errors import LLMPromptError
from reviewer.llm.fake import FakeLLMClient
from reviewer.llm.judge import JudgeInput, judge
from reviewer.llm.prompts import PROMPT_VERSION, find_prompts_dir, load_prompt, render
from reviewer.models import Confidence, Finding, Intent, Location, RiskLevel, Severity
from reviewer.parsers.diff import parse_diff
from reviewer.parsers.terraform_plan import parse_terraform_plan
from tests.llm.helpers import answer, plan_text, rc, settings

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = Path(__file__).parent / "snapshots" / f"{PROMPT_VERSION}.prompt.txt"


def test_templates_load_through_package_resources() -> None:
    folder = find_prompts_dir()
    assert str(folder) == str(resources.files("reviewer").joinpath("prompts"))
    prompt = load_prompt()
    assert prompt.version == PROMPT_VERSION
    assert "${boundary}" in prompt.system
    assert len(prompt.sha256) == 64


def test_package_prompts_are_the_repository_prompts() -> None:
    packaged = Path(str(resources.files("reviewer").joinpath("prompts")))
    assert packaged.resolve() == (ROOT / "prompts").resolve()


def test_every_template_variable_is_documented() -> None:
    readme = (ROOT / "prompts" / "README.md").read_text()
    prompt = load_prompt()
    for text in (prompt.system, prompt.user, prompt.reask):
        for name in re.findall(r"\$\{(\w+)\}", text):
            assert f"`{name}`" in readme, name


def test_render_is_strict() -> None:
    assert render("a ${x} $$ b", {"x": "1 ${y}"}) == "a 1 ${y} $ b"
    with pytest.raises(LLMPromptError, match="no value for x"):
        render("${x}", {})
    with pytest.raises(LLMPromptError, match="does not use y"):
        render("${x}", {"x": "1", "y": "2"})
    with pytest.raises(LLMPromptError, match="malformed"):
        render("costs $5", {})


def test_override_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for part in ("system", "user", "reask"):
        (tmp_path / f"{PROMPT_VERSION}.{part}.md").write_text(f"{part} ${{boundary}}")
    monkeypatch.setenv("REVIEWER_PROMPTS_DIR", str(tmp_path))
    assert load_prompt().system == "system ${boundary}"
    monkeypatch.setenv("REVIEWER_PROMPTS_DIR", str(tmp_path / "missing"))
    with pytest.raises(LLMPromptError, match="not found"):
        load_prompt()


def _snapshot_input() -> JudgeInput:
    diff = parse_diff(
        "diff --git a/src/cost.py b/src/cost.py\n--- a/src/cost.py\n+++ b/src/cost.py\n"
        "@@ -10,4 +10,4 @@ def total(items):\n     subtotal = sum(i.amount for i in items)\n"
        "-    return round(subtotal, 2)\n+    return subtotal.quantize(CENT, ROUND_HALF_EVEN)\n"
        "     # end\n", "change.diff")
    plan = parse_terraform_plan(plan_text(
        rc("aws_db_instance.ledger", "aws_db_instance", ["delete"],
           before={"identifier": "ledger-prod"}, action_reason="delete_because_no_module"),
        rc("aws_s3_bucket.reports", "aws_s3_bucket", ["update"],
           before={"versioning": True}, after={"versioning": False})), "plan.json")
    finding = Finding(
        code="TF001", name="stateful-resource-deleted", severity=Severity.CRITICAL,
        confidence=Confidence.HIGH,
        message="aws_db_instance.ledger (aws_db_instance) will be destroyed",
        location=Location(path="plan.json", address="aws_db_instance.ledger"),
        evidence="actions: ['delete']; skip_final_snapshot = true")
    return JudgeInput(
        intent=Intent(title="Fix rounding in the cost calculator",
                      description="Round half-even at the end of the aggregation."),
        findings=[finding], deterministic_risk=RiskLevel.CRITICAL,
        blast_radius={"resources_deleted": 1, "resources_changed": 1, "files_changed": 1,
                      "stateful_destroyed": ["aws_db_instance.ledger"], "environments": []},
        documents=[diff, plan])


def test_rendered_prompt_snapshot() -> None:
    fake = FakeLLMClient(lambda _r: answer())
    judge(_snapshot_input(), settings(), fake, boundary="0123456789abcdef01234567")
    request = fake.requests[0]
    rendered = "\n".join(f"===== {m.role} =====\n{m.content}" for m in request.messages)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(rendered + "\n", encoding="utf-8")
    assert SNAPSHOT.exists(), "run with UPDATE_SNAPSHOTS=1 to create the snapshot"
    assert rendered + "\n" == SNAPSHOT.read_text(encoding="utf-8")


def test_falls_back_to_the_repository_folder(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A checkout where the ``reviewer/prompts`` link is not materialised still works."""
    monkeypatch.setattr(resources, "files", lambda _pkg: tmp_path)
    assert Path(str(find_prompts_dir())).resolve() == (ROOT / "prompts").resolve()
