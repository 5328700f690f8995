"""GitLab's Code Quality report: a JSON array of issues shown on the merge request.

Each issue has ``description``, ``check_name`` (the detector code), ``fingerprint`` (an MD5
of the stable finding key, unique in the report), ``severity`` (``info``, ``minor``,
``major``, ``critical``, ``blocker``) and ``location.path`` / ``location.lines.begin``.
Written as UTF-8 without a byte-order mark. Suppressed findings are left out.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from reviewer.ci.locate import Locator, fingerprints
from reviewer.models import Severity
from reviewer.verdict.model import Verdict

__all__ = ["build_code_quality", "render_code_quality"]

_SEVERITY = {Severity.CRITICAL: "blocker", Severity.HIGH: "critical", Severity.MEDIUM: "major",
             Severity.LOW: "minor", Severity.INFO: "info"}


def build_code_quality(verdict: Verdict | None, locator: Locator,
                       error: str | None = None) -> list[dict[str, Any]]:
    """The report's issues (one ``blocker`` naming the failure when the review failed)."""
    issues: list[dict[str, Any]] = []
    if verdict is not None:
        findings = list(verdict.findings)
        for finding, digest in zip(findings, fingerprints(findings, locator), strict=True):
            place = locator.place(finding)
            text = f"{finding.code} {finding.message}"
            if finding.location.address and finding.location.address not in text:
                text += f" ({finding.location.address})"
            issues.append({
                "description": text,
                "check_name": finding.code,
                "fingerprint": hashlib.md5(digest.encode(), usedforsecurity=False).hexdigest(),
                "severity": _SEVERITY[finding.severity],
                "location": {"path": place.path, "lines": {"begin": place.line}},
                "categories": ["Bug Risk"],
            })
    if error:
        place_path = locator.plan_files[0] if locator.plan_files else \
            (locator.index.first_file or ".reviewer.toml")
        issues.append({
            "description": f"change-risk review failed: {error}",
            "check_name": "review-failed",
            "fingerprint": hashlib.md5(f"review-failed\0{error}".encode(),
                                       usedforsecurity=False).hexdigest(),
            "severity": "blocker",
            "location": {"path": place_path, "lines": {"begin": 1}},
        })
    return issues


def render_code_quality(verdict: Verdict | None, locator: Locator,
                        error: str | None = None) -> str:
    """:func:`build_code_quality` as JSON text."""
    return json.dumps(build_code_quality(verdict, locator, error), indent=2,
                      ensure_ascii=False) + "\n"
