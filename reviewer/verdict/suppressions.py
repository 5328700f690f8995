"""In-change suppressions: ``reviewer: allow[CODE] <reason>``.

Where a marker is read:

* an **added line** of a diff, anywhere on the line (normally a comment: ``#``, ``//``,
  ``--``, ``/* … */``, ``<!-- … -->``). It allows findings of ``CODE`` in the same file
  from :data:`LINES_BEFORE` lines above the marker to :data:`LINES_AFTER` lines below it
  (a trailing comment, or a comment above a block), and file-level findings (no line) of
  that file;
* a **Terraform plan** resource's ``tags`` / ``tags_all`` values or ``description`` (the
  planned values; the prior ones for a resource being destroyed), a **Pulumi preview**
  step's ``tags`` / ``description`` inputs, and a **Kubernetes** object's annotations. It
  allows findings of ``CODE`` on that resource address. A tag ``reviewer = "allow[CODE]
  <reason>"`` works too. CloudFormation change sets carry no tags, so there only diff
  markers apply.

Several codes may share a marker: ``allow[TF001,TF010] <reason>``.

Rules (fail closed):

* A marker without a reason (fewer than :data:`MIN_REASON_CHARS` letters or digits) is
  **rejected**: it suppresses nothing and is listed in ``Verdict.rejected_suppressions``.
* Codes in :data:`UNSUPPRESSIBLE` (the protected-resource policy, and a change to the
  reviewer's own configuration) cannot be allowed from inside the change they judge:
  markers naming them are rejected.
* Coverage errors are not findings and are never suppressed.
* A suppressed finding stays in the verdict (``Verdict.suppressed``, with the reason and
  where the marker was) and no longer counts towards the risk. Blast-radius escalations
  (data-holding resources destroyed…) still apply.
* A marker that matches no finding is reported in ``Verdict.unused_suppressions``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reviewer.models import Finding
from reviewer.parsers.base import Document
from reviewer.parsers.diff import DiffDocument
from reviewer.parsers.kubernetes import ManifestSet
from reviewer.parsers.pulumi import PulumiPreview
from reviewer.parsers.terraform_plan import TerraformPlan
from reviewer.verdict.model import SuppressedFinding, Suppression

#: Findings this many lines above a diff marker are covered by it.
LINES_BEFORE = 2
#: Findings this many lines below a diff marker are covered by it.
LINES_AFTER = 5
#: A reason needs at least this many letters or digits.
MIN_REASON_CHARS = 4
#: Codes (or prefixes) a change cannot allow for itself.
UNSUPPRESSIBLE = ("POL", "CFG005")

_MARKER = re.compile(
    r"reviewer\s*:\s*allow\s*\[([^\]\n]*)\]([^\n]*)", re.IGNORECASE)
_TAG_MARKER = re.compile(r"^\s*allow\s*\[([^\]\n]*)\]([^\n]*)", re.IGNORECASE)
_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,3}\d{3}$")
#: Every marker, in a comment or a tag value, has this in it.
_HINT = re.compile(r"allow\s*\[", re.IGNORECASE)
#: Comment closers and quotes trailing a marker's reason.
_TRAILING = re.compile(r"(\*/|-->|#}|%>|[\s;,)}\]\"'])+$")
_LEADING = re.compile(r"^[\s:=\-–—]+")


def _reason(text: str) -> str:
    reason = _LEADING.sub("", _TRAILING.sub("", text))
    return reason.strip()


def _parse(match: re.Match[str], **where: Any) -> Iterator[Suppression]:
    codes = [c.strip().upper() for c in match.group(1).split(",")]
    reason = _reason(match.group(2))
    for code in codes or [""]:
        problem = ""
        if not _CODE.match(code):
            problem = f"{code or '(empty)'} is not a detector code"
        elif sum(ch.isalnum() for ch in reason) < MIN_REASON_CHARS:
            problem = "no reason given (write: reviewer: allow[CODE] <why this is safe>)"
        elif code.startswith(UNSUPPRESSIBLE):
            problem = (f"{code} cannot be suppressed from inside the change: it guards the "
                       "reviewer's own policy (protected resources, its configuration)")
        yield Suppression(code=code, reason=reason, problem=problem, **where)


def _from_diff(doc: DiffDocument) -> Iterator[Suppression]:
    for change, line in doc.iter_added():
        if "allow" not in line.text.lower():
            continue
        for match in _MARKER.finditer(line.text):
            yield from _parse(match, path=change.path, line=line.new_lineno, source="diff")


def _from_values(values: Mapping[str, Any], path: str, address: str,
                 source: str) -> Iterator[Suppression]:
    for key, value in values.items():
        if not isinstance(value, str):
            continue
        if str(key).strip().lower() == "reviewer":
            match = _TAG_MARKER.match(value)
            if match:
                yield from _parse(match, path=path, address=address, source=source)
                continue
        for match in _MARKER.finditer(value):
            yield from _parse(match, path=path, address=address, source=source)


def _resource_values(side: Any, path: str, address: str) -> Iterator[Suppression]:
    if not isinstance(side, Mapping):
        return
    seen: set[tuple[str, str]] = set()
    for key in ("tags", "tags_all"):
        tags = side.get(key)
        if isinstance(tags, Mapping):
            for found in _from_values(tags, path, address, "tags"):
                if (found.code, found.reason) not in seen:
                    seen.add((found.code, found.reason))
                    yield found
    description = side.get("description")
    if isinstance(description, str):
        yield from _from_values({"description": description}, path, address, "description")


def _may_hold_marker(side: Mapping[str, Any]) -> bool:
    """Cheap pre-check over a resource's tags and description (most hold no marker)."""
    hint = _HINT.search
    for key in ("tags", "tags_all"):
        tags = side.get(key)
        if isinstance(tags, (dict, Mapping)):  # dict first: abc checks are slow
            for value in tags.values():
                # Every marker has a "[": the substring test spares most values the regex.
                if isinstance(value, str) and "[" in value and hint(value):
                    return True
    description = side.get("description")
    return isinstance(description, str) and "[" in description and hint(description) is not None


