"""The budgeted context: what is always there, what is ranked, what is listed as omitted."""

from __future__ import annotations

from reviewer.llm.context import ReviewContext, build_context, estimate_tokens
from reviewer.llm.judge import JudgeInput
from reviewer.llm.redact import Redactor
from reviewer.models import Confidence, Finding, Intent, Location, RiskLevel, Severity
from reviewer.parsers.base import Artifact
from reviewer.parsers.diff import parse_diff
from tests.llm.helpers import plan_text, rc, review_input


def _context(inp: JudgeInput, budget: int = 12_000) -> ReviewContext:
    return build_context(inp.intent, inp.findings, inp.blast_radius, inp.documents,
                         budget_tokens=budget, overhead_chars=3000, redactor=Redactor())


def _hunk(start: int, tag: str, removed: int = 1, added: int = 1, width: int = 200) -> str:
    lines = [" context"]
    lines += [f"-{tag} old {i} {'o' * width}" for i in range(removed)]
    lines += [f"+{tag} new {i} {'n' * width}" for i in range(added)]
    lines.append(" context")
    return f"@@ -{start},{removed + 2} +{start},{added + 2} @@\n" + "\n".join(lines) + "\n"


def _file(path: str, hunks: str, status: str = "modified") -> str:
    if status == "deleted":
        return (f"diff --git a/{path} b/{path}\ndeleted file mode 100644\n--- a/{path}\n"
                f"+++ /dev/null\n{hunks}")
    return f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n{hunks}"


def _finding(code: str, severity: Severity, path: str, line: int | None = None,
             address: str | None = None, evidence: str = "") -> Finding:
    return Finding(code=code, name="test-finding", severity=severity,
                   confidence=Confidence.HIGH, message=f"{code} found something",
                   location=Location(path=path, line=line, address=address), evidence=evidence)


def _input(diff: str, findings: list[Finding], intent: Intent | None = None) -> JudgeInput:
    doc = parse_diff(diff, "change.diff")
    return JudgeInput(intent=intent or Intent(title="Refactor"), findings=findings,
                      deterministic_risk=RiskLevel.HIGH, blast_radius={"files_changed": 3},
                      documents=[doc])


def test_small_change_fits_whole() -> None:
    inp = _input(_file("app.py", _hunk(1, "a")), [])
    ctx = _context(inp)
    assert ctx.omitted == ()
    assert "a new 0" in ctx.sections["hunks"]
    assert "a old 0" in ctx.sections["hunks"]
    assert ctx.sections["omitted"] == "(nothing)"
    assert ctx.estimated_tokens <= 12_000


def test_hunks_with_findings_come_first_and_deletions_are_listed_when_left_out() -> None:
    big = "".join(_hunk(i * 100 + 1, f"big{i}", removed=5, added=5) for i in range(30))
    diff = (_file("noise.py", big) + _file("risky.py", _hunk(50, "risky"))
            + _file("old.sql", _hunk(1, "gone", removed=40, added=0), status="deleted"))
    finding = _finding("SQL002", Severity.HIGH, "risky.py", line=51, evidence="DROP TABLE x")
    ctx = _context(_input(diff, [finding]), budget=2000)
    hunks = ctx.sections["hunks"]
    assert "risky new 0" in hunks  # the hunk with a finding made it
    assert "[findings: SQL002]" in hunks
    omitted = "\n".join(ctx.omitted)
    assert "noise.py:" in omitted
    assert "deleting" in omitted
    assert "deleted file old.sql" in omitted or "gone old 0" in hunks
    assert "deleted old.sql" in ctx.sections["files"]  # never invisible
    assert ctx.sections["omitted"].count("- ") == len(ctx.omitted)
    assert ctx.estimated_tokens <= 2000 + 400  # within budget, give or take the reserve


def test_medium_findings_and_evidence_are_always_there_even_over_budget() -> None:
    findings = [_finding(f"TF{i:03}", Severity.MEDIUM, "plan.json", address=f"aws_s3.b{i}",
                         evidence=f"evidence-{i} " + "e" * 300) for i in range(40)]
    findings.append(_finding("CODE001", Severity.LOW, "app.py", line=1))
    ctx = _context(_input(_file("app.py", _hunk(1, "a")), findings), budget=1000)
    for i in range(40):
        assert f"evidence-{i} " in ctx.sections["findings"]
    assert "CODE001" not in ctx.sections["findings"]
    assert any("CODE001" in line for line in ctx.omitted)
    assert ctx.notes
    assert "over the 1000-token budget" in ctx.notes[0]


