"""In-change suppressions (``reviewer: allow[CODE] <reason>``) through the whole review."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reviewer.config import ReviewerConfig, load_config_text
from reviewer.models import RiskLevel
from reviewer.parsers import parse_artifact
from reviewer.parsers.base import Artifact
from reviewer.render import render_json, render_markdown, render_terminal
from reviewer.service import ReviewRequest, review
from reviewer.verdict.model import Verdict
from reviewer.verdict.suppressions import collect_suppressions
from tests.detectors.case_tables import plan_text

ROOT = Path(__file__).resolve().parents[2]


def _migration_diff(marker: str, *, blank_lines: int = 0) -> str:
    body = [marker] if marker else []
    body += [""] * blank_lines
    body += ["DROP TABLE legacy_invoices;"]
    lines = "\n".join(f"+{line}" for line in body)
    return ("diff --git a/db/migrations/V7__drop.sql b/db/migrations/V7__drop.sql\n"
            "new file mode 100644\n--- /dev/null\n+++ b/db/migrations/V7__drop.sql\n"
            f"@@ -0,0 +1,{len(body)} @@\n{lines}\n")


def _review(text: str, path: str = "change.diff", config: ReviewerConfig | None = None,
            **kwargs: Any) -> Verdict:
    return review(ReviewRequest(artifacts=[Artifact(path, text)], config=config, **kwargs))


def test_reasoned_marker_suppresses_and_keeps_the_finding_visible() -> None:
    plain = _review(_migration_diff("SET lock_timeout = '5s';"))
    assert plain.risk is RiskLevel.CRITICAL
    assert "SQL002" in {f.code for f in plain.findings}

    marked = _review(_migration_diff(
        "-- reviewer: allow[SQL002] table emptied and archived in RFC-12"))
    assert "SQL002" not in {f.code for f in marked.findings}
    [item] = [s for s in marked.suppressed if s.finding.code == "SQL002"]
    assert item.reason == "table emptied and archived in RFC-12"
    assert item.suppression.path == "db/migrations/V7__drop.sql"
    assert item.suppression.line == 1
    assert item.finding.severity.value == "critical"
    assert marked.risk < RiskLevel.CRITICAL
    assert marked.unused_suppressions == []
    assert marked.rejected_suppressions == []


def test_marker_without_reason_is_rejected_and_suppresses_nothing() -> None:
    verdict = _review(_migration_diff("-- reviewer: allow[SQL002]"))
    assert verdict.risk is RiskLevel.CRITICAL
    assert "SQL002" in {f.code for f in verdict.findings}
    assert verdict.suppressed == []
    [rejected] = verdict.rejected_suppressions
    assert rejected.code == "SQL002"
    assert "no reason" in rejected.problem
    assert any("suppression rejected" in note and "SQL002" in note
               for note in verdict.coverage.notes)


def test_too_short_reason_is_rejected() -> None:
    verdict = _review(_migration_diff("-- reviewer: allow[SQL002] ok"))
    assert verdict.rejected_suppressions
    assert not verdict.suppressed


def test_unused_marker_is_reported() -> None:
    verdict = _review(_migration_diff("-- reviewer: allow[SQL005] no backfill is needed here"))
    assert "SQL002" in {f.code for f in verdict.findings}
    [unused] = verdict.unused_suppressions
    assert unused.code == "SQL005"
    assert unused.problem == "matched no finding"


def test_marker_too_far_from_the_finding_does_not_apply() -> None:
    verdict = _review(_migration_diff("-- reviewer: allow[SQL002] archived in RFC-12",
                                      blank_lines=8))
    assert "SQL002" in {f.code for f in verdict.findings}
    assert [s.code for s in verdict.unused_suppressions] == ["SQL002"]


def test_marker_in_context_or_removed_line_is_not_read() -> None:
    diff = ("diff --git a/db/m.sql b/db/m.sql\n--- a/db/m.sql\n+++ b/db/m.sql\n"
            "@@ -1,2 +1,2 @@\n -- reviewer: allow[SQL002] archived in RFC-12\n"
            "--- reviewer: allow[SQL011] old reason here\n+DROP TABLE legacy_invoices;\n")
    doc = parse_artifact(Artifact("change.diff", diff)).documents
    assert collect_suppressions(doc) == []


@pytest.mark.parametrize(("line", "codes", "reason"), [
    ("# reviewer: allow[TF001] decommissioned, snapshot in INC-7", ["TF001"],
     "decommissioned, snapshot in INC-7"),
    ("// reviewer: allow[CODE001,CODE002] feature flag guards it", ["CODE001", "CODE002"],
     "feature flag guards it"),
    ("/* reviewer: allow[SEC001] test fixture key, revoked */", ["SEC001"],
     "test fixture key, revoked"),
    ("-- Reviewer: Allow[sql002] - archived in RFC-12", ["SQL002"], "archived in RFC-12"),
    ("<!-- reviewer: allow[CI001] pinned by digest below -->", ["CI001"],
     "pinned by digest below"),
    ('  tags = { Note = "reviewer: allow[TF010] public by design" }', ["TF010"],
     "public by design"),
])
def test_comment_styles(line: str, codes: list[str], reason: str) -> None:
    diff = (f"diff --git a/x.txt b/x.txt\n--- a/x.txt\n+++ b/x.txt\n@@ -1,1 +1,2 @@\n"
            f" keep\n+{line}\n")
    found = collect_suppressions(parse_artifact(Artifact("change.diff", diff)).documents)
    assert [s.code for s in found] == codes
    assert {s.reason for s in found} == {reason}
    assert all(s.line == 2 and s.path == "x.txt" and not s.problem for s in found)


def test_bad_code_in_marker_is_rejected() -> None:
    diff = ("diff --git a/x.txt b/x.txt\n--- a/x.txt\n+++ b/x.txt\n@@ -1,1 +1,2 @@\n"
            " keep\n+# reviewer: allow[everything] because I said so\n")
    [found] = collect_suppressions(parse_artifact(Artifact("change.diff", diff)).documents)
    assert "not a detector code" in found.problem


def _db_plan(tags: dict[str, str], *, key: str = "tags") -> str:
    return plan_text({"resource_changes": [{
        "address": "aws_db_instance.billing", "type": "aws_db_instance",
        "change": {"actions": ["delete"],
                   "before": {"identifier": "billing", "skip_final_snapshot": True,
                              key: tags}}}]})


def test_terraform_tag_suppresses_on_that_resource_but_blast_radius_still_counts() -> None:
    plain = _review(_db_plan({"Team": "billing"}), "plan.json")
    assert "TF001" in {f.code for f in plain.findings}
    verdict = _review(_db_plan({"reviewer": "allow[TF001] migrated to aurora, snapshot kept"}),
                      "plan.json")
    assert "TF001" not in {f.code for f in verdict.findings}
    [item] = verdict.suppressed
    assert item.suppression.source == "tags"
    assert item.suppression.address == "aws_db_instance.billing"
    assert item.reason == "migrated to aurora, snapshot kept"
    # Fail closed: destroying a data-holding resource still raises the risk to high.
    assert verdict.risk >= RiskLevel.HIGH
    assert any("data-holding" in e for e in verdict.escalations)


def test_terraform_tags_all_marker_is_read() -> None:
    verdict = _review(_db_plan({"Note": "reviewer: allow[TF001] replaced by aurora cluster"},
                               key="tags_all"), "plan.json")
    assert [s.finding.code for s in verdict.suppressed] == ["TF001"]


_ROLE = (
    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n"
    "  name: deployer\n  annotations:\n    note: 'NOTE'\nrules:\n"
    '  - apiGroups: ["*"]\n    resources: ["*"]\n    verbs: ["*"]\n')


def test_kubernetes_annotation_suppresses_on_that_object() -> None:
    plain = _review(_ROLE.replace("NOTE", "owned by ops"), "rbac.yaml")
    assert [(f.code, f.location.address) for f in plain.findings] == \
        [("ACL006", "ClusterRole/deployer")]
    marked = _ROLE.replace("NOTE", "reviewer: allow[ACL006] break-glass role, ops cluster only")
    verdict = _review(marked, "rbac.yaml")
    assert verdict.findings == []
    [item] = verdict.suppressed
    assert item.finding.code == "ACL006"
    assert item.suppression.source == "annotation"
    assert item.suppression.address == "ClusterRole/deployer"
    assert item.reason == "break-glass role, ops cluster only"


@pytest.mark.parametrize("code", ["POL001", "CFG005"])
def test_policy_codes_cannot_be_suppressed(code: str) -> None:
    config = load_config_text('[protected]\nresources = ["aws_db_instance.billing*"]\n',
                              "t.toml")
    verdict = _review(_db_plan({"reviewer": f"allow[{code}] it is fine, trust me"}),
                      "plan.json", config)
    assert "POL001" in {f.code for f in verdict.findings}
    assert verdict.risk is RiskLevel.CRITICAL
    [rejected] = verdict.rejected_suppressions
    assert rejected.code == code
    assert "cannot be suppressed" in rejected.problem


def test_coverage_errors_are_never_suppressed() -> None:
    text = (ROOT / "fixtures/inputs/diff/truncated.diff").read_text(encoding="utf-8")
    verdict = _review(text, "truncated.diff")
    assert verdict.coverage.errors
    assert verdict.risk >= RiskLevel.MEDIUM


def test_verdict_json_and_renderers_show_suppressions() -> None:
    verdict = _review(_migration_diff("-- reviewer: allow[SQL002] table emptied in RFC-12"))
    data = json.loads(render_json(verdict))
    assert data["suppressed"][0]["reason"] == "table emptied in RFC-12"
    assert data["suppressed"][0]["finding"]["code"] == "SQL002"
    assert Verdict.model_validate(data) == verdict
    markdown = render_markdown(verdict)
    assert "Suppressed findings (1)" in markdown
    assert "table emptied in RFC-12" in markdown
    text = render_terminal(verdict)
    assert "Suppressed, not counted (1)" in text
    assert "allowed: table emptied" in text
    rejected = _review(_migration_diff("-- reviewer: allow[SQL002]"))
    assert "Rejected suppressions (1)" in render_markdown(rejected)
    assert "Rejected suppressions (1)" in render_terminal(rejected)


def test_old_verdict_json_without_suppression_fields_still_validates() -> None:
    data = json.loads(render_json(_review(_migration_diff(""))))
    for key in ("suppressed", "unused_suppressions", "rejected_suppressions"):
        data.pop(key)
    assert Verdict.model_validate(data).suppressed == []


def test_schema_lists_the_suppression_fields() -> None:
    properties = Verdict.model_json_schema()["properties"]
    assert {"suppressed", "unused_suppressions", "rejected_suppressions"} <= set(properties)
