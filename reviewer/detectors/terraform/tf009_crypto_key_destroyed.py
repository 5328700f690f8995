"""TF009: an encryption key is destroyed, disabled or loses its purge protection."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.terraform._common import (
    CRYPTO_KEY_TYPES,
    environment_label,
    fmt,
    location,
    replace_reason,
    side,
    skip_destroy,
)
from reviewer.models import Confidence, Finding, InputKind, Severity
from reviewer.parsers.terraform_plan import ResourceChange, TerraformPlan

#: (attribute, before, after) transitions that disable a key or its protection.
_DISABLES: tuple[tuple[str, object, object, str], ...] = (
    ("is_enabled", True, False, "the key is disabled: nothing can decrypt with it"),
    ("enabled", True, False, "the key is disabled: nothing can decrypt with it"),
    ("state", "ENABLED", "DISABLED", "the key version is disabled"),
    ("state", "ENABLED", "DESTROYED", "the key version is destroyed"),
    ("state", "DISABLED", "DESTROYED", "the key version is destroyed"),
    ("purge_protection_enabled", True, False,
     "purge protection is switched off: a deleted vault or key can be purged for good"),
)


def _window(rc: ResourceChange) -> str:
    """How long before key material is gone, from the before-state, in words."""
    before = side(rc, "before")
    days = before.get("deletion_window_in_days")
    if rc.type.startswith("aws_kms"):
        return f" after a {days if isinstance(days, int) else 30}-day waiting period"
    duration = before.get("destroy_scheduled_duration")
    if rc.type.startswith("google_kms") and isinstance(duration, str):
        return f" after {duration}"
    return ""


class CryptoKeyDestroyed(Detector[TerraformPlan]):
    """An encryption key (KMS, Cloud KMS, Key Vault) is destroyed, disabled or made purgeable.

    ## What it detects
    A delete or replacement of `aws_kms_key` (and external/replica keys),
    `google_kms_crypto_key`, `google_kms_crypto_key_version`, `azurerm_key_vault` or
    `azurerm_key_vault_key`; an update that disables a key (`is_enabled` → `false`, a key
    version `state` → `DISABLED`/`DESTROYED`); or Key Vault `purge_protection_enabled`
    → `false`. `critical`; a deposed leftover of an earlier failed replacement is `high`.
    Aliases (`aws_kms_alias`) and rotation settings are not keys and are not reported.

    ## Why is this risky?
    Every volume, bucket, database, backup and secret encrypted with the key becomes
    unreadable when the key material is gone: the data is lost even though it still exists.
    The AWS waiting period and Key Vault soft delete are the only way back, and a disabled
    key breaks every reader at once.

    ## Example
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_kms_key.data", "mode": "managed", "type": "aws_kms_key",
       "name": "data", "change": {"actions": ["delete"], "after": null,
       "before": {"description": "data at rest", "deletion_window_in_days": 7}}}]}
    ```

    ## Safer alternative
    Keep the key (point a new alias at a new key and let the old one keep decrypting), or
    stop managing it without destroying it (`removed { lifecycle { destroy = false } }`):
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_kms_alias.data", "mode": "managed", "type": "aws_kms_alias",
       "name": "data", "change": {"actions": ["update"],
       "before": {"name": "alias/data", "target_key_id": "1111"},
       "after": {"name": "alias/data", "target_key_id": "2222"}}}]}
    ```

    ## References
    - Checkov CKV_GCP_82 (KMS key `prevent_destroy`), CKV_AWS_7, CKV_AWS_33,
      CKV_AZURE_110; Trivy AVD-AZU-0016
    - AWS KMS "Deleting AWS KMS keys"; Google Cloud KMS "Destroy and restore key versions"
    """

    code = "TF009"
    name = "crypto-key-destroyed"
    family = "terraform"
    kinds = (InputKind.TERRAFORM_PLAN,)
    severity = Severity.CRITICAL
    remediation = (
        "Do not destroy or disable keys that may still protect data; rotate by pointing the "
        "alias at a new key, and keep purge protection on. Add `lifecycle { prevent_destroy = "
        "true }` to key resources."
    )

    def detect(self, doc: TerraformPlan) -> Iterator[Finding]:
        for rc in doc.of_types(CRYPTO_KEY_TYPES, changed=True):
            if rc.is_delete:
                if not skip_destroy(rc):
                    yield self._destroyed(doc, rc)
                continue
            yield from self._disabled(doc, rc)

    def _destroyed(self, doc: TerraformPlan, rc: ResourceChange) -> Finding:
        what = "replaced: the old key is destroyed" if rc.is_replace else "destroyed"
        vault = rc.type in ("azurerm_key_vault",
                            "azurerm_key_vault_managed_hardware_security_module")
        loses = "with every key, secret and certificate in it; data encrypted with those keys" \
            if vault else "; data encrypted with it"
        message = (f"{rc.address}{environment_label(rc)} ({rc.type}) will be {what}"
                   f"{_window(rc)}{' ' if vault else ''}{loses} becomes unrecoverable")
        reason = replace_reason(rc) if rc.is_replace else ""
        if reason:
            message += f" (replacement forced by {reason})"
        evidence = f"actions: {list(rc.actions)}"
        if rc.action_reason:
            evidence += f"; action_reason: {rc.action_reason}"
        if rc.deposed:
            return self.finding(
                f"{message} (deposed object {rc.deposed}, left by an earlier failed replace)",
                location(doc, rc), evidence=evidence, severity=Severity.HIGH,
                confidence=Confidence.MEDIUM)
        return self.finding(message, location(doc, rc), evidence=evidence)

    def _disabled(self, doc: TerraformPlan, rc: ResourceChange) -> Iterator[Finding]:
        before, after = side(rc, "before"), side(rc, "after")
        if not before or not after:
            return
        for attr, old, new, what in _DISABLES:
            if attr not in after or rc.is_unknown(attr):
                continue
            if before.get(attr) == old and after.get(attr) == new:
                yield self.finding(
                    f"{rc.address}{environment_label(rc)} ({rc.type}): {what}",
                    location(doc, rc), evidence=f"{attr}: {fmt(old)} → {fmt(new)}")