def test_plan_table_has_address_type_actions_reason_and_changes() -> None:
    text = plan_text(
        rc("aws_db_instance.main", "aws_db_instance", ["delete", "create"],
           before={"engine_version": "14", "password": "hunter2-secret"},
           after={"engine_version": "16", "password": "new-secret-pw"},
           before_sensitive={"password": True}, after_sensitive={"password": True},
           replace_paths=[["engine_version"]]),
        rc("aws_s3_bucket.logs", "aws_s3_bucket", ["delete"], before={"bucket": "logs"}),
        rc("aws_iam_role.ci", "aws_iam_role", ["update"], before={"name": "ci"},
           after={"name": "ci", "max_session_duration": 7200}),
        rc("aws_sqs_queue.q", "aws_sqs_queue", ["no-op"], before={}, after={}),
    )
    inp = review_input([Artifact("plan.json", text)], title="Bump postgres")
    ctx = _context(inp)
    table = ctx.sections["resource_changes"]
    assert "- replace (create first) aws_db_instance.main (aws_db_instance)" in table or \
        "- replace (destroy first) aws_db_instance.main (aws_db_instance)" in table
    assert "forces replacement: engine_version" in table
    assert 'engine_version: "14" → "16"' in table
    assert "password: [REDACTED:sensitive] → [REDACTED:sensitive]" in table
    assert "hunter2-secret" not in table
    assert "new-secret-pw" not in table
    assert "- delete aws_s3_bucket.logs (aws_s3_bucket)" in table
    assert "max_session_duration: null → 7200" in table
    assert "1 unchanged resources" in table
    assert {"aws_db_instance.main", "aws_s3_bucket.logs", "plan.json"} <= ctx.known_refs


def test_deletion_rows_stay_when_updates_are_dropped() -> None:
    changes = [rc(f"aws_instance.w{i}", "aws_instance", ["update"],
                  before={"tags": {"n": str(i)}}, after={"tags": {"n": f"{i}x" * 40}})
               for i in range(300)]
    changes.append(rc("aws_db_instance.main", "aws_db_instance", ["delete"], before={}))
    inp = review_input([Artifact("plan.json", plan_text(*changes))], title="Retag")
    ctx = _context(inp, budget=1500)
    assert "- delete aws_db_instance.main" in ctx.sections["resource_changes"]
    assert any(line.startswith("resource changes:") for line in ctx.omitted)


def test_commit_messages_are_part_of_the_stated_intent() -> None:
    patch = ("From 2222222222222222222222222222222222222222 Mon Sep 17 00:00:00 2001\n"
             "From: Dev <dev@example.com>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
             "Subject: [PATCH] Rename the cost module\n\nOnly a rename, no behaviour change.\n"
             "---\n" + _file("a.py", _hunk(1, "a")) + "-- \n2.40.0\n")
    inp = review_input([Artifact("change.patch", patch)], title="Rename")
    intent = _context(inp).sections["intent"]
    assert "Rename the cost module" in intent
    assert "Only a rename, no behaviour change." in intent


def test_estimate_tokens() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2


def test_thousands_of_deletions_are_capped_and_counted_by_type() -> None:
    changes = [rc(f"aws_instance.w{i}", "aws_instance", ["delete"], before={})
               for i in range(900)]
    changes += [rc(f"aws_s3_bucket.b{i}", "aws_s3_bucket", ["delete"], before={})
                for i in range(100)]
    inp = review_input([Artifact("plan.json", plan_text(*changes))], title="Cleanup")
    ctx = _context(inp, budget=4000)
    rows = [r for r in ctx.sections["resource_changes"].splitlines() if r.startswith("- ")]
    assert len(rows) >= 300
    counted = [o for o in ctx.omitted if o.startswith("resource changes:")]
    assert len(counted) == 1
    left = 1000 - len(rows)
    assert f"{left} more deletions" in counted[0]
    assert f"(delete aws_instance ×{left})" in counted[0]
    buckets = [r for r in rows if "aws_s3_bucket." in r]
    assert len(buckets) == 100  # stateful: named by TF001 findings, so always shown


def test_sensitive_value_is_scrubbed_from_every_part() -> None:
    text = plan_text(rc("aws_db_instance.main", "aws_db_instance", ["update"],
                        before={"password": "old-pass-123"}, after={"password": "new-pass-456"},
                        before_sensitive={"password": True}, after_sensitive={"password": True}))
    plan_doc = review_input([Artifact("plan.json", text)]).documents[0]
    diff = parse_diff(_file("notes.md", "@@ -1,1 +1,2 @@\n x\n+the password is new-pass-456\n"),
                      "change.diff")
    inp = JudgeInput(intent=Intent(title="Rotate new-pass-456"), findings=[],
                     deterministic_risk=RiskLevel.LOW, blast_radius={},
                     documents=[plan_doc, diff])
    ctx = _context(inp)
    everything = "\n".join(ctx.sections.values())
    assert "new-pass-456" not in everything
    assert "old-pass-123" not in everything
    assert everything.count("[REDACTED:sensitive]") >= 4


def test_long_omitted_lists_are_summed_up_in_the_prompt_but_complete_for_coverage() -> None:
    diff = "".join(_file(f"pkg/m{i}.py", _hunk(1, f"m{i}", removed=3, added=3, width=400))
                   for i in range(200))
    ctx = _context(_input(diff, []), budget=2000)
    assert len(ctx.omitted) > 100
    shown = ctx.sections["omitted"].splitlines()
    assert len(shown) == 41
    assert shown[-1].startswith("- … and ")
    assert "deleting" in shown[-1]
