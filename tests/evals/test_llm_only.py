"""The LLM-only baseline: the judge alone, against a fake OpenAI server on loopback and
from replayed recordings."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from reviewer.cli import main
from reviewer.evals.baselines import llm_only_baseline
from reviewer.evals.runner import CaseResult
from reviewer.models import RiskLevel
from tests.llm.fakeserver import Reply, completion, serve
from tests.llm.helpers import answer_text


@pytest.fixture
def llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REVIEWER_LLM", "REVIEWER_LLM_RECORD_DIR", "REVIEWER_LLM_REPLAY_DIR",
                 "OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REVIEWER_LLM_CACHE", "off")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")


def _prompt(body: dict[str, Any]) -> str:
    return "\n".join(str(m.get("content", "")) for m in body.get("messages", []))


def _script(body: dict[str, Any]) -> Reply:
    """Critical when the judge is shown findings (TF001 in the prompt), medium otherwise."""
    risk = "critical" if "TF001" in _prompt(body) else "medium"
    return Reply(body=completion(answer_text(risk=risk)))


def _eval(args: list[str]) -> dict[str, Any]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["eval", "--format", "json", *args], stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


def test_llm_only_baseline_with_a_model_then_replayed(cases_dir: Path, tmp_path: Path,
                                                      llm_env: None,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    record = tmp_path / "recordings"
    with serve(_script) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        live = _eval(["--cases", str(cases_dir), "--llm", "openai", "--record", str(record)])
        prompts = [_prompt(b) for b in server.requests]
    # two cases, each judged with findings (the review) and without (the baseline)
    assert len(prompts) == 4
    assert sum("TF001" in p for p in prompts) == 2
    cases = {c["id"]: c for c in live["cases"]}
    assert cases["cost-env-recreate"]["llm_only_risk"] == "medium"
    assert cases["benign-delete-empty-dev-bucket"]["llm_only_status"] == "used"
    base = {b["name"]: b for b in live["baselines"]}["llm-only"]
    assert base["installed"]
    assert base["cases_run"] == 2
    # the incident needs critical: medium alone misses it; the benign bound is medium: held
    assert (base["incidents"], base["incidents_flagged"]) == (1, 0)
    assert (base["benign"], base["benign_flagged"]) == (1, 0)

    monkeypatch.delenv("OPENAI_BASE_URL")
    replayed = _eval(["--cases", str(cases_dir), "--llm", "replay", "--replay-dir", str(record)])
    assert [(c["id"], c["risk"], c["llm_only_risk"]) for c in replayed["cases"]] == \
        [(c["id"], c["risk"], c["llm_only_risk"]) for c in live["cases"]]
    assert {b["name"]: b for b in replayed["baselines"]}["llm-only"] == base


def test_llm_only_text_line_and_unanswered_cases(cases_dir: Path, llm_env: None,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    with serve(lambda body: Reply(status=400, body={"error": {"message": "bad model"}})) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        out, err = io.StringIO(), io.StringIO()
        code = main(["eval", "--cases", str(cases_dir), "--llm", "openai"], stdout=out,
                    stderr=err)
    assert code == 0, err.getvalue()
    line = next(ln for ln in out.getvalue().splitlines() if ln.startswith("LLM-only baseline"))
    assert "no answer on 2 case(s)" in line


def test_llm_only_baseline_not_run_and_bounds() -> None:
    def result(kind: str, risk: RiskLevel | None, status: str = "used") -> CaseResult:
        return CaseResult(id=f"{kind}-{risk}", kind=kind, category="script", title="t",
                          expected="", risk=RiskLevel.LOW, score=0, decision="approve",
                          passed=True, min_risk=RiskLevel.HIGH if kind == "incident" else None,
                          max_risk=RiskLevel.MEDIUM if kind == "benign" else None,
                          llm_only_risk=risk, llm_only_status=status)

    off = llm_only_baseline([result("incident", None, status="")])
    assert not off.installed
    assert off.note == "not run (no model configured)"
    on = llm_only_baseline([result("incident", RiskLevel.HIGH),
                            result("incident", RiskLevel.MEDIUM),
                            result("benign", RiskLevel.HIGH), result("benign", RiskLevel.LOW)])
    assert on.incident_catch_rate == 0.5
    assert on.benign_false_alarm_rate == 0.5
