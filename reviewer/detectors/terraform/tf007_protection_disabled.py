"""TF007: a deletion protection or final-snapshot guard is switched off."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from reviewer.detectors.base import Detector
from reviewer.detectors.terraform._common import environment_label, fmt, location
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.terraform_plan import (
    ResourceChange,
    TerraformPlan,
    unknown_at,
    value_at,
)
from reviewer.resources import PROTECTION_ATTRIBUTES, PROTECTION_STRING_ATTRIBUTES

_PAIRS: tuple[tuple[str, object], ...] = (
    *PROTECTION_ATTRIBUTES,
    *PROTECTION_STRING_ATTRIBUTES,
)
#: Protection attribute → (attribute, path parts, unsafe values), grouped by top-level key in
#: the order of ``_PAIRS`` (so findings come out in the same order in every run). An
#: attribute with several unsafe values (``deletion_protection``: false, or "INACTIVE" on
#: Cognito) is one rule, read once.
_Rule = tuple[str, tuple[str, ...], tuple[object, ...]]
_UNSAFE: dict[str, tuple[object, ...]] = {
    attr: tuple(value for name, value in _PAIRS if name == attr)
    for attr in dict.fromkeys(attr for attr, _ in _PAIRS)
}
_BY_TOP: dict[str, tuple[_Rule, ...]] = {
    top: tuple((attr, tuple(attr.split(".")), unsafe) for attr, unsafe in _UNSAFE.items()
               if attr.split(".", 1)[0] == top)
    for top in dict.fromkeys(attr.split(".", 1)[0] for attr in _UNSAFE)
}
_TOPS = frozenset(_BY_TOP)


def _relevant(rc: ResourceChange) -> tuple[_Rule, ...]:
    """Protection attributes present in a change of ``plan.changed`` (most have none)."""
    after = rc.after
    if not isinstance(after, dict):
        return ()
    keys = _TOPS.intersection(after)
    if isinstance(rc.after_unknown, dict):
        keys |= _TOPS.intersection(rc.after_unknown)
    return _rules(keys) if keys else ()


@lru_cache(maxsize=256)
def _rules(keys: frozenset[str]) -> tuple[_Rule, ...]:
    """The rules of these top-level attributes, in a fixed order."""
    return tuple(rule for top, rules in _BY_TOP.items() if top in keys for rule in rules)


def _at(obj: object, parts: tuple[str, ...]) -> object:
    """The value at a path; a top-level attribute is read from the object itself."""
    if len(parts) == 1:
        return obj.get(parts[0]) if isinstance(obj, dict) else None
    return value_at(obj, parts)


def _unknown_at(marks: object, parts: tuple[str, ...]) -> bool:
    """True when the path's after-value is known only after apply."""
    if len(parts) == 1:
        return isinstance(marks, dict) and marks.get(parts[0]) is True
    return unknown_at(marks, parts)


def _transitions(rc: ResourceChange) -> list[tuple[str, object, object, bool]]:
    """(attribute, before, after, unknown) for every protection that weakens."""
    rules = _relevant(rc)
    if not rules:
        return []
    found: list[tuple[str, object, object, bool]] = []
    old, new, marks = rc.before, rc.after, rc.after_unknown
    for attr, parts, unsafe in rules:
        if _unknown_at(marks, parts):
            before = _at(old, parts)
            if before is not None and before not in unsafe:  # on now, may go off
                found.append((attr, before, "(known after apply)", True))
            continue
        after = _at(new, parts)
        if after is None:
            continue
        for value in unsafe:
            if after == value and type(after) is type(value):
                break
        else:
            continue  # the new value is safe: the old one does not matter
        before = _at(old, parts)
        weakened = before is not None or rc.actions == ("update",)
        if before != after and weakened:
            found.append((attr, before, after, False))
    return found


class ProtectionDisabled(Detector[TerraformPlan]):
    """A resource's deletion protection, termination protection or final snapshot is switched off.

    ## What it detects
    Updates that weaken a guard against data loss: `deletion_protection`,
    `deletion_protection_enabled`, `enable_deletion_protection` or `disable_api_termination`
    going to `false`; `skip_final_snapshot`, `force_destroy`, `force_delete` or
    `delete_automated_backups` going to `true`; Cognito `deletion_protection` to `INACTIVE`;
    GCP project `deletion_policy` to `DELETE`. `critical` when the same plan also destroys the
    resource; `medium` with low confidence when the new value is known only after apply.

    ## Why is this risky?
    Turning a protection off is the first step of every two-step deletion: the next apply
    can destroy the resource without any further warning.

    ## Example
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance",
       "name": "main", "change": {"actions": ["update"],
       "before": {"deletion_protection": true}, "after": {"deletion_protection": false}}}]}
    ```

    ## Safer alternative
    Leave protections on in the change that does other work; switch them off only in a
    separate, reviewed change whose stated intent is the removal:
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance",
       "name": "main", "change": {"actions": ["update"],
       "before": {"deletion_protection": true, "instance_class": "db.t3.small"},
       "after": {"deletion_protection": true, "instance_class": "db.t3.medium"}}}]}
    ```

    ## References
    - Checkov CKV_AWS_293, CKV_AWS_139, CKV_AWS_150; Trivy AVD-AWS-0177
    - Elastic detection rule "AWS RDS DB Instance or Cluster Deletion Protection Disabled"
    """

    code = "TF007"
    name = "protection-disabled"
    family = "terraform"
    kinds = (InputKind.TERRAFORM_PLAN,)
    severity = Severity.HIGH
    remediation = (
        "Keep the protection on. If the resource must go, turn the protection off in its own "
        "change whose title says so, after a snapshot."
    )

    def detect(self, doc: TerraformPlan) -> Iterator[Finding]:
        deleted = {rc.address for rc in doc.destroyed}
        for rc in doc.changed:
            for attr, before, after, unknown in _transitions(rc):
                evidence = f"{attr}: {fmt(before)} → {after if unknown else fmt(after)}"
                if unknown:
                    yield self.finding(
                        f"{rc.address}{environment_label(rc)}: {attr} is known only after apply "
                        "and may switch the protection off",
                        location(doc, rc), evidence=evidence,
                        severity=Severity.MEDIUM, confidence=Confidence.LOW,
                    )
                    continue
                also_deleted = rc.address in deleted
                message = f"{rc.address}{environment_label(rc)}: {attr} switched to {fmt(after)}"
                if also_deleted:
                    message += " in the same plan that destroys it"
                yield self.finding(message, location(doc, rc), evidence=evidence,
                                   severity=Severity.CRITICAL if also_deleted else None)
