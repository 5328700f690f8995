"""TF008: backups, versioning, soft delete or recovery windows are reduced or switched off."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from reviewer.detectors.base import Detector
from reviewer.detectors.terraform._common import (
    environment_label,
    fmt,
    location,
    only_nonprod,
    side,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.terraform_plan import ResourceChange, TerraformPlan, unknown_at

#: A nested block present but emptied (``point_in_time_recovery = []``): the feature is off.
_REMOVED = object()
_ON = ("enabled",)
_OFF = ("suspended", "disabled")
#: Lifecycle rules scoped to these prefixes only expire disposable data.
_DISPOSABLE = ("log", "tmp", "temp", "cache", "scratch", "staging-upload", "multipart")


@dataclass(frozen=True, slots=True)
class _Rule:
    """One recovery setting: where it is, how it weakens, and how bad that is."""

    path: str
    kind: str  # "num" (lowered / zeroed), "bool" (true → false), "status" (Enabled → Suspended)
    what: str
    zero: Severity | None = Severity.HIGH
    lower: Severity | None = Severity.MEDIUM
    default: float | None = None
    #: A before of 0 or null means "kept forever" (log retention).
    zero_is_forever: bool = False
    types: frozenset[str] = frozenset()
    #: ``path`` split once (every updated resource of a plan is checked against the rules).
    parts: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parts", tuple(self.path.split(".")))


_H, _M = Severity.HIGH, Severity.MEDIUM
RULES: tuple[_Rule, ...] = (
    _Rule("backup_retention_period", "num", "automated backup retention"),
    _Rule("snapshot_retention_limit", "num", "automatic snapshot retention"),
    _Rule("recovery_window_in_days", "num", "secret recovery window",
          default=30, types=frozenset({"aws_secretsmanager_secret"})),
    _Rule("deletion_window_in_days", "num", "key deletion waiting period", zero=None,
          lower=_H, default=30,
          types=frozenset({"aws_kms_key", "aws_kms_external_key", "aws_kms_replica_key",
                           "aws_kms_replica_external_key"})),
    _Rule("soft_delete_retention_days", "num", "soft-delete retention", lower=_H,
          default=90),
    _Rule("backup_retention_days", "num", "backup retention", default=7),
    _Rule("soft_delete_policy.retention_duration_seconds", "num",
          "soft-delete retention", lower=_H, default=604800),
    _Rule("blob_properties.delete_retention_policy.days", "num",
          "blob soft-delete retention", lower=_H),
    _Rule("blob_properties.container_delete_retention_policy.days", "num",
          "container soft-delete retention", lower=_H),
    _Rule("short_term_retention_policy.retention_days", "num",
          "point-in-time restore window"),
    _Rule("point_in_time_recovery.recovery_period_in_days", "num",
          "point-in-time recovery window", default=35),
    _Rule("retention_in_days", "num", "log retention", zero=None, zero_is_forever=True,
          types=frozenset({"aws_cloudwatch_log_group"})),
    _Rule("point_in_time_recovery.enabled", "bool", "point-in-time recovery"),
    _Rule("settings.backup_configuration.point_in_time_recovery_enabled", "bool",
          "point-in-time recovery"),
    _Rule("settings.backup_configuration.enabled", "bool", "automated backups"),
    _Rule("settings.backup_configuration.binary_log_enabled", "bool",
          "binary logging (needed for point-in-time recovery)"),
    _Rule("versioning.enabled", "bool", "bucket versioning",
          types=frozenset({"aws_s3_bucket", "google_storage_bucket"})),
    _Rule("blob_properties.versioning_enabled", "bool", "blob versioning"),
    _Rule("versioning_configuration.status", "status", "bucket versioning",
          types=frozenset({"aws_s3_bucket_versioning"})),
    _Rule("backup_policy.status", "status", "automatic backups",
          types=frozenset({"aws_efs_backup_policy"})),
)
#: Rules grouped by top-level attribute and then by the path of the object holding the
#: setting, in the order of ``RULES`` (stable finding order): when that object is absent,
#: none of its rules has anything to read.
_BY_TOP: dict[str, tuple[tuple[tuple[str, ...], tuple[_Rule, ...]], ...]] = {
    top: tuple((parent, tuple(r for r in RULES if r.parts[:-1] == parent))
               for parent in dict.fromkeys(r.parts[:-1] for r in RULES if r.parts[0] == top))
    for top in dict.fromkeys(r.parts[0] for r in RULES)
}
_TOPS = frozenset(_BY_TOP)


@lru_cache(maxsize=256)
def _groups(tops: frozenset[str]) -> tuple[tuple[tuple[str, ...], tuple[_Rule, ...]], ...]:
    """The rule groups of these top-level attributes, in the order of ``RULES``."""
    return tuple(group for top, groups in _BY_TOP.items() if top in tops for group in groups)
_LIFECYCLE_TYPES = frozenset({"aws_s3_bucket_lifecycle_configuration", "aws_s3_bucket",
                              "google_storage_bucket", "aws_backup_plan"})


def _read(obj: Any, path: str | tuple[str, ...]) -> Any:
    """A dotted path's value; lists step into their first item; an empty list is _REMOVED."""
    parts = path.split(".") if isinstance(path, str) else path
    if len(parts) == 1 and isinstance(obj, dict):  # the common case, without the loop
        value = obj.get(parts[0])
        return _REMOVED if isinstance(value, list) and not value else value
    for part in parts:
        if isinstance(obj, list):
            if not obj:
                return _REMOVED
            obj = obj[0]
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    if isinstance(obj, list) and not obj:
        return _REMOVED
    return obj


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _weakening(rule: _Rule, before: Any, after: Any) -> tuple[Severity, str, str] | None:
    """(severity, what happens, evidence) when the setting weakens, else None."""
    if after is None:
        return None
    shown_old = "null (default)" if before is None else \
        "removed" if before is _REMOVED else fmt(before)
    shown_new = "removed" if after is _REMOVED else fmt(after)
    evidence = f"{rule.path}: {shown_old} → {shown_new}"
    if rule.kind == "bool":
        if before is True and (after is False or after is _REMOVED):
            return Severity.HIGH, f"{rule.what} switched off", evidence
        return None
    if rule.kind == "status":
        if isinstance(before, str) and isinstance(after, str) \
                and before.lower() in _ON and after.lower() in _OFF:
            return Severity.HIGH, f"{rule.what} {after.lower()}", evidence
        return None
    new = 0.0 if after is _REMOVED else _number(after)
    old = rule.default if before is None else (0.0 if before is _REMOVED else _number(before))
    if rule.zero_is_forever:
        if new is None or new <= 0:
            return None
        if old is None or old <= 0:
            return (rule.lower or Severity.MEDIUM,
                    f"{rule.what} set: data older than {shown_new} now expires", evidence)
    if new is None or old is None or new >= old:
        return None
    if new <= 0 and rule.zero is not None:
        return rule.zero, f"{rule.what} switched off", evidence
    if rule.lower is None:
        return None
    return rule.lower, f"{rule.what} shortened", evidence


