"""SEC003: secrets or keys are destroyed without a recovery window."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from reviewer.detectors.base import Detector
from reviewer.detectors.secrets._common import trim
from reviewer.errors import InputError
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.base import before_may_mention
from reviewer.parsers.hcl import Block, HclFile
from reviewer.parsers.shell import Command, ShellScript, parse_shell
from reviewer.parsers.terraform_plan import ResourceChange, TerraformPlan
from reviewer.parsers.workflow import Workflow

#: Plan / HCL resource types whose destruction deletes secrets with no recovery.
_NO_RECOVERY = {
    "google_secret_manager_secret": "Secret Manager secrets are deleted immediately, with "
                                    "every version",
    "vault_kv_secret_v2": "all versions and metadata of the KV v2 secret are destroyed",
    "vault_kv_secret": "the KV secret is deleted",
    "vault_generic_secret": "the Vault secret is deleted",
    "vault_mount": "every secret in the Vault mount is destroyed",
    "azurerm_key_vault_managed_hardware_security_module": "the managed HSM and its keys are "
                                                          "purged",
}
_KEY_VAULT_CHILDREN = frozenset({"azurerm_key_vault_secret", "azurerm_key_vault_key",
                                 "azurerm_key_vault_certificate"})
_PURGE_FEATURES = frozenset({"purge_soft_delete_on_destroy",
                             "purge_soft_deleted_secrets_on_destroy",
                             "purge_soft_deleted_keys_on_destroy",
                             "purge_soft_deleted_certificates_on_destroy",
                             "purge_soft_deleted_hardware_security_modules_on_destroy"})


def _shell_reason(argv: tuple[str, ...]) -> str | None:
    """Why a command destroys secrets or keys for good, or None."""
    words = [a for a in argv if a]
    if not words:
        return None
    program = words[0].rsplit("/", 1)[-1]
    args = [w for w in words[1:] if not w.startswith("-")]
    flags = set(words[1:])
    if program == "gh" and args[:1] == ["secret"] and args[1:2] in (["delete"], ["remove"]):
        name = args[2] if len(args) > 2 else "a secret"
        return f"deletes GitHub Actions secret {name} (no recovery)"
    if program == "vault":
        if args[:2] == ["kv", "destroy"]:
            return "permanently destroys Vault KV secret versions"
        if args[:3] == ["kv", "metadata", "delete"]:
            return "deletes a Vault KV secret with all its versions and metadata"
        if args[:2] == ["secrets", "disable"]:
            return "disables a Vault secrets engine, destroying every secret in it"
    if program == "aws" and args[:2] == ["secretsmanager", "delete-secret"] and (
            "--force-delete-without-recovery" in flags
            or any(f.startswith("--force-delete-without-recovery") for f in flags)):
        return "deletes an AWS Secrets Manager secret with --force-delete-without-recovery"
    if program == "aws" and args[:2] == ["kms", "schedule-key-deletion"]:
        return "schedules deletion of a KMS key (data encrypted with it becomes unreadable)"
    if program == "az" and args[:1] == ["keyvault"] and "purge" in args[1:3]:
        return "purges a soft-deleted Azure Key Vault object (no recovery)"
    if program == "gcloud" and args[:2] == ["secrets", "delete"]:
        return "deletes a Google Secret Manager secret and all its versions"
    if program == "gcloud" and args[:1] == ["kms"] and "destroy" in args:
        return "destroys a Cloud KMS key version"
    return None



#: Resource types whose removal SEC003 reports from an HCL diff.
_REMOVABLE_TYPES = ("aws_secretsmanager_secret", "azurerm_key_vault", *_NO_RECOVERY)

class SecretStoreDestroyed(Detector[Any]):
    """Secrets or encryption keys are destroyed with no recovery window.

    ## What it detects
    - Terraform plans: an `aws_secretsmanager_secret` destroyed with
      `recovery_window_in_days = 0`; an `azurerm_key_vault` destroyed without purge
      protection (the provider purges it on destroy by default), Key Vault secrets, keys and
      certificates destroyed (`medium` confidence: purged unless the provider features say
      otherwise); `google_secret_manager_secret`, `vault_kv_secret_v2`,
      `vault_generic_secret` and `vault_mount` destroyed.
    - Terraform files: `recovery_window_in_days = 0` set on a secret, and azurerm
      `purge_soft_delete_on_destroy`-style features switched on.
    - Shell scripts and CI `run:` steps: `gh secret delete`, `vault kv destroy`,
      `vault kv metadata delete`, `vault secrets disable`,
      `aws secretsmanager delete-secret --force-delete-without-recovery`,
      `aws kms schedule-key-deletion`, `az keyvault … purge`, `gcloud secrets delete`,
      `gcloud kms keys versions destroy`.
    Deletes that keep a recovery window (`delete-secret` with the default 30 days, Vault
    `kv delete`, which `kv undelete` reverses) are not reported.

    ## Why is this risky?
    Secret stores hold what every service needs to start: database passwords, API keys,
    signing and encryption keys. Deleting them without a recovery window takes dependent
    services down at their next restart or rotation, and destroyed encryption keys make
    the data they protect unreadable for good.

    ## Example
    ```bash
    #!/usr/bin/env bash
    set -euo pipefail
    aws secretsmanager delete-secret --secret-id prod/billing/db --force-delete-without-recovery
    ```

    ## Safer alternative
    Schedule the deletion with a recovery window, so a mistake can be undone with
    `restore-secret`:
    ```bash
    #!/usr/bin/env bash
    set -euo pipefail
    aws secretsmanager delete-secret --secret-id prod/billing/db --recovery-window-in-days 30
    ```

    ## References
    - destructive_command_guard (DCG) `platform.github:gh-secret-delete`,
      `cicd.github_actions:gh-actions-secret-remove`, secrets packs
    - Checkov `CKV_AZURE_110` (Key Vault purge protection), `CKV_AZURE_42`
    - AWS Secrets Manager `DeleteSecret` (`ForceDeleteWithoutRecovery`,
      `RecoveryWindowInDays`)
    """

    code = "SEC003"
    name = "secret-store-destroyed"
    family = "secrets"
    kinds = (InputKind.SHELL, InputKind.TERRAFORM_PLAN, InputKind.HCL, InputKind.WORKFLOW)
    severity = Severity.HIGH
    remediation = (
        "Delete secrets and keys with a recovery window (Secrets Manager 7–30 days, Key "
        "Vault soft delete with purge protection, Vault `kv delete`), and only after every "
        "consumer has moved to the replacement."
    )

    def detect(self, doc: Any) -> Iterator[Finding]:
        if isinstance(doc, TerraformPlan):
            yield from self._plan(doc)
        elif isinstance(doc, HclFile):
            yield from self._hcl(doc)
        elif isinstance(doc, ShellScript):
            yield from self._commands(doc.path, doc.commands, doc.touches)
        elif isinstance(doc, Workflow):
            yield from self._workflow(doc)

    # ------------------------------------------------------------------ plan

    def _plan(self, doc: TerraformPlan) -> Iterator[Finding]:
        for rc in doc.destroyed:
            if not rc.managed or not rc.is_delete or rc.is_forget:
                continue
            found = self._plan_reason(rc)
            if found is None:
                continue
            reason, confidence = found
            yield self.finding(f"{rc.address} will be destroyed: {reason}",
                               Location(path=doc.path, address=rc.address),
                               evidence=f"actions: {list(rc.actions)}", confidence=confidence)

    @staticmethod
    def _plan_reason(rc: ResourceChange) -> tuple[str, Confidence] | None:
        before = rc.before if isinstance(rc.before, dict) else {}
        if rc.type == "aws_secretsmanager_secret":
            if before.get("recovery_window_in_days") == 0:
                return "recovery_window_in_days = 0 deletes it immediately", Confidence.HIGH
            return None
        if rc.is_replace and rc.type in _KEY_VAULT_CHILDREN:
            return None  # rotation: a new version replaces the old one
        if rc.type == "azurerm_key_vault":
            if before.get("purge_protection_enabled") is True:
                return None
            return ("no purge protection, and the azurerm provider purges vaults on destroy "
                    "by default"), Confidence.MEDIUM
        if rc.type in _KEY_VAULT_CHILDREN:
            return ("the azurerm provider purges soft-deleted Key Vault objects on destroy by "
                    "default"), Confidence.MEDIUM
        if rc.type in _NO_RECOVERY:
            return _NO_RECOVERY[rc.type], Confidence.HIGH
        return None

    # ------------------------------------------------------------------ HCL

    def _hcl(self, doc: HclFile) -> Iterator[Finding]:
        for block in doc.blocks:
            if block.block_type == "resource" and block.type == "aws_secretsmanager_secret" \
                    and block.literal("recovery_window_in_days") == 0 \
                    and doc.touches(block.line_of("recovery_window_in_days")):
                yield self.finding(
                    f"{block.address}: recovery_window_in_days = 0, so destroying it deletes "
                    "the secret immediately",
                    Location(path=doc.path, line=block.line_of("recovery_window_in_days"),
                             address=block.address),
                    evidence="recovery_window_in_days = 0", severity=Severity.MEDIUM)
            if block.block_type == "provider" and block.labels[:1] == ("azurerm",):
                yield from self._purge_features(doc, block, block)
        if doc.changed_lines is None or not before_may_mention(doc, *_REMOVABLE_TYPES):
            return
        before = doc.before()
        if before is None:
            return
        present = {b.address for b in doc.blocks}
        for old in before.blocks:
            if old.block_type != "resource" or old.address in present:
                continue
            reason = self._removed_reason(old)
            if reason is not None:
                yield self.finding(
                    f"{old.address} removed from the configuration: {reason}",
                    Location(path=doc.path, line=self._removal_line(doc, before, old),
                             address=old.address),
                    evidence=f'resource "{old.type}" "{old.name}" removed')

    @staticmethod
    def _removed_reason(old: Block) -> str | None:
        if old.type == "aws_secretsmanager_secret":
            if old.literal("recovery_window_in_days") == 0:
                return "recovery_window_in_days = 0 deletes the secret immediately"
            return None
        if old.type == "azurerm_key_vault" and old.literal("purge_protection_enabled") is not True:
            return "no purge protection, and the azurerm provider purges vaults on destroy"
        return _NO_RECOVERY.get(old.type)

    @staticmethod
    def _removal_line(doc: HclFile, before: HclFile, old: Block) -> int | None:
        """New-side line where a removed block used to be: the next block that is still
        there, else the last added line (the family's line convention for removals)."""
        present = {b.address: b.line for b in doc.blocks}
        for later in before.blocks:
            if later.line > old.line and later.address in present:
                return present[later.address]
        changed = sorted(doc.changed_lines or ())
        return changed[-1] if changed else None

    def _purge_features(self, doc: HclFile, provider: Block, block: Block) -> Iterator[Finding]:
        for nested in block.blocks:
            for name in _PURGE_FEATURES & nested.attributes.keys():
                line = nested.line_of(name)
                if nested.literal(name) is True and doc.touches(line):
                    yield self.finding(
                        f"provider azurerm: {name} = true purges Key Vault objects on destroy",
                        Location(path=doc.path, line=line, address=provider.address),
                        evidence=f"{name} = true")
            yield from self._purge_features(doc, provider, nested)

    # ------------------------------------------------------------------ shell

    def _commands(self, path: str, commands: Sequence[Command],
                  touches: Callable[[int | None, int | None], bool],
                  offset: int = 0) -> Iterator[Finding]:
        for command in commands:
            line = command.line + offset
            if not touches(line, command.end_line + offset):
                continue
            reason = _shell_reason(command.effective_argv)
            if reason is None:
                continue
            yield self.finding(f"{path}: {reason}", Location(path=path, line=line),
                               evidence=trim(command.raw))

    def _workflow(self, doc: Workflow) -> Iterator[Finding]:
        for _, step in doc.all_steps():
            if not step.run or step.run_line is None:
                continue
            try:
                script = parse_shell(step.run, doc.path)
            except InputError:
                continue
            yield from self._commands(doc.path, script.commands, doc.touches,
                                      offset=step.run_line - 1)
