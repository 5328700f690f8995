"""What each config section does to a real review (ReviewRequest.config)."""

from __future__ import annotations

import pytest

from reviewer.config import ReviewerConfig, load_config_text
from reviewer.config.globs import match_address, match_path
from reviewer.errors import ConfigError
from reviewer.models import Environment, RiskLevel, Severity
from reviewer.parsers.base import Artifact
from reviewer.service import ReviewRequest, review
from reviewer.verdict.model import Verdict
from tests.detectors.case_tables import plan_text

MIGRATION = """\
diff --git a/db/migrations/V7__drop.sql b/db/migrations/V7__drop.sql
new file mode 100644
--- /dev/null
+++ b/db/migrations/V7__drop.sql
@@ -0,0 +1,1 @@
+DROP TABLE legacy_invoices;
diff --git a/docs/runbook.md b/docs/runbook.md
--- a/docs/runbook.md
+++ b/docs/runbook.md
@@ -1,1 +1,2 @@
 # Runbook
+Drop the legacy invoices table.
"""


def _cfg(text: str) -> ReviewerConfig:
    return load_config_text(text, "test.toml")


def _review(text: str, config: ReviewerConfig | None, path: str = "change.diff",
            **kwargs: object) -> Verdict:
    return review(ReviewRequest(artifacts=[Artifact(path, text)], config=config,
                                **kwargs))  # type: ignore[arg-type]


def _codes(verdict: Verdict) -> set[str]:
    return {f.code for f in verdict.findings}


def test_defaults_change_nothing() -> None:
    assert _review(MIGRATION, None).model_dump(exclude={"coverage"}) == \
        _review(MIGRATION, ReviewerConfig()).model_dump(exclude={"coverage"})


def test_detector_ignore_by_code_and_prefix() -> None:
    assert {"SQL002", "SQL011"} <= _codes(_review(MIGRATION, None))
    by_code = _review(MIGRATION, _cfg('[detectors]\nignore = ["sql002"]\n'))
    assert "SQL002" not in _codes(by_code)
    assert "SQL011" in _codes(by_code)
    assert "SQL002" not in by_code.coverage.detectors_run
    by_prefix = _review(MIGRATION, _cfg('[detectors]\nignore = ["SQL"]\n'))
    assert not any(c.startswith("SQL") for c in _codes(by_prefix))


def test_detector_select_and_flags_win() -> None:
    verdict = _review(MIGRATION, _cfg('[detectors]\nselect = ["SQL002"]\n'))
    # CFG005 guards the settings themselves: a configuration cannot switch it off.
    assert verdict.coverage.detectors_run == ["CFG005", "SQL002"]
    flags = review(ReviewRequest(artifacts=[Artifact("change.diff", MIGRATION)],
                                 include=["SQL011"],
                                 config=_cfg('[detectors]\nselect = ["SQL002"]\n')))
    assert flags.coverage.detectors_run == ["SQL011"]