def _n(days: float) -> str:
    return str(int(days)) if days.is_integer() else str(days)


def _scope(rule: dict[str, Any]) -> str:
    """The prefix a lifecycle rule is limited to ("" for the whole bucket)."""
    for candidate in (rule.get("prefix"), _read(rule, "filter.prefix"),
                      _read(rule, "filter.and.prefix"), _read(rule, "condition.matches_prefix")):
        if isinstance(candidate, list):
            candidate = ",".join(str(c) for c in candidate)
        if isinstance(candidate, str) and candidate:
            return candidate
    return ""


def _aws_rules(rules: Any) -> Iterator[tuple[str, float, str, str]]:
    """(key, days, scope, label) of the enabled S3 lifecycle rules that expire objects."""
    for index, rule in enumerate(rules if isinstance(rules, list) else ()):
        if not isinstance(rule, dict):
            continue
        status = rule.get("status", rule.get("enabled", "Enabled"))
        if status is False or (isinstance(status, str) and status.lower() != "enabled"):
            continue
        name = str(rule.get("id") or f"#{index + 1}")
        for path, what in (("expiration.days", "current objects"),
                           ("noncurrent_version_expiration.days", "noncurrent versions"),
                           ("noncurrent_version_expiration.noncurrent_days",
                            "noncurrent versions")):
            days = _number(_read(rule, path))
            if days:
                yield f"{name}/{what}", days, _scope(rule), f"rule {name!r} ({what})"


