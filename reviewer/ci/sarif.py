"""The verdict as a SARIF 2.1.0 log, the format GitHub code scanning reads.

One run, tool ``change-risk-reviewer``. A rule per detector that fired (id = detector code,
name, descriptions and help from the detector catalog, ``security-severity`` from the
highest severity it reported); a result per finding, placed on a line of the pull request's
diff by :class:`~reviewer.ci.locate.Locator`, with stable ``partialFingerprints`` (no line
numbers in them). Findings allowed by a ``reviewer: allow[CODE]`` marker are results with an
``inSource`` suppression carrying the reason. Coverage errors and a failed review become
tool execution notifications, and ``executionSuccessful`` is false.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from reviewer.ci.locate import Locator, Place, fingerprints
from reviewer.models import Finding, Severity
from reviewer.verdict.model import Verdict

__all__ = ["SCHEMA_URI", "TOOL_NAME", "build_sarif", "render_sarif", "security_severity"]

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "change-risk-reviewer"
_TEXT_LIMIT = 1024
#: GitHub's bands: over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
_SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5",
                      Severity.LOW: "3.0", Severity.INFO: "1.0"}
_LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
          Severity.LOW: "note", Severity.INFO: "note"}


def security_severity(severity: Severity) -> str:
    """GitHub's ``security-severity`` score for a severity (a string, as GitHub expects)."""
    return _SECURITY_SEVERITY[severity]


def _clip(text: str, limit: int = _TEXT_LIMIT) -> str:
    text = " ".join(text.split()) or "-"
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _uri(path: str) -> str:
    return urllib.parse.quote(path, safe="/-_.~") or "-"


def _rule(code: str, sample: Finding, worst: Severity) -> dict[str, Any]:
    from reviewer.detectors import ALL_DETECTORS

    detector = next((cls for cls in ALL_DETECTORS if cls.code == code), None)
    if detector is not None:
        from reviewer.detectors.docs import render_page, section

        summary = detector.summary()
        why = section(detector, "Why is this risky?")
        help_text = (f"{summary} Remediation: {detector.remediation or sample.remediation}"
                     f" Run `reviewer detectors explain {code}` for the full page.")
        rule: dict[str, Any] = {
            "id": code,
            "name": detector.name,
            "shortDescription": {"text": _clip(summary)},
            "fullDescription": {"text": _clip(why or summary)},
            "help": {"text": _clip(help_text, 4000), "markdown": render_page(detector)},
            "properties": {"tags": ["change-risk", detector.family],
                           "precision": _precision(detector.confidence.value)},
        }
    else:
        rule = {
            "id": code,
            "name": sample.name or code.lower(),
            "shortDescription": {"text": _clip(sample.name or code)},
            "fullDescription": {"text": _clip(sample.message)},
            "help": {"text": _clip(sample.remediation or sample.message, 4000)},
            "properties": {"tags": ["change-risk"]},
        }
    rule["defaultConfiguration"] = {"level": _LEVEL[worst]}
    rule["properties"]["security-severity"] = security_severity(worst)
    return rule


def _precision(confidence: str) -> str:
    return {"high": "high", "medium": "medium", "low": "low"}.get(confidence, "medium")


def _location(place: Place) -> dict[str, Any]:
    return {"physicalLocation": {
        "artifactLocation": {"uri": _uri(place.path)},
        "region": {"startLine": max(place.line, 1)},
    }}


def _message(finding: Finding) -> str:
    text = finding.message.strip() or finding.name
    if finding.location.address and finding.location.address not in text:
        text += f" ({finding.location.address})"
    if finding.remediation:
        text += f"\n\nRemediation: {finding.remediation}"
    return text


def _result(finding: Finding, place: Place, fingerprint: str, rule_index: int,
            suppression: dict[str, Any] | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": _LEVEL[finding.severity],
        "message": {"text": _message(finding)},
        "locations": [_location(place)],
        "partialFingerprints": {
            "changeRiskFinding/v1": fingerprint,
            "primaryLocationLineHash": f"{fingerprint[:32]}:1",
        },
        "properties": {
            "security-severity": security_severity(finding.severity),
            "severity": finding.severity.value,
            "confidence": finding.confidence.value,
            "originalLocation": str(finding.location),
            "onChangedLine": place.in_diff,
        },
    }
    if finding.location.address:
        result["properties"]["address"] = finding.location.address
    if finding.evidence:
        result["properties"]["evidence"] = finding.evidence[:2000]
    if suppression is not None:
        result["suppressions"] = [suppression]
    return result


def _notifications(verdict: Verdict | None, error: str | None) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = []
    if error:
        notes.append({"level": "error", "message": {"text": _clip(error, 4000)},
                      "descriptor": {"id": "review-failed"}})
    if verdict is not None:
        for item in verdict.coverage.errors:
            notes.append({"level": "error",
                          "message": {"text": _clip(f"{item.path}: {item.message}", 4000)},
                          "descriptor": {"id": f"coverage-{item.stage}"}})
    return notes


def build_sarif(verdict: Verdict | None, locator: Locator, *, version: str,
                error: str | None = None) -> dict[str, Any]:
    """The SARIF log of a verdict (``verdict`` None and ``error`` set when the review failed)."""
    active = list(verdict.findings) if verdict is not None else []
    suppressed = list(verdict.suppressed) if verdict is not None else []
    findings = active + [s.finding for s in suppressed]
    worst: dict[str, Severity] = {}
    samples: dict[str, Finding] = {}
    for finding in findings:
        samples.setdefault(finding.code, finding)
        if finding.code not in worst or finding.severity > worst[finding.code]:
            worst[finding.code] = finding.severity
    codes = sorted(worst)
    rules = [_rule(code, samples[code], worst[code]) for code in codes]
    index = {code: i for i, code in enumerate(codes)}
    prints = fingerprints(findings, locator)
    results = []
    for i, finding in enumerate(findings):
        suppression = None
        if i >= len(active):
            allowed = suppressed[i - len(active)]
            suppression = {"kind": "inSource", "status": "accepted",
                           "justification": _clip(allowed.reason, 4000)}
        results.append(_result(finding, locator.place(finding), prints[i],
                               index[finding.code], suppression))
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": TOOL_NAME,
            "semanticVersion": version,
            "version": version,
            "rules": rules,
        }},
        "automationDetails": {"id": "change-risk/"},
        "results": results,
        "invocations": [{
            "executionSuccessful": error is None and (
                verdict is not None and verdict.coverage.complete),
            "toolExecutionNotifications": _notifications(verdict, error),
        }],
        "columnKind": "unicodeCodePoints",
    }
    if verdict is not None:
        run["properties"] = {"risk": verdict.risk.value, "score": verdict.score,
                             "decision": verdict.decision.value}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_sarif(verdict: Verdict | None, locator: Locator, *, version: str,
                 error: str | None = None) -> str:
    """:func:`build_sarif` as indented JSON text."""
    return json.dumps(build_sarif(verdict, locator, version=version, error=error),
                      indent=2, ensure_ascii=False) + "\n"
