"""TF005: count / for_each instances are destroyed because their index or key shifted."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from reviewer.detectors.base import Detector
from reviewer.detectors.terraform._common import (
    REPETITION_REASONS,
    base_address,
    comparable,
    environment_label,
    instance_key,
    same_object,
    side,
    unknown_keys,
)
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.terraform_plan import ResourceChange, TerraformPlan

#: Attributes that name an object; a value that moves to another index means the list shifted.
_IDENTITY = ("name", "bucket", "identifier", "cidr_block", "function_name", "domain_name",
             "ip_cidr_range", "address_prefix", "fqdn")

_WHY = {
    "delete_because_count_index": (
        "a list element was inserted or removed in the middle of `count`, so every later "
        "index now points at a different object"
    ),
    "delete_because_each_key": (
        "for_each keys changed: renamed keys destroy the old instance and create a new one"
    ),
    "delete_because_wrong_repetition": (
        "count was converted to for_each (or back) without `moved` blocks for the instances"
    ),
}
_SCALE_IN = {
    "delete_because_count_index": "count was lowered (scale-in)",
    "delete_because_each_key": "keys were removed from for_each",
    "delete_because_wrong_repetition": "count/for_each changed its instance key type",
}
_SHOW = 5
#: Most delete × create comparisons made per resource block when looking for renamed keys.
_MAX_COMPARISONS = 2000


@dataclass
class _Group:
    """The changes of one resource block's instances."""

    deleted: list[ResourceChange] = field(default_factory=list)
    created: list[ResourceChange] = field(default_factory=list)
    changed: list[ResourceChange] = field(default_factory=list)


def _identities(rc: ResourceChange, which: str) -> list[str]:
    obj = side(rc, which)
    found = [f"{a}={obj[a]}" for a in _IDENTITY if isinstance(obj.get(a), (str, int))
             and not isinstance(obj.get(a), bool) and obj.get(a) != ""]
    tags = obj.get("tags")
    if isinstance(tags, dict) and isinstance(tags.get("Name"), str) and tags["Name"]:
        found.append(f"tags.Name={tags['Name']}")
    return found


def _unique_keys(changes: list[ResourceChange], which: str) -> dict[str, str | None]:
    """Identity value → the one instance key holding it (None when several hold it)."""
    where: dict[str, str | None] = {}
    for rc in changes:
        key = instance_key(rc.address)
        for ident in _identities(rc, which):
            where[ident] = key if ident not in where or where[ident] == key else None
    return where


def _shifts(group: _Group) -> list[str]:
    """Identity values that sit at one key before the change and at another after it."""
    replaced = [rc for rc in group.created if rc.is_replace]
    before = _unique_keys([*group.deleted, *group.changed, *replaced], "before")
    if not before:
        return []
    after = _unique_keys([*group.created, *group.changed], "after")
    return [f"{ident} moves from {before[ident]} to {key}"
            for ident, key in after.items()
            if key is not None and before.get(ident) is not None and before[ident] != key]


def _renamed_keys(group: _Group) -> list[str]:
    """``old → new`` for deleted for_each keys whose object reappears under a new key."""
    created = [(rc, comparable(rc, "after"), unknown_keys(rc)) for rc in group.created
               if not rc.is_replace]
    if not created:
        return []
    renamed: list[str] = []
    used: set[str] = set()
    budget = _MAX_COMPARISONS
    for old in group.deleted:
        if old.action_reason != "delete_because_each_key":
            continue
        before = comparable(old, "before")
        for new, after, unknown in created:
            if budget <= 0:
                return renamed
            budget -= 1
            if new.address in used:
                continue
            if same_object(before, after, unknown)[0]:
                used.add(new.address)
                renamed.append(f"{instance_key(old.address)} → {instance_key(new.address)}")
                break
    return renamed