def _expirations(rtype: str, obj: dict[str, Any]) -> dict[str, tuple[float, str, str]]:
    """Rule key → (days until deletion, scope, label) for every enabled rule deleting data."""
    out: dict[str, tuple[float, str, str]] = {}
    if rtype == "google_storage_bucket":
        for rule in obj.get("lifecycle_rule") or ():
            if not isinstance(rule, dict) or _read(rule, "action.type") != "Delete":
                continue
            age = _number(_read(rule, "condition.age"))
            if age is None:
                continue
            condition = _read(rule, "condition")
            cond = {k: v for k, v in condition.items() if k != "age"} \
                if isinstance(condition, dict) else {}
            out[json.dumps(cond, sort_keys=True, default=str)] = (age, _scope(rule),
                                                                  "Delete rule")
        return out
    if rtype == "aws_backup_plan":
        for rule in obj.get("rule") or ():
            if isinstance(rule, dict):
                days = _number(_read(rule, "lifecycle.delete_after"))
                if days:
                    name = str(rule.get("rule_name", ""))
                    out[name] = (days, "", f"backup rule {name!r} (delete_after)")
        return out
    rules = obj.get("rule") if rtype == "aws_s3_bucket_lifecycle_configuration" \
        else obj.get("lifecycle_rule")
    for key, days, scope, label in _aws_rules(rules):
        out[key] = (days, scope, label)
    return out


def _lifecycle(rc: ResourceChange, before: dict[str, Any],
               after: dict[str, Any]) -> list[tuple[Severity, str, str]]:
    """Expiration rules added or shortened between two sides of a lifecycle-bearing resource."""
    old = _expirations(rc.type, before)
    new = _expirations(rc.type, after)
    found: list[tuple[Severity, str, str]] = []
    for key, (days, scope, label) in new.items():
        previous = old.get(key)
        if previous is not None and previous[0] <= days:
            continue
        if rc.type == "aws_backup_plan":
            where = ""
        else:
            where = f" on prefix {scope!r}" if scope else " on the whole bucket"
        change = f"added ({_n(days)} days)" if previous is None else \
            f"shortened {_n(previous[0])} → {_n(days)} days"
        disposable = bool(scope) and any(w in scope.lower() for w in _DISPOSABLE)
        was = "none" if previous is None else f"{_n(previous[0])} days"
        found.append((Severity.MEDIUM if disposable else Severity.HIGH,
                      f"expiration {label} {change}{where}",
                      f"{label}: {was} → {_n(days)} days{' (' + scope + ')' if scope else ''}"))
    return found