def _from_plan(plan: TerraformPlan) -> Iterator[Suppression]:
    for rc in plan.resource_changes:
        if not rc.managed:
            continue
        side = rc.after if isinstance(rc.after, dict) else rc.before
        if isinstance(side, dict) and _may_hold_marker(side):
            yield from _resource_values(side, plan.path, rc.address)


def _from_preview(preview: PulumiPreview) -> Iterator[Suppression]:
    for step in preview.steps:
        state = step.new_state or step.old_state
        if state is not None:
            yield from _resource_values(state.inputs, preview.path, step.urn)


def _from_manifests(manifests: ManifestSet) -> Iterator[Suppression]:
    for m in manifests.manifests:
        yield from _from_values(m.annotations, manifests.path, m.address, "annotation")


def collect_suppressions(documents: Iterable[Document]) -> list[Suppression]:
    """Every marker in the change's documents, rejected ones with their ``problem`` set."""
    found: list[Suppression] = []
    for doc in documents:
        if isinstance(doc, DiffDocument):
            found.extend(_from_diff(doc))
        elif isinstance(doc, TerraformPlan):
            found.extend(_from_plan(doc))
        elif isinstance(doc, PulumiPreview):
            found.extend(_from_preview(doc))
        elif isinstance(doc, ManifestSet):
            found.extend(_from_manifests(doc))
    return list(dict.fromkeys(found))


def covers(suppression: Suppression, finding: Finding) -> bool:
    """True when a (valid) marker applies to the finding: same code, same place."""
    if suppression.code != finding.code:
        return False
    where = finding.location
    if suppression.address is not None:
        return where.address == suppression.address
    if where.path != suppression.path:
        return False
    if where.line is None or suppression.line is None:
        return True
    return suppression.line - LINES_BEFORE <= where.line <= suppression.line + LINES_AFTER


@dataclass(slots=True)
class SuppressionOutcome:
    """Findings split by the markers, and what happened to every marker."""

    findings: list[Finding] = field(default_factory=list)
    suppressed: list[SuppressedFinding] = field(default_factory=list)
    unused: list[Suppression] = field(default_factory=list)
    rejected: list[Suppression] = field(default_factory=list)


def apply_suppressions(findings: Sequence[Finding],
                       suppressions: Sequence[Suppression]) -> SuppressionOutcome:
    """Set aside findings a valid marker allows; report rejected and unused markers."""
    outcome = SuppressionOutcome()
    valid = [s for s in suppressions if not s.problem]
    outcome.rejected = [s for s in suppressions if s.problem]
    used: set[int] = set()
    for finding in findings:
        match = next(((i, s) for i, s in enumerate(valid) if covers(s, finding)), None)
        if match is None or finding.code.startswith(UNSUPPRESSIBLE):
            outcome.findings.append(finding)
            continue
        used.add(match[0])
        outcome.suppressed.append(SuppressedFinding(finding=finding, reason=match[1].reason,
                                                    suppression=match[1]))
    outcome.unused = [s.model_copy(update={"problem": "matched no finding"})
                      for i, s in enumerate(valid) if i not in used]
    return outcome
