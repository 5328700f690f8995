"""Protected resources: destroying or replacing one is always critical (``POL001``).

``[protected] resources`` in the configuration lists address globs (``*`` crosses dots).
They are matched against:

* Terraform / OpenTofu plans: the resource address (``module.core.aws_db_instance.main``),
  for a delete or either kind of replace of a managed resource;
* CloudFormation change sets: the logical id (and ``LogicalId (Type)``), for a ``Remove``
  that deletes the physical resource (not ``Retain``) or a ``Modify`` that replaces it
  certainly or conditionally;
* Pulumi previews: the resource name, ``type::name`` and the URN, for a delete or replace
  step of a custom resource not retained on delete (the finding names the URN, as the
  Pulumi detectors do);
* Kubernetes manifests changed by a diff: ``Kind/namespace/name`` (or ``Kind/name``) of an
  object present before the change and gone after it.

The finding is produced here, in the verdict layer, from the project's configuration (read
from the base branch in CI), so it cannot be suppressed from inside the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from reviewer.config.globs import match_address
from reviewer.models import Confidence, Finding, Location, Severity
from reviewer.parsers.base import Document
from reviewer.parsers.cloudformation import ChangeSet
from reviewer.parsers.kubernetes import ManifestSet
from reviewer.parsers.pulumi import PulumiPreview
from reviewer.parsers.terraform_plan import TerraformPlan

CODE = "POL001"
NAME = "protected-resource-destroyed"
_REMEDIATION = (
    "Protected resources must not be destroyed by a routine change: keep the resource, "
    "or change the project's [protected] list on the base branch first, with the owners' "
    "approval."
)


def _match(patterns: Sequence[str], *names: str) -> str | None:
    for pattern in patterns:
        if any(name and match_address(name, pattern) for name in names):
            return pattern
    return None


def _finding(path: str, address: str, what: str, pattern: str) -> Finding:
    return Finding(
        code=CODE, name=NAME, severity=Severity.CRITICAL, confidence=Confidence.HIGH,
        message=f"{address}: protected resource is {what} (matches protected pattern "
                f"{pattern!r})",
        location=Location(path=path, address=address),
        evidence=f"[protected] resources = {pattern!r}",
        remediation=_REMEDIATION,
    )


def _plan(plan: TerraformPlan, patterns: Sequence[str]) -> Iterator[Finding]:
    for rc in plan.resource_changes:
        if not rc.managed or not rc.is_delete:
            continue
        pattern = _match(patterns, rc.address)
        if pattern:
            what = "replaced (destroyed and created again)" if rc.is_replace else "destroyed"
            yield _finding(plan.path, rc.address, what, pattern)


def _change_set(cs: ChangeSet, patterns: Sequence[str]) -> Iterator[Finding]:
    for rc in cs.changes:
        if rc.is_remove and rc.deletes_physical_resource is not False:
            what = "removed from the stack and deleted"
        elif rc.may_replace:
            what = ("replaced" if rc.is_replace else "possibly replaced (Conditional)")
        else:
            continue
        pattern = _match(patterns, rc.logical_id, rc.address)
        if pattern:
            yield _finding(cs.path, rc.logical_id, what, pattern)


def _preview(preview: PulumiPreview, patterns: Sequence[str]) -> Iterator[Finding]:
    seen: set[str] = set()
    for step in preview.steps:
        if not step.custom or step.urn in seen:
            continue
        if step.is_delete and step.retained_on_delete:
            continue
        if not (step.is_delete or step.is_replace):
            continue
        pattern = _match(patterns, step.name, step.address, step.urn)
        if pattern:
            seen.add(step.urn)
            what = "replaced" if step.is_replace else "deleted"
            yield _finding(preview.path, step.urn, what, pattern)


def _manifests(manifests: ManifestSet, patterns: Sequence[str]) -> Iterator[Finding]:
    before = manifests.before()
    if before is None:
        return
    now = {m.identity for m in manifests.manifests}
    for old in before.manifests:
        if old.identity in now:
            continue
        pattern = _match(patterns, old.address)
        if pattern:
            yield _finding(manifests.path, old.address, "deleted (removed from the manifests)",
                           pattern)


def protected_findings(documents: Iterable[Document],
                       patterns: Sequence[str]) -> list[Finding]:
    """A critical ``POL001`` finding for every protected resource the change destroys."""
    if not patterns:
        return []
    found: list[Finding] = []
    for doc in documents:
        if isinstance(doc, TerraformPlan):
            found.extend(_plan(doc, patterns))
        elif isinstance(doc, ChangeSet):
            found.extend(_change_set(doc, patterns))
        elif isinstance(doc, PulumiPreview):
            found.extend(_preview(doc, patterns))
        elif isinstance(doc, ManifestSet):
            found.extend(_manifests(doc, patterns))
    return found
