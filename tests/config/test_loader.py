"""Reading .reviewer.toml / [tool.reviewer]: values, unknown keys, wrong types, junk input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewer.config import ReviewerConfig, load_config, load_config_file, load_config_text
from reviewer.errors import ConfigError
from reviewer.models import Environment, Severity

FULL = """
[detectors]
select = ["tf", "SQL"]
ignore = ["SEC003"]
severity = { tf010 = "HIGH" }

[paths]
ignore = ["docs/**", "vendor/**"]

[protected]
resources = ["aws_db_instance.billing*", "module.core.*"]

[environments]
workspaces = { production = "prod", stg = "staging" }
paths = { "envs/prod/**" = "production" }
tags = { "Environment=live" = "prod" }

[approvals]
senior_approvers = ["U012ABCDEF", "octocat"]
senior_group = "S0SENIORS"
review_channel = "C0REVIEWS"

[ai_assisted]
policy = "flag"
agents = ["acme-bot"]

[llm]
mode = "off"
model = "gpt-4.1-mini"
timeout = 30
"""


def test_full_config_is_parsed_and_normalised() -> None:
    config = load_config_text(FULL, ".reviewer.toml")
    assert config.detectors.select == ["TF", "SQL"]
    assert config.detectors.severity == {"TF010": Severity.HIGH}
    assert config.environments.paths == {"envs/prod/**": Environment.PROD}
    assert config.environments.workspaces["stg"] is Environment.STAGING
    assert config.approvals.senior_approvers == ["U012ABCDEF", "octocat"]
    assert config.ai_assisted.policy == "flag"
    assert config.ai_assisted.agents == ["acme-bot"]
    assert config.llm.timeout == 30.0
    assert config.llm.mode == "off"


def test_pyproject_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.reviewer.paths]\nignore = ["docs/**"]\n',
        encoding="utf-8")
    config, source = load_config(tmp_path)
    assert source == str(tmp_path / "pyproject.toml")
    assert config.paths.ignore == ["docs/**"]
    assert load_config_file(tmp_path / "pyproject.toml") == config


def test_reviewer_toml_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.reviewer.paths]\nignore = ["a/**"]\n',
                                             encoding="utf-8")
    (tmp_path / ".reviewer.toml").write_text('[paths]\nignore = ["b/**"]\n', encoding="utf-8")
    config, source = load_config(tmp_path)
    assert config.paths.ignore == ["b/**"]
    assert source is not None
    assert source.endswith(".reviewer.toml")


def test_no_config_gives_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert load_config(tmp_path) == (ReviewerConfig(), None)


def test_missing_explicit_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config_file(tmp_path / "nope.toml")


@pytest.mark.parametrize(("text", "expected"), [
    ("[detectors]\nsevrity = {}\n", "unknown key 'detectors.sevrity'"),
    ("colour = 1\n", "unknown key 'colour'"),
    ("[protected]\nresource = []\n", "unknown key 'protected.resource'"),
    ("[llm]\napi_key = 'sk-x'\n", "unknown key 'llm.api_key'"),
    ("[ai_assisted]\npolicy = 'sometimes'\n", "ai_assisted.policy:"),
    ("[detectors]\nselect = 'TF'\n", "detectors.select: Input should be a valid list"),
    ("[detectors]\nseverity = { TF001 = 'catastrophic' }\n", "detectors.severity.TF001:"),
    ("[paths]\nignore = [1]\n", "paths.ignore.0:"),
    ("[paths]\nignore = ['']\n", "paths.ignore.0:"),
    ("[llm]\ntimeout = -1\n", "llm.timeout: Input should be greater than 0"),
    ("[environments]\nworkspaces = { prod = 'moon' }\n", "environments.workspaces.prod:"),
    ("detectors = 3\n", "detectors:"),
    ("[detectors\n", "not valid TOML"),
])
def test_bad_config_names_the_key(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config_text(text, "repo/.reviewer.toml")
    message = str(info.value)
    assert message.startswith("repo/.reviewer.toml: ")
    assert expected in message
    assert "\n" not in message


def test_pyproject_tool_reviewer_not_a_table() -> None:
    with pytest.raises(ConfigError, match=r"\[tool.reviewer\] must be a table"):
        load_config_text('[tool]\nreviewer = "yes"\n', "pyproject.toml", pyproject=True)


_KEYS = st.sampled_from(["detectors", "paths", "protected", "environments", "approvals",
                         "ai_assisted", "llm", "select", "ignore", "severity", "policy",
                         "timeout", "resources", "workspaces", "x"])
_SCALARS = st.one_of(st.integers(), st.booleans(), st.text(max_size=8),
                     st.floats(allow_nan=True))


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float) and value != value:
        return "nan"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    return repr(value)


def _outcome(text: str, source: str, pyproject: bool) -> str | None:
    """None when the text is a valid config; the ConfigError message otherwise."""
    try:
        config = load_config_text(text, source, pyproject=pyproject)
    except ConfigError as exc:
        return str(exc)
    assert isinstance(config, ReviewerConfig)
    return None


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(max_size=200))
def test_random_text_never_raises_anything_but_config_error(text: str) -> None:
    for source, pyproject in (("fuzz.toml", False), ("pyproject.toml", True)):
        message = _outcome(text, source, pyproject)
        assert message is None or message.startswith(f"{source}: ")
        assert message is None or "\n" not in message


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.tuples(_KEYS, _KEYS, st.one_of(_SCALARS, st.lists(_SCALARS, max_size=3))),
                max_size=6))
def test_structured_junk_gives_config_error_or_a_config(
        rows: list[tuple[str, str, object]]) -> None:
    lines: list[str] = []
    for table, key, value in rows:
        rendered = ("[" + ", ".join(_toml_value(v) for v in value) + "]"
                    if isinstance(value, list) else _toml_value(value))
        lines += [f"[{table}]", f"{key} = {rendered}"]
    message = _outcome("\n".join(lines), "junk.toml", False)
    assert message is None or message.startswith("junk.toml: ")
    assert message is None or "\n" not in message


def test_deeply_nested_toml_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        load_config_text("x = " + "[" * 5000 + "]" * 5000, "deep.toml")
