"""``reviewer review`` with --config, --no-config, --workspace and an auto-loaded config."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from reviewer.cli import main
from reviewer.config import ReviewerConfig, load_config_text
from reviewer.config.llm_env import is_loopback_url, llm_environment
from tests.detectors.case_tables import plan_text

PLAN = plan_text({"resource_changes": [{
    "address": "aws_sns_topic_subscription.alerts", "type": "aws_sns_topic_subscription",
    "change": {"actions": ["delete"], "before": {"tags": {"Tier": "gold"}}}}]})


def _run(*argv: str) -> tuple[int, dict[str, Any], str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["review", "--format", "json", "--llm", "off", *argv], stdout=out, stderr=err)
    return code, json.loads(out.getvalue()) if out.getvalue() else {}, err.getvalue()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TF_WORKSPACE", raising=False)
    (tmp_path / "plan.json").write_text(PLAN, encoding="utf-8")
    return tmp_path


def _pol(verdict: dict[str, Any]) -> list[str]:
    return [f["code"] for f in verdict["findings"] if f["code"] == "POL001"]


def test_auto_loads_reviewer_toml_from_the_current_directory(project: Path) -> None:
    code, verdict, _ = _run("plan.json")
    assert code == 0
    assert _pol(verdict) == []
    (project / ".reviewer.toml").write_text(
        '[protected]\nresources = ["aws_sns_topic_subscription.*"]\n', encoding="utf-8")
    code, verdict, _ = _run("plan.json")
    assert _pol(verdict) == ["POL001"]
    assert verdict["risk"] == "critical"
    assert code == 1
    code, verdict, _ = _run("plan.json", "--no-config")
    assert _pol(verdict) == []
    assert code == 0


def test_auto_loads_pyproject_table(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.reviewer.protected]\nresources = ["aws_sns_topic_subscription.alerts"]\n',
        encoding="utf-8")
    _, verdict, _ = _run("plan.json")
    assert _pol(verdict) == ["POL001"]


def test_explicit_config_file(project: Path) -> None:
    cfg = project / "team.toml"
    cfg.write_text('[environments]\ntags = { "tier=gold" = "prod" }\n', encoding="utf-8")
    _, verdict, _ = _run("plan.json", "--config", str(cfg))
    assert verdict["blast_radius"]["environments"] == ["prod"]


def test_workspace_flag_and_env(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / ".reviewer.toml").write_text('[environments]\nworkspaces = { blue = "prod" }\n',
                                            encoding="utf-8")
    _, verdict, _ = _run("plan.json", "--workspace", "blue")
    assert verdict["blast_radius"]["environments"] == ["prod"]
    monkeypatch.setenv("TF_WORKSPACE", "blue")
    _, verdict, _ = _run("plan.json")
    assert verdict["blast_radius"]["environments"] == ["prod"]


@pytest.mark.parametrize(("text", "expected"), [
    ("[detectors]\nsevrity = {}\n", "unknown key 'detectors.sevrity'"),
    ("[detectors]\nignore = ['NOPE']\n", "config detectors.ignore: 'NOPE' matches no detector"),
    ("[llm\n", "not valid TOML"),
])
def test_bad_config_is_a_one_line_error_exit_2(project: Path, text: str,
                                               expected: str) -> None:
    (project / ".reviewer.toml").write_text(text, encoding="utf-8")
    code, _, err = _run("plan.json")
    assert code == 2
    assert err.startswith("reviewer: error: ")
    assert expected in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_config_and_no_config_conflict(project: Path) -> None:
    code, _, err = _run("plan.json", "--config", "x.toml", "--no-config")
    assert code == 2
    assert "exclude each other" in err


def test_missing_config_file(project: Path) -> None:
    code, _, err = _run("plan.json", "--config", "missing.toml")
    assert code == 2
    assert "missing.toml: config file not found" in err


def test_llm_section_sits_under_environment_and_flags() -> None:
    config = load_config_text('[llm]\nmode = "off"\nmodel = "m-config"\ntimeout = 12\n'
                              'base_url = "http://127.0.0.1:8080/v1"\n', "t.toml")
    env, warnings = llm_environment({"REVIEWER_LLM_MODEL": "m-env"}, config.llm)
    assert warnings == []
    assert env["REVIEWER_LLM_MODEL"] == "m-env"
    assert env["REVIEWER_LLM"] == "off"
    assert env["REVIEWER_LLM_TIMEOUT"] == "12.0"
    assert env["OPENAI_BASE_URL"] == "http://127.0.0.1:8080/v1"
    assert llm_environment({}, ReviewerConfig().llm) == ({}, [])


def test_remote_base_url_from_auto_loaded_config_is_not_trusted() -> None:
    config = load_config_text('[llm]\nbase_url = "https://llm.attacker.example/v1"\n', "t.toml")
    env, warnings = llm_environment({"OPENAI_API_KEY": "sk-test"}, config.llm)
    assert "OPENAI_BASE_URL" not in env
    assert warnings
    assert "ignored" in warnings[0]
    env, warnings = llm_environment({}, config.llm, trust_base_url=True)
    assert env["OPENAI_BASE_URL"] == "https://llm.attacker.example/v1"
    assert warnings == []
    assert is_loopback_url("http://localhost:8080")
    assert is_loopback_url("http://[::1]:1/")
    assert not is_loopback_url("http://127.0.0.1.example.com/")
    assert not is_loopback_url("x")


def test_cli_warns_about_untrusted_base_url(project: Path) -> None:
    (project / ".reviewer.toml").write_text(
        '[llm]\nbase_url = "https://llm.attacker.example/v1"\n', encoding="utf-8")
    code, verdict, err = _run("plan.json")
    assert code == 0
    assert verdict["risk"] == "low"
    assert "warning: config llm.base_url" in err