def _stay_in_place(group: _Group) -> bool:
    """True when every re-created instance keeps its own name: replaced for another reason
    (a new image, say) while the count was lowered, not shifted."""
    if any(not rc.is_replace for rc in group.created):
        return False
    if any(r == "delete_because_wrong_repetition" for r in
           (rc.action_reason for rc in group.deleted)):
        return False
    for rc in group.created:
        before, after = set(_identities(rc, "before")), set(_identities(rc, "after"))
        if not before or not before & after:
            return False
    return True


def _counts(group: _Group) -> str:
    """``2 instance(s) destroyed, 1 replaced, 1 created`` for the group."""
    replaced = sum(1 for rc in group.created if rc.is_replace)
    parts = [(len(group.deleted), "destroyed"), (replaced, "replaced"),
             (len(group.created) - replaced, "created"),
             (len(group.changed), "rewritten in place")]
    shown = [f"{n} {what}" for n, what in parts if n]
    first, rest = shown[0].split(" ", 1), shown[1:]
    return ", ".join([f"{first[0]} instance(s) {first[1]}", *rest])


def _why(reasons: list[str], first: ResourceChange) -> str:
    """The churn's likely cause, from the delete reasons (or the key type when none)."""
    for reason in ("delete_because_wrong_repetition", "delete_because_count_index",
                   "delete_because_each_key"):
        if reason in reasons:
            return _WHY[reason]
    numeric = instance_key(first.address)[1:2].isdigit()
    return _WHY["delete_because_count_index" if numeric else "delete_because_each_key"]


def _addresses(changes: list[ResourceChange]) -> str:
    names = ", ".join(instance_key(rc.address) or rc.address for rc in changes[:_SHOW])
    return names + (f" and {len(changes) - _SHOW} more" if len(changes) > _SHOW else "")


