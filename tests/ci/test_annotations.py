"""Workflow-command escaping, the stop-commands fence and the 10-per-level limit."""

from __future__ import annotations

import io

from reviewer.ci.annotations import annotate_findings, command, escape_data, escape_property, fenced
from reviewer.ci.locate import Locator
from reviewer.models import Confidence, Finding, Location, Severity


def test_escaping_follows_the_runner_rules() -> None:
    assert escape_data("50% a\r\nb") == "50%25 a%0D%0Ab"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    line = command("error", "x\n::add-mask::y", file="a,b:c.py", line=3, title="t::x")
    assert line == "::error file=a%2Cb%3Ac.py,line=3,title=t%3A%3Ax::x%0A::add-mask::y\n"
    assert line.count("\n") == 1


def test_fence_uses_a_fresh_random_token() -> None:
    tokens = []
    for _ in range(2):
        out = io.StringIO()
        with fenced(out):
            out.write("::error::inside\n")
        lines = out.getvalue().splitlines()
        token = lines[0].removeprefix("::stop-commands::")
        assert len(token) == 32
        assert lines[-1] == f"::{token}::"
        tokens.append(token)
    assert tokens[0] != tokens[1]


def _finding(i: int, severity: Severity) -> Finding:
    return Finding(code="SQL002", name="n", severity=severity, confidence=Confidence.HIGH,
                   message=f"finding {i}", location=Location(path=f"f{i}.sql", line=1))


def test_at_most_ten_per_level_and_a_note_for_the_rest() -> None:
    findings = [_finding(i, Severity.CRITICAL) for i in range(13)]
    findings += [_finding(100 + i, Severity.MEDIUM) for i in range(3)]
    out = io.StringIO()
    shown = annotate_findings(findings, Locator(None, "."), out)
    lines = out.getvalue().splitlines()
    assert sum(line.startswith("::error ") for line in lines) == 10
    assert sum(line.startswith("::warning ") for line in lines) == 3
    assert shown == 13
    assert "3 more finding(s)" in lines[-1]
