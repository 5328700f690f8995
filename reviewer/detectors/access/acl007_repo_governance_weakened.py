"""ACL007: GitHub branch protection or a repository ruleset is weakened."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from reviewer.detectors.access._common import as_list, compact, dig, tf_location
from reviewer.detectors.base import Detector
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.base import before_may_mention
from reviewer.parsers.hcl import Block, HclFile, literal_value
from reviewer.parsers.terraform_plan import ResourceChange, TerraformPlan


@dataclass(frozen=True, slots=True)
class Check:
    """One weakening transition: a dotted path, how it weakens, and what that means."""

    path: str
    #: true | false (the value turning to it weakens) | decrease | removed | grows | shrinks
    #: | inactive
    how: str
    what: str
    severity: Severity | None = None


_M = Severity.MEDIUM
_PR = "required_pull_request_reviews"
_BRANCH_PROTECTION = (
    Check("allows_force_pushes", "true", "allows force pushes"),
    Check("allows_deletions", "true", "allows the branch to be deleted"),
    Check("enforce_admins", "false", "no longer applies to administrators"),
    Check(_PR, "removed", "no longer requires pull request reviews"),
    Check(f"{_PR}.required_approving_review_count", "decrease", "requires fewer approvals"),
    Check(f"{_PR}.require_code_owner_reviews", "false", "no longer requires code-owner review"),
    Check(f"{_PR}.dismiss_stale_reviews", "false", "keeps stale approvals", _M),
    Check(f"{_PR}.require_last_push_approval", "false",
          "no longer requires approval of the last push", _M),
    Check(f"{_PR}.pull_request_bypassers", "grows", "lets more actors bypass pull requests"),
    Check("required_status_checks", "removed", "no longer requires status checks"),
    Check("required_status_checks.contexts", "shrinks", "drops required status checks"),
    Check("required_status_checks.strict", "false",
          "no longer requires branches to be up to date", _M),
    Check("force_push_bypassers", "grows", "lets more actors force-push"),
    Check("require_signed_commits", "false", "no longer requires signed commits", _M),
    Check("restrict_pushes", "removed", "no longer restricts who can push", _M),
    Check("restrict_pushes.push_allowances", "grows", "lets more actors push", _M),
)
_BRANCH_PROTECTION_V3 = (
    Check("enforce_admins", "false", "no longer applies to administrators"),
    Check(_PR, "removed", "no longer requires pull request reviews"),
    Check(f"{_PR}.required_approving_review_count", "decrease", "requires fewer approvals"),
    Check(f"{_PR}.require_code_owner_reviews", "false", "no longer requires code-owner review"),
    Check(f"{_PR}.dismiss_stale_reviews", "false", "keeps stale approvals", _M),
    Check(f"{_PR}.require_last_push_approval", "false",
          "no longer requires approval of the last push", _M),
    Check(f"{_PR}.bypass_pull_request_allowances.users", "grows",
          "lets more users bypass pull requests"),
    Check(f"{_PR}.bypass_pull_request_allowances.teams", "grows",
          "lets more teams bypass pull requests"),
    Check(f"{_PR}.bypass_pull_request_allowances.apps", "grows",
          "lets more apps bypass pull requests"),
    Check("required_status_checks", "removed", "no longer requires status checks"),
    Check("required_status_checks.contexts", "shrinks", "drops required status checks"),
    Check("required_status_checks.checks", "shrinks", "drops required status checks"),
    Check("required_status_checks.strict", "false",
          "no longer requires branches to be up to date", _M),
    Check("require_signed_commits", "false", "no longer requires signed commits", _M),
    Check("restrictions", "removed", "no longer restricts who can push", _M),
)
_RULESET = (
    Check("enforcement", "inactive", "is no longer enforced"),
    Check("bypass_actors", "grows", "adds bypass actors"),
    Check("rules.deletion", "false", "allows matching branches to be deleted"),
    Check("rules.non_fast_forward", "false", "allows force pushes"),
    Check("rules.required_linear_history", "false", "no longer requires linear history", _M),
    Check("rules.required_signatures", "false", "no longer requires signed commits", _M),
    Check("rules.pull_request", "removed", "no longer requires pull requests"),
    Check("rules.pull_request.required_approving_review_count", "decrease",
          "requires fewer approvals"),
    Check("rules.pull_request.require_code_owner_review", "false",
          "no longer requires code-owner review"),
    Check("rules.pull_request.dismiss_stale_reviews_on_push", "false", "keeps stale approvals",
          _M),
    Check("rules.pull_request.require_last_push_approval", "false",
          "no longer requires approval of the last push", _M),
    Check("rules.required_status_checks", "removed", "no longer requires status checks"),
    Check("rules.required_status_checks.required_check", "shrinks",
          "drops required status checks"),
    Check("conditions.ref_name.include", "shrinks", "applies to fewer branches", _M),
    Check("conditions.ref_name.exclude", "grows", "excludes more branches", _M),
)
CHECKS: dict[str, tuple[Check, ...]] = {
    "github_branch_protection": _BRANCH_PROTECTION,
    "github_branch_protection_v3": _BRANCH_PROTECTION_V3,
    "github_repository_ruleset": _RULESET,
    "github_organization_ruleset": _RULESET,
}


class _Unknown:
    """A value the reviewer cannot read (known after apply, or an HCL expression)."""

    def __repr__(self) -> str:
        return "(unknown)"


UNKNOWN = _Unknown()


def _items(value: Any) -> set[str]:
    return {compact(v, 1000) for v in as_list(value)}


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {}


def weakenings(check: Check, before: Any, after: Any) -> str | None:
    """Evidence text when ``before → after`` weakens the setting, else None."""
    if isinstance(before, _Unknown) or isinstance(after, _Unknown):
        return None
    how = check.how
    if how == "true" and after is True and before is not True:
        return f"{check.path}: {compact(before)} → true"
    if how == "false" and after is False and before is True:
        return f"{check.path}: true → false"
    if how == "decrease" and isinstance(before, int) and isinstance(after, int) \
            and after < before:
        return f"{check.path}: {before} → {after}"
    if how == "removed" and not _empty(before) and _empty(after):
        return f"{check.path}: block removed"
    if how == "grows":
        added = sorted(_items(after) - _items(before))
        if added:
            return f"{check.path}: added {', '.join(added)[:150]}"
    if how == "shrinks":
        gone = sorted(_items(before) - _items(after))
        if gone:
            return f"{check.path}: removed {', '.join(gone)[:150]}"
    if how == "inactive" and before == "active" and isinstance(after, str) and after != "active":
        return f"{check.path}: active → {after}"
    return None


def weakened(checks: tuple[Check, ...], before: Callable[[str], Any],
             after: Callable[[str], Any]) -> list[tuple[Check, str]]:
    """Checks that fire, leaving out those inside a block that is removed as a whole."""
    out: list[tuple[Check, str]] = []
    removed: list[str] = []
    for check in checks:
        if any(check.path.startswith(r + ".") for r in removed):
            continue
        evidence = weakenings(check, before(check.path), after(check.path))
        if evidence is None:
            continue
        if check.how == "removed":
            removed.append(check.path)
        out.append((check, evidence))
    return out


def _label(attrs: dict[str, Any]) -> str:
    for key in ("pattern", "branch", "name"):
        value = attrs.get(key)
        if isinstance(value, str) and value:
            return f" ({value})"
    return ""


def _plan_value(rc: ResourceChange, side: dict[str, Any] | None, path: str,
                after: bool) -> Any:
    if after and rc.is_unknown(path):
        return UNKNOWN
    return dig(side, path) if side is not None else None


# --------------------------------------------------------------------------- HCL

_TRAILING_COMMA = re.compile(r",(\s*[\]}])")


def _hcl_attr(source: str) -> Any:
    value = literal_value(source, UNKNOWN)
    if value is not UNKNOWN:
        return value
    text = source.strip()
    if text.startswith("["):
        try:
            decoded = json.loads(_TRAILING_COMMA.sub(r"\1", text))
        except (ValueError, RecursionError):
            return UNKNOWN
        return decoded if isinstance(decoded, list) else UNKNOWN
    return UNKNOWN


def block_values(block: Block) -> dict[str, Any]:
    """A resource block as plan-like values: literals, nested blocks as lists of objects."""
    out: dict[str, Any] = {k: _hcl_attr(v) for k, v in block.attributes.items()}
    for nested in block.blocks:
        if nested.block_type == "dynamic":
            if nested.labels:
                out[nested.labels[0]] = UNKNOWN
            continue
        current = out.setdefault(nested.block_type, [])
        if isinstance(current, list):
            current.append(block_values(nested))
    return out


def _hcl_dig(values: dict[str, Any], path: str) -> Any:
    obj: Any = values
    for part in path.split("."):
        if isinstance(obj, _Unknown):
            return obj
        if isinstance(obj, list):
            obj = obj[0] if obj else None
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _hcl_line(block: Block, path: str) -> int:
    """Line of the attribute at ``path`` (or of the deepest block on the way)."""
    current = block
    parts = path.split(".")
    for part in parts[:-1]:
        nested = current.nested(part)
        if not nested:
            return current.line
        current = nested[0]
    last = parts[-1]
    if last in current.attribute_lines:
        return current.attribute_lines[last]
    nested = current.nested(last)
    return nested[0].line if nested else current.line


class RepoGovernanceWeakened(Detector[TerraformPlan | HclFile]):
    """GitHub branch protection or a repository ruleset is weakened or removed.

    ## What it detects
    Updates, replacements and deletions of `github_branch_protection`,
    `github_branch_protection_v3`, `github_repository_ruleset` and
    `github_organization_ruleset` (in a plan, or in `.tf` files changed by a diff, compared
    with their previous version) that:
    - allow force pushes or branch deletion (`allows_force_pushes`, `allows_deletions`,
      ruleset `non_fast_forward`/`deletion` switched off);
    - turn `enforce_admins` off or take a ruleset out of `active` enforcement;
    - remove required pull-request reviews or status checks, lower
      `required_approving_review_count`, drop code-owner review or required checks;
    - add bypass actors, pull-request bypassers or force-push bypassers;
    - destroy the protection or ruleset (not when its repository is archived or destroyed
      in the same plan).

    Stale-review, signed-commit, linear-history and push-restriction relaxations are
    `medium`. New protections are not judged.

    ## Why is this risky?
    Branch protection is what makes review and CI mandatory. Once force pushes, admin
    bypass or unreviewed merges are allowed, one compromised token or hurried push can
    rewrite or ship the default branch without anyone else looking.

    ## Example
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "github_branch_protection.main", "mode": "managed",
       "type": "github_branch_protection", "name": "main", "change": {"actions": ["update"],
       "before": {"pattern": "main", "enforce_admins": true, "allows_force_pushes": false,
                  "required_pull_request_reviews": [{"required_approving_review_count": 2}]},
       "after": {"pattern": "main", "enforce_admins": false, "allows_force_pushes": true,
                 "required_pull_request_reviews": [{"required_approving_review_count": 2}]}}}]}
    ```

    ## Safer alternative
    Keep the protection as it is and grant a time-boxed bypass through a ruleset bypass
    list reviewed separately, or raise requirements instead:
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "github_branch_protection.main", "mode": "managed",
       "type": "github_branch_protection", "name": "main", "change": {"actions": ["update"],
       "before": {"pattern": "main", "enforce_admins": true, "allows_force_pushes": false,
                  "required_pull_request_reviews": [{"required_approving_review_count": 1}]},
       "after": {"pattern": "main", "enforce_admins": true, "allows_force_pushes": false,
                 "required_pull_request_reviews": [{"required_approving_review_count": 2}]}}}]}
    ```

    ## References
    - Checkov CKV_GITHUB_5, CKV_GITHUB_10, CKV_GITHUB_13, CKV_GITHUB_14, CKV_GITHUB_18,
      CKV_GIT_5
    - OpenSSF Scorecard "Branch-Protection" check
    """

    code = "ACL007"
    name = "repo-governance-weakened"
    family = "access"
    kinds = (InputKind.TERRAFORM_PLAN, InputKind.HCL)
    severity = Severity.HIGH
    remediation = (
        "Keep force pushes, deletions and admin bypass off and review requirements as they "
        "are; if an exception is needed, make it a separate, time-boxed change approved by "
        "the repository owners."
    )

    def detect(self, doc: TerraformPlan | HclFile) -> Iterator[Finding]:
        if isinstance(doc, TerraformPlan):
            yield from self._plan(doc)
        else:
            yield from self._hcl(doc)

    # ---------------------------------------------------------------- plan

    def _plan(self, plan: TerraformPlan) -> Iterator[Finding]:
        retired: set[str] | None = None
        for rc in plan.of_types(CHECKS, changed=True):
            checks = CHECKS[rc.type]
            before = rc.before if isinstance(rc.before, dict) else None
            if before is None:
                continue  # a new protection is not a weakening
            if rc.is_pure_delete:
                if retired is None:
                    retired = _retired_repositories(plan)
                if _repository_of(before) & retired:
                    continue
                yield self.finding(
                    f"{rc.address}{_label(before)} is destroyed: the branch loses this "
                    "protection", tf_location(plan, rc), evidence=f"actions: {list(rc.actions)}")
                continue
            if not rc.is_update and not rc.is_replace:
                continue
            after = rc.after if isinstance(rc.after, dict) else {}
            yield from self._moved(plan, rc, before, after)
            found = weakened(checks, partial(_plan_value, rc, before, after=False),
                             partial(_plan_value, rc, after, after=True))
            for check, evidence in found:
                yield self.finding(f"{rc.address}{_label(after)} {check.what}",
                                   tf_location(plan, rc), evidence=evidence,
                                   severity=check.severity)

    def _moved(self, plan: TerraformPlan, rc: ResourceChange, before: dict[str, Any],
               after: dict[str, Any]) -> Iterator[Finding]:
        for key in ("pattern", "branch"):
            old, new = before.get(key), after.get(key)
            if isinstance(old, str) and isinstance(new, str) and old != new:
                yield self.finding(
                    f"{rc.address} moves from {key} {old!r} to {new!r}: {old!r} is no longer "
                    "protected", tf_location(plan, rc), evidence=f"{key}: {old} → {new}",
                    severity=Severity.MEDIUM, confidence=Confidence.MEDIUM)

    # ---------------------------------------------------------------- HCL

    def _hcl(self, doc: HclFile) -> Iterator[Finding]:
        blocks = [b for b in doc.resources if b.type in CHECKS]
        if not before_may_mention(doc, *CHECKS):
            return  # the old file declared no governance resource: nothing to weaken
        previous = doc.before()
        if previous is None:
            return  # a whole file or a new file: nothing was weakened
        old_blocks = {b.address: b for b in previous.resources if b.type in CHECKS}
        for block in blocks:
            old = old_blocks.pop(block.address, None)
            if old is None:
                continue
            before, after = block_values(old), block_values(block)
            found = weakened(CHECKS[block.type], partial(_hcl_dig, before),
                             partial(_hcl_dig, after))
            for check, evidence in found:
                yield self.finding(
                    f"{block.address}{_label(after)} {check.what}",
                    Location(path=doc.path, line=_hcl_line(block, check.path),
                             address=block.address),
                    evidence=evidence, severity=check.severity)
        for old in old_blocks.values():
            yield self.finding(
                f"{old.address}{_label(block_values(old))} is removed from this file: unless "
                "it moved elsewhere, the branch loses this protection",
                Location(path=doc.path, address=old.address),
                evidence=f"resource \"{old.type}\" \"{old.name}\" deleted",
                severity=Severity.MEDIUM, confidence=Confidence.LOW)


def _repository_of(attrs: dict[str, Any]) -> set[str]:
    return {v for k in ("repository_id", "repository") if isinstance(v := attrs.get(k), str)}


def _retired_repositories(plan: TerraformPlan) -> set[str]:
    """Names and node ids of repositories the plan destroys or archives."""
    out: set[str] = set()
    for rc in plan.of_types(("github_repository",)):
        if not isinstance(rc.before, dict):
            continue
        after = rc.after if isinstance(rc.after, dict) else None
        if rc.is_pure_delete or (after is not None and after.get("archived") is True):
            for key in ("name", "node_id", "repo_id", "full_name"):
                value = rc.before.get(key)
                if value is not None:
                    out.add(str(value))
    return out