class IndexChurn(Detector[TerraformPlan]):
    """Instances of a `count`/`for_each` resource are destroyed and recreated at shifted keys.

    ## What it detects
    Instances of one `count`/`for_each` resource block that are destroyed and recreated at
    shifted keys, reported once per block at `high`:
    - deletes with `action_reason` `delete_because_count_index` while lower indices of the
      same block are replaced (an element removed from the middle of a `count` list);
    - `count` instances whose name (`name`, `bucket`, `cidr_block`, tag `Name`…) moves to
      another index (an element inserted in the middle);
    - `delete_because_wrong_repetition` with creates (`count` converted to `for_each`, or
      back, without `moved` blocks);
    - `delete_because_each_key` where the same object is created under a new key (a
      renamed `for_each` key).
    A plain scale-in (count lowered, keys removed, other instances untouched or replaced
    under their own keys) is `medium`.

    ## Why is this risky?
    Terraform addresses `count` instances by position. Removing `subnets[0]` from a list
    shifts every later element down one index, so Terraform replaces (or rewrites in place)
    every instance after it and destroys the last one: a one-line edit becomes a rolling
    teardown of objects that were meant to stay.

    ## Example
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_subnet.private[1]", "mode": "managed", "type": "aws_subnet",
       "name": "private", "index": 1, "change": {"actions": ["delete", "create"],
       "before": {"cidr_block": "10.0.2.0/24"}, "after": {"cidr_block": "10.0.3.0/24"}}},
      {"address": "aws_subnet.private[2]", "mode": "managed", "type": "aws_subnet",
       "name": "private", "index": 2, "action_reason": "delete_because_count_index",
       "change": {"actions": ["delete"], "before": {"cidr_block": "10.0.3.0/24"},
       "after": null}}]}
    ```

    ## Safer alternative
    Key instances by a stable value with `for_each = toset(var.subnets)` (and `moved`
    blocks from the old indices), so removing one element destroys only that element:
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_subnet.private[\\"10.0.2.0/24\\"]", "mode": "managed",
       "type": "aws_subnet", "name": "private", "index": "10.0.2.0/24",
       "change": {"actions": ["no-op"], "before": {"cidr_block": "10.0.2.0/24"},
       "after": {"cidr_block": "10.0.2.0/24"}}}]}
    ```

    ## References
    - Terraform `action_reason` values `delete_because_count_index`, `…_each_key`,
      `…_wrong_repetition`; Terraform docs "When to use for_each instead of count"
    - Blast-radius plan policies (Spacelift `check-blast-radius.rego`, OPA Terraform tutorial)
    """

    code = "TF005"
    name = "count-index-churn"
    family = "terraform"
    kinds = (InputKind.TERRAFORM_PLAN,)
    severity = Severity.HIGH
    remediation = (
        "Key the instances with `for_each` on a stable value instead of `count`, and add "
        "`moved { from = X[0] to = X[\"key\"] }` blocks for existing instances so nothing is "
        "destroyed."
    )

    def detect(self, doc: TerraformPlan) -> Iterator[Finding]:
        groups: dict[str, _Group] = {}

        def group_of(rc: ResourceChange) -> _Group:
            base = base_address(rc)
            found = groups.get(base)
            if found is None:
                found = groups[base] = _Group()
            return found

        for rc in doc.changed:
            if rc.deposed:
                continue
            if rc.is_pure_delete:
                if rc.action_reason in REPETITION_REASONS:
                    group_of(rc).deleted.append(rc)
            elif rc.is_create and not rc.importing:
                group_of(rc).created.append(rc)
            elif rc.is_update and rc.address.endswith("]"):
                group_of(rc).changed.append(rc)
        for base, group in groups.items():
            if not group.deleted and (len(group.created) + len(group.changed) < 2 or (
                    not group.changed and not any(rc.is_replace for rc in group.created))):
                continue  # nothing destroyed, and no second instance to shift keys with
            finding = self._judge(doc, base, group)
            if finding is not None:
                yield finding

    def _judge(self, doc: TerraformPlan, base: str, group: _Group) -> Finding | None:
        shifts = _shifts(group) if group.changed or group.created else []
        if not group.deleted and not shifts:
            return None
        first = (group.deleted or group.created or group.changed)[0]
        label = environment_label(first)
        reasons = sorted({rc.action_reason or "" for rc in group.deleted})
        location = Location(path=doc.path, address=base)
        evidence_parts: list[str] = []
        if group.deleted:
            evidence_parts.append(f"destroyed: {_addresses(group.deleted)} "
                                  f"(action_reason: {', '.join(reasons)})")
        if group.created:
            evidence_parts.append(f"created or replaced: {_addresses(group.created)}")
        if shifts:
            evidence_parts.append("; ".join(shifts[:3]))
        only_keys = bool(reasons) and set(reasons) == {"delete_because_each_key"}
        renamed = _renamed_keys(group) if only_keys and not shifts else []
        if renamed:
            evidence_parts.append(f"same object under a new key: {', '.join(renamed[:3])}")
        evidence = "; ".join(evidence_parts)
        churn = bool(shifts) or bool(renamed) or (
            bool(group.created) and not only_keys and not _stay_in_place(group))
        if churn:
            message = f"{base}{label}: {_counts(group)} at shifted keys: {_why(reasons, first)}"
            return self.finding(message, location, evidence=evidence)
        if not group.deleted:
            return None
        what = "; ".join(_SCALE_IN.get(r, r) for r in reasons)
        message = (f"{base}{label}: {len(group.deleted)} instance(s) destroyed because {what} "
                   f"({_addresses(group.deleted)})")
        replaced = sum(1 for rc in group.created if rc.is_replace)
        fresh = len(group.created) - replaced
        if replaced:
            message += f"; {replaced} other instance(s) replaced under their own keys"
        if fresh:
            message += f"; {fresh} instance(s) created under new keys"
        return self.finding(message, location, evidence=evidence, severity=Severity.MEDIUM,
                            confidence=Confidence.MEDIUM if fresh else None)