class RecoveryReduced(Detector[TerraformPlan]):
    """Backups, point-in-time recovery, versioning or soft delete are reduced or switched off.

    ## What it detects
    Updates (and replacements) that take away a way back:
    `backup_retention_period` or `snapshot_retention_limit` → 0; point-in-time recovery
    disabled (DynamoDB `point_in_time_recovery`, Cloud SQL `backup_configuration`);
    bucket versioning suspended (`aws_s3_bucket_versioning` status `Suspended`, GCS
    `versioning.enabled = false`, Azure `blob_properties.versioning_enabled = false`);
    S3/GCS lifecycle expiration rules added or shortened and backup-plan `delete_after`
    lowered; Secrets Manager `recovery_window_in_days = 0`; KMS `deletion_window_in_days`
    lowered; soft-delete retention lowered (Key Vault, GCS, Azure blobs and containers).
    `high`; `medium` for retention merely lowered (not to zero), for expiration rules scoped
    to log/tmp/cache prefixes and for resources tagged or named for dev/test only. A new
    `aws_s3_bucket_versioning` with status `Suspended`, or a new lifecycle configuration
    for a bucket the plan does not create, is reported with medium confidence.

    ## Why is this risky?
    Backups, versions and soft delete are what turns a bad delete into a restore. Removing
    them is silent: nothing breaks until the day the data is needed, and an expiration
    rule starts deleting objects on its own.

    ## Example
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance",
       "name": "main", "change": {"actions": ["update"],
       "before": {"backup_retention_period": 7}, "after": {"backup_retention_period": 0}}}]}
    ```

    ## Safer alternative
    Keep the retention (change it in its own reviewed change if cost demands it):
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance",
       "name": "main", "change": {"actions": ["update"],
       "before": {"backup_retention_period": 7}, "after": {"backup_retention_period": 14}}}]}
    ```

    ## References
    - Checkov CKV_AWS_28, CKV_AWS_133, CKV_AWS_134, CKV_AWS_21, CKV_GCP_14, CKV_GCP_78,
      CKV_AZURE_111, CKV2_AZURE_38
    - Trivy AVD-AWS-0024, AVD-AWS-0077, AVD-AWS-0090, AVD-AWS-0050, AVD-AZU-0056
    """

    code = "TF008"
    name = "recovery-reduced"
    family = "terraform"
    kinds = (InputKind.TERRAFORM_PLAN,)
    severity = Severity.HIGH
    remediation = (
        "Keep backups, versioning and soft delete at their current level; if retention must "
        "drop, do it in a separate change after confirming nothing needs the older copies."
    )

    def detect(self, doc: TerraformPlan) -> Iterator[Finding]:
        new_buckets = {str(side(rc, "after").get("bucket"))
                       for rc in doc.of_types(("aws_s3_bucket",)) if rc.managed and rc.is_create}
        for rc in doc.changed:
            if not isinstance(rc.after, dict):
                continue
            if not isinstance(rc.before, dict):
                yield from self._created(doc, rc, new_buckets)
                continue
            for severity, what, evidence in self._weakenings(rc):
                if severity is Severity.HIGH and only_nonprod(rc):
                    severity = Severity.MEDIUM
                message = f"{rc.address}{environment_label(rc)}: {what}"
                if not what.startswith("expiration"):
                    message += f" ({evidence})"
                yield self.finding(message,
                                   location(doc, rc), evidence=evidence, severity=severity)

    def _weakenings(self, rc: ResourceChange) -> Iterator[tuple[Severity, str, str]]:
        before, after = side(rc, "before"), side(rc, "after")
        present = _TOPS.intersection(after)
        if present:
            for parent, rules in _groups(present):
                if parent and _read(after, parent) is None:
                    continue  # the object holding these settings is not there
                for rule in rules:
                    if rule.types and rc.type not in rule.types:
                        continue
                    new = _read(after, rule.parts)
                    if new is None or unknown_at(rc.after_unknown, rule.parts):
                        continue  # not set (nothing weakens), or known only after apply
                    change = _weakening(rule, _read(before, rule.parts), new)
                    if change is not None:
                        yield change
        if rc.type in _LIFECYCLE_TYPES:
            yield from _lifecycle(rc, before, after)

    def _created(self, doc: TerraformPlan, rc: ResourceChange,
                 new_buckets: set[str]) -> Iterator[Finding]:
        """New resources that weaken an existing bucket (versioning, lifecycle)."""
        if rc.type not in ("aws_s3_bucket_versioning", "aws_s3_bucket_lifecycle_configuration"):
            return
        after = side(rc, "after")
        bucket = after.get("bucket")
        if rc.is_unknown("bucket") or not isinstance(bucket, str) or bucket in new_buckets:
            return
        if rc.type == "aws_s3_bucket_versioning":
            status = _read(after, "versioning_configuration.status")
            if status == "Suspended":
                yield self.finding(
                    f"{rc.address}{environment_label(rc)}: versioning of existing bucket "
                    f"{bucket!r} set to Suspended", location(doc, rc),
                    evidence="versioning_configuration.status: Suspended",
                    confidence=Confidence.MEDIUM)
            return
        for severity, what, evidence in _lifecycle(rc, {}, after):
            yield self.finding(
                f"{rc.address}{environment_label(rc)}: new lifecycle configuration for existing "
                f"bucket {bucket!r}: {what}", location(doc, rc), evidence=evidence,
                severity=Severity.MEDIUM if only_nonprod(rc) else severity,
                confidence=Confidence.MEDIUM)