@pytest.mark.parametrize(("text", "key"), [
    ('[detectors]\nselect = ["NOPE"]\n', "detectors.select"),
    ('[detectors]\nignore = ["ZZ9"]\n', "detectors.ignore"),
    ('[detectors]\nseverity = { TF999 = "low" }\n', "detectors.severity"),
])
def test_selector_matching_no_detector_is_a_config_error(text: str, key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        _review(MIGRATION, _cfg(text))


def test_severity_override_changes_risk_and_is_recorded() -> None:
    verdict = _review(MIGRATION, _cfg('[detectors]\nseverity = { SQL002 = "low" }\n'))
    [finding] = [f for f in verdict.findings if f.code == "SQL002"]
    assert finding.severity is Severity.LOW
    assert verdict.risk is RiskLevel.MEDIUM  # SQL011 stays medium
    assert any("severity of SQL002 set to low (detector said critical)" in n
               for n in verdict.coverage.notes)
    raised = _review(MIGRATION, _cfg('[detectors]\nseverity = { SQL011 = "critical" }\n'))
    assert {f.severity for f in raised.findings if f.code == "SQL011"} == {Severity.CRITICAL}


def test_ignored_paths_are_skipped_with_the_pattern() -> None:
    verdict = _review(MIGRATION, _cfg('[paths]\nignore = ["db/migrations/**", "*.md"]\n'))
    assert not any(c.startswith("SQL") for c in _codes(verdict))
    skipped = {(s.path, s.reason) for s in verdict.coverage.skipped}
    assert ("db/migrations/V7__drop.sql", "ignored by config (db/migrations/**)") in skipped
    assert ("docs/runbook.md", "ignored by config (*.md)") in skipped
    assert verdict.blast_radius.files_added == 0
    assert not any(a.path == "db/migrations/V7__drop.sql" for a in verdict.coverage.analysed)


def test_ignored_path_hides_its_suppression_markers_too() -> None:
    diff = MIGRATION.replace("+DROP TABLE", "+-- reviewer: allow[SQL002] archived\n+DROP TABLE")
    diff = diff.replace("@@ -0,0 +1,1 @@", "@@ -0,0 +1,2 @@")
    verdict = _review(diff, _cfg('[paths]\nignore = ["db/**"]\n'))
    assert verdict.unused_suppressions == []
    assert verdict.suppressed == []


def _tagged_plan(tags: dict[str, str], address: str = "aws_instance.web") -> str:
    return plan_text({"resource_changes": [{
        "address": address, "type": "aws_instance",
        "change": {"actions": ["update"], "before": {"tags": tags},
                   "after": {"tags": {**tags, "Owner": "ops"}}}}]})


def test_environment_from_tag_mapping() -> None:
    plan = _tagged_plan({"Tier": "gold"})
    assert _review(plan, None, "plan.json").blast_radius.environments == []
    verdict = _review(plan, _cfg('[environments]\ntags = { "tier=gold" = "prod" }\n'),
                      "plan.json")
    assert verdict.blast_radius.environments == [Environment.PROD]
    by_value = _review(plan, _cfg('[environments]\ntags = { gold = "staging" }\n'), "plan.json")
    assert by_value.blast_radius.environments == [Environment.STAGING]


def test_environment_from_workspace() -> None:
    plan = _tagged_plan({"Tier": "gold"})
    config = _cfg('[environments]\nworkspaces = { blue = "prod" }\n')
    assert _review(plan, config, "plan.json", workspace="blue").blast_radius.environments == \
        [Environment.PROD]
    assert _review(plan, config, "plan.json", workspace="green").blast_radius.environments \
        == []
    # An unmapped workspace is still read for environment words.
    assert _review(plan, config, "plan.json",
                   workspace="staging-eu").blast_radius.environments == [Environment.STAGING]


def test_environment_from_path_mapping_escalates_destruction() -> None:
    diff = MIGRATION.replace("db/migrations/V7__drop.sql", "svc/eu1/schema.sql")
    plain = _review(diff, None)
    mapped = _review(diff, _cfg('[environments]\npaths = { "svc/eu1/**" = "prod" }\n'))
    assert Environment.PROD not in plain.blast_radius.environments
    assert mapped.blast_radius.environments == [Environment.PROD]
    assert mapped.score >= plain.score


_AI_COMMIT = """\
From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001
From: Dev <dev@example.com>
Date: Wed, 14 Aug 2024 09:30:00 +0000
Subject: [PATCH] Drop legacy invoices

Co-authored-by: acme-bot <bot@acme.example>
---
 db/migrations/V7__drop.sql | 1 +
 1 file changed, 1 insertion(+)

""" + MIGRATION.split("diff --git a/docs")[0] + "-- \n2.45.0\n"


def test_custom_agent_marks_ai_assistance_and_policies() -> None:
    plain = _review(_AI_COMMIT, None, "change.patch")
    assert not plain.intent.ai_assisted
    senior = _review(_AI_COMMIT, _cfg('[ai_assisted]\nagents = ["acme-bot"]\n'), "change.patch")
    assert senior.intent.ai_assisted
    assert senior.risk >= RiskLevel.HIGH
    assert senior.requires_senior_approval
    flag = _review(_AI_COMMIT, _cfg('[ai_assisted]\npolicy = "flag"\nagents = ["acme-bot"]\n'),
                   "change.patch")
    assert flag.intent.ai_assisted
    assert not flag.requires_senior_approval
    off = _review(_AI_COMMIT, _cfg('[ai_assisted]\npolicy = "off"\nagents = ["acme-bot"]\n'),
                  "change.patch", ai_assisted=True)
    assert not off.intent.ai_assisted
    assert not off.requires_senior_approval
    assert any("policy is off" in n for n in off.coverage.notes)


@pytest.mark.parametrize(("labels", "ai"), [
    (["ai-assisted"], True), (["AI generated"], True), (["copilot"], True),
    (["agent"], True), (["bug", "db"], False), (["aid"], False),
])
def test_pull_request_labels(labels: list[str], ai: bool) -> None:
    verdict = _review(MIGRATION, None, labels=labels)
    assert verdict.intent.ai_assisted is ai
    if ai:
        assert any("label" in r for r in verdict.intent.ai_assisted_reasons)
        assert verdict.requires_senior_approval


def test_globs() -> None:
    assert match_path("docs/a/b.md", "docs/**")
    assert not match_path("docsx/a.md", "docs/**")
    assert match_path("x/y/z.md", "*.md")
    assert not match_path("x/y/z.mdx", "*.md")
    assert match_path("vendor/lib/a.go", "vendor")
    assert match_path("a/generated/b.py", "**/generated/*.py")
    assert not match_path("a/generated/c/b.py", "**/generated/*.py")
    assert not match_path("src/docs/a.md", "/docs/**")
    assert match_path("./envs/prod/main.tf", "envs/prod/**")
    assert match_path("f1.txt", "f[0-9].txt")
    assert not match_path("fx.txt", "f[0-9].txt")
    assert match_address("module.core.aws_db_instance.main", "module.core.*")
    assert match_address("aws_db_instance.billing_eu", "aws_db_instance.billing*")
    assert not match_address("aws_db_instance.orders", "aws_db_instance.billing*")


def test_config_cannot_switch_off_the_config_change_guard() -> None:
    """A base branch's settings that select only TF still report a change to the settings."""
    from reviewer.parsers.reading import decode

    diff = (
        "diff --git a/.reviewer.toml b/.reviewer.toml\n"
        "index 1111111..2222222 100644\n"
        "--- a/.reviewer.toml\n"
        "+++ b/.reviewer.toml\n"
        "@@ -1,2 +1,2 @@\n"
        " [detectors]\n"
        "-ignore = []\n"
        "+ignore = [\"TF\"]\n"
    )
    config = load_config_text('[detectors]\nselect = ["TF"]\nignore = ["CFG"]\n', "base")
    verdict = review(ReviewRequest(artifacts=[decode(diff.encode(), "pr.diff")], config=config))
    assert "CFG005" in {f.code for f in verdict.findings}
    assert "CFG005" in verdict.coverage.detectors_run
    by_hand = review(ReviewRequest(artifacts=[decode(diff.encode(), "pr.diff")], config=config,
                                   exclude=["CFG005"]))
    assert "CFG005" not in {f.code for f in by_hand.findings}
