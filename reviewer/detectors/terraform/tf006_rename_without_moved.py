"""TF006: a resource is destroyed and an identical one created at a new address."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from reviewer.detectors.base import Detector
from reviewer.detectors.terraform._common import (
    SAME_IDENTITY_SHARE,
    base_address,
    comparable,
    environment_label,
    identity_values,
    location,
    same_object,
    unknown_keys,
)
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.terraform_plan import ResourceChange, TerraformPlan
from reviewer.resources import is_stateful_terraform

#: Most similarity comparisons per resource type (identity look-ups are not counted).
MAX_COMPARISONS_PER_TYPE = 2000
#: Most creates each delete is compared with on similarity alone.
MAX_CANDIDATES = 50
#: Most creates sharing a name (or other identity value) each delete is compared with.
MAX_IDENTITY_CANDIDATES = 4
#: Most distinct attribute sets of one type's creates used for exact look-ups.
MAX_SHAPES = 8


class _Created:
    """A create waiting for its delete, with its comparable after-side."""

    __slots__ = ("base", "fingerprint", "items", "keys", "rc", "unknown", "values")

    def __init__(self, rc: ResourceChange) -> None:
        self.rc = rc
        self.values = comparable(rc, "after")
        self.unknown = unknown_keys(rc)
        self.keys = frozenset(self.values)
        self.items = frozenset(self.values.items())
        self.fingerprint = tuple(sorted(self.values.items()))
        self.base = base_address(rc)


@dataclass(frozen=True, slots=True)
class _Match:
    """A delete and the create that looks like the same object."""

    old: ResourceChange
    new: ResourceChange
    same: list[str]
    differ: list[str]
    by_identity: bool


def _relative(rc: ResourceChange) -> str:
    """The address inside its module (``module.a.aws_x.y`` → ``aws_x.y``)."""
    prefix = f"{rc.module_address}." if rc.module_address else ""
    return rc.address.removeprefix(prefix)


def _names(attrs: list[str], limit: int = 5) -> str:
    shown = ", ".join(attrs[:limit])
    return shown + (f" +{len(attrs) - limit}" if len(attrs) > limit else "") if attrs else "none"


class RenameWithoutMoved(Detector[TerraformPlan]):
    """A resource is destroyed and a near-identical one created: a rename without `moved`.

    ## What it detects
    A pure `delete` and a pure `create` of the same resource type at different addresses
    whose attributes match: the created object has the same name (`name`, `bucket`,
    `identifier`, `cidr_block`…) and most other attributes, or at least 80% of its known,
    meaningful attributes equal the deleted object's (tags, ids, ARNs and values known only
    after apply are left out). That is what Terraform plans when a resource block or module
    is renamed or moved without a `moved` block. `high`; confidence `high` when the names
    match, `medium` on similarity alone. Instances of one block that change keys are
    TF005's.

    ## Why is this risky?
    The author meant a refactor; Terraform will destroy the real object and build a new
    one. For a database or bucket that is data loss; for anything else it is downtime and
    new identifiers, and the create often fails because the old name still exists.

    ## Example
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "aws_s3_bucket.logs", "mode": "managed", "type": "aws_s3_bucket",
       "name": "logs", "action_reason": "delete_because_no_resource_config",
       "change": {"actions": ["delete"], "after": null,
       "before": {"bucket": "acme-logs", "force_destroy": false, "object_lock_enabled": false}}},
      {"address": "module.storage.aws_s3_bucket.logs", "mode": "managed",
       "type": "aws_s3_bucket", "name": "logs", "change": {"actions": ["create"],
       "before": null, "after": {"bucket": "acme-logs", "force_destroy": false},
       "after_unknown": {"id": true, "arn": true}}}]}
    ```

    ## Safer alternative
    Declare the move, so the plan moves the object instead of replacing it:
    ```json
    {"format_version": "1.2", "resource_changes": [
      {"address": "module.storage.aws_s3_bucket.logs", "mode": "managed",
       "type": "aws_s3_bucket", "name": "logs", "previous_address": "aws_s3_bucket.logs",
       "change": {"actions": ["no-op"], "before": {"bucket": "acme-logs"},
       "after": {"bucket": "acme-logs"}}}]}
    ```

    ## References
    - Terraform `moved` block documentation ("Refactoring")
    - Agent plan-review rules "rename destroys prod DB" (tf-gatekeeper); OpenTofu `moved`
    """

    code = "TF006"
    name = "rename-without-moved-block"
    family = "terraform"
    kinds = (InputKind.TERRAFORM_PLAN,)
    severity = Severity.HIGH
    remediation = (
        "If the resource was renamed or moved into a module, add "
        "`moved { from = OLD_ADDRESS to = NEW_ADDRESS }` so Terraform keeps the object."
    )

    def detect(self, doc: TerraformPlan) -> Iterator[Finding]:
        deletes: dict[str, list[ResourceChange]] = defaultdict(list)
        creates: dict[str, list[ResourceChange]] = defaultdict(list)
        for rc in doc.changed:
            if rc.deposed:
                continue
            if rc.is_pure_delete:
                deletes[rc.type].append(rc)
            elif rc.is_create and not rc.is_replace and not rc.importing:
                creates[rc.type].append(rc)
        by_module: dict[tuple[str, str], list[_Match]] = defaultdict(list)
        for rtype, deleted in deletes.items():
            if rtype not in creates:
                continue
            for match in self._pair(deleted, creates[rtype]):
                old_module, new_module = match.old.module_address, match.new.module_address
                if old_module and new_module and old_module != new_module and \
                        _relative(match.old) == _relative(match.new):
                    by_module[(old_module, new_module)].append(match)
                else:
                    yield self._finding(doc, match)
        for (old_module, new_module), matches in by_module.items():
            if len(matches) == 1:
                yield self._finding(doc, matches[0])
                continue
            yield self._module_finding(doc, old_module, new_module, matches)

    def _pair(self, deleted: list[ResourceChange],
              created_rcs: list[ResourceChange]) -> Iterator[_Match]:
        pool = {i: _Created(rc) for i, rc in enumerate(created_rcs)}
        exact: dict[frozenset[str], dict[tuple[tuple[str, str], ...], list[int]]] = {}
        named: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, item in pool.items():
            if item.keys:
                exact.setdefault(item.keys, {}).setdefault(item.fingerprint, []).append(i)
            for pair in identity_values(item.values):
                named[pair].append(i)
        shapes = list(islice(exact, MAX_SHAPES))
        fronts: dict[object, int] = {}

        def unused(key: object, ids: list[int], limit: int) -> list[int]:
            """The first ``limit`` ids still in the pool (skipping paired ones at the front)."""
            first = fronts.get(key, 0)
            while first < len(ids) and ids[first] not in pool:
                first += 1
            fronts[key] = first
            return [i for i in ids[first:first + limit] if i in pool]

        budget = MAX_COMPARISONS_PER_TYPE
        removed = 0
        for old in deleted:
            before = comparable(old, "before")
            if not before or not pool:
                continue
            base = base_address(old)
            candidates: list[int] = []
            for shape in shapes:  # the same attributes with the same values
                if shape <= before.keys():
                    fingerprint = tuple(sorted((k, before[k]) for k in shape))
                    ids = exact[shape].get(fingerprint)
                    if ids:
                        candidates += unused((shape, fingerprint), ids, 1)
            for pair in identity_values(before):  # the same name
                candidates += unused(pair, named.get(pair, []), MAX_IDENTITY_CANDIDATES)
            match = self._best(old, before, base, pool, dict.fromkeys(candidates))
            if match is None and budget > 0:  # similar enough, among the first few
                tried = dict.fromkeys(i for i in islice(pool, MAX_CANDIDATES)
                                      if i not in candidates)
                budget -= len(tried)
                match = self._best(old, before, base, pool, tried)
            if match is None:
                continue
            yield match[1]
            del pool[match[0]]
            removed += 1
            if removed > len(pool):  # deleted slots slow dict iteration: compact
                pool, removed = dict(pool.items()), 0

    @staticmethod
    def _best(old: ResourceChange, before: dict[str, str], base: str,
              pool: dict[int, _Created], candidates: dict[int, None]) -> tuple[int, _Match] | None:
        """The first candidate create that looks like the deleted object."""
        # A frozenset keeps each pair's hash: intersecting two of them hashes nothing, while
        # a dict items view hashes every (key, value) tuple again for each candidate.
        pairs = frozenset(before.items())
        for i in candidates:
            item = pool[i]
            if item.base == base:
                continue
            # Sound pre-check: the compared keys are at least the create's own, so too few
            # equal pairs rule a match out before same_object builds anything.
            if len(pairs & item.items) < SAME_IDENTITY_SHARE * len(item.keys):
                continue
            ok, same, differ, by_id = same_object(before, item.values, item.unknown)
            if ok:
                return i, _Match(old, item.rc, same, differ, by_id)
        return None

    def _finding(self, doc: TerraformPlan, match: _Match) -> Finding:
        old, new = match.old, match.new
        data = " (it holds data)" if is_stateful_terraform(old.type) else ""
        message = (f"{old.address}{environment_label(old)} will be destroyed and "
                   f"{new.address} created with matching attributes{data}: probably a rename "
                   f"without a `moved` block; add `moved {{ from = {old.address} "
                   f"to = {new.address} }}`")
        evidence = f"{old.type}: equal {_names(match.same)}; differing {_names(match.differ)}"
        if old.action_reason:
            evidence += f"; action_reason: {old.action_reason}"
        return self.finding(message, location(doc, old), evidence=evidence,
                            confidence=Confidence.HIGH if match.by_identity else
                            Confidence.MEDIUM)

    def _module_finding(self, doc: TerraformPlan, old_module: str, new_module: str,
                        matches: list[_Match]) -> Finding:
        data = sum(1 for m in matches if is_stateful_terraform(m.old.type))
        shown = ", ".join(_relative(m.old) for m in matches[:5])
        more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
        message = (f"{old_module}{environment_label(matches[0].old)}: {len(matches)} resources "
                   f"will be destroyed and recreated with matching attributes under "
                   f"{new_module} ({shown}{more})")
        if data:
            message += f"; {data} of them hold{'s' if data == 1 else ''} data"
        message += (f": probably a module rename without a `moved` block; add "
                    f"`moved {{ from = {old_module} to = {new_module} }}`")
        evidence = "; ".join(f"{m.old.address} → {m.new.address}" for m in matches[:5])
        by_identity = all(m.by_identity for m in matches)
        return self.finding(message, Location(path=doc.path, address=old_module),
                            evidence=evidence,
                            confidence=Confidence.HIGH if by_identity else Confidence.MEDIUM)
