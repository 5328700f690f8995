"""TF016: a `.tf` change removes `prevent_destroy` or lets a GCP project be deleted."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.base import before_may_mention
from reviewer.parsers.hcl import Block, HclFile, literal_value

_UNKNOWN = object()


def _lifecycle_block(block: Block) -> Block | None:
    found = block.nested("lifecycle")
    return found[-1] if found else None


def _guard(life: Block | None) -> object:
    """A lifecycle block's prevent_destroy: True, False (absent counts as False), or _UNKNOWN
    when it is an expression."""
    if life is None or "prevent_destroy" not in life.attributes:
        return False
    value = literal_value(life.attributes["prevent_destroy"], _UNKNOWN)
    return value if isinstance(value, bool) else _UNKNOWN


def _prevent_destroy(block: Block) -> object:
    """The resource block's prevent_destroy (see :func:`_guard`)."""
    return _guard(_lifecycle_block(block))


def _moves(doc: HclFile) -> dict[str, str]:
    """``from`` → ``to`` of the file's `moved` blocks."""
    out: dict[str, str] = {}
    for block in doc.by_type("moved"):
        source = block.attributes.get("from", "").strip()
        target = block.attributes.get("to", "").strip()
        if source and target:
            out[source] = target
    return out


def _forgotten(doc: HclFile) -> set[str]:
    """Addresses that `removed` blocks forget (``lifecycle { destroy = false }``)."""
    out: set[str] = set()
    for block in doc.by_type("removed"):
        life = _lifecycle_block(block)
        if life is not None and literal_value(life.attributes.get("destroy", ""), None) is False:
            out.add(block.attributes.get("from", "").strip())
    return out


class PreventDestroyRemoved(Detector[HclFile]):
    """A change removes `lifecycle { prevent_destroy = true }` or lets a GCP project be deleted.

    ## What it detects
    In a `.tf` file changed by a diff (compared with the file before the change):
    - a resource whose `lifecycle { prevent_destroy = true }` is removed or set to `false`
      (`medium`, low confidence, when it becomes an expression such as `var.protect`);
      when the diff's hunks do not reach the resource header, the bare `lifecycle` block
      is reported with medium confidence;
    - a resource block that had `prevent_destroy = true` deleted with its block (or with
      the whole file), or renamed, unless a `moved` block in the file moves it (to a
      block that keeps the guard, when the target is in the same file) or a `removed`
      block forgets it (`lifecycle { destroy = false }`). Medium confidence: the block
      may have moved to another file of the change;
    - `google_project` `deletion_policy` changed to `"DELETE"`.
    All `high` unless said otherwise. A whole `.tf` file reviewed without a diff cannot
    show a removal and is not reported.

    ## Why is this risky?
    `prevent_destroy` is the only guard Terraform itself enforces, and it lives in the
    configuration, not in the plan. Terraform's documentation is explicit: it "doesn't
    prevent Terraform from destroying the resource if you remove the resource
    configuration". Taking it out is the first half of a deletion that the next plan
    completes.

    ## Example
    ```diff
    diff --git a/infra/db.tf b/infra/db.tf
    --- a/infra/db.tf
    +++ b/infra/db.tf
    @@ -1,6 +1,6 @@
     resource "aws_db_instance" "main" {
       identifier = "billing"
       lifecycle {
    -    prevent_destroy = true
    +    prevent_destroy = false
       }
     }
    ```

    ## Safer alternative
    Leave the guard in place while making other edits:
    ```diff
    diff --git a/infra/db.tf b/infra/db.tf
    --- a/infra/db.tf
    +++ b/infra/db.tf
    @@ -1,6 +1,6 @@
     resource "aws_db_instance" "main" {
    -  identifier = "billing"
    +  identifier = "billing-v2"
       lifecycle {
         prevent_destroy = true
       }
     }
    ```

    ## References
    - Terraform lifecycle meta-argument docs (`prevent_destroy`); Checkov CKV_GCP_82
    - Google provider `google_project.deletion_policy` (`PREVENT`, `ABANDON`, `DELETE`)
    """

    code = "TF016"
    name = "prevent-destroy-removed"
    family = "terraform"
    kinds = (InputKind.HCL,)
    severity = Severity.HIGH
    remediation = (
        "Keep `prevent_destroy = true` (and `deletion_policy = \"PREVENT\"`); if the resource "
        "really must go, remove the guard in its own reviewed change, after a backup."
    )

    def detect(self, doc: HclFile) -> Iterator[Finding]:
        if not before_may_mention(doc, "prevent_destroy", "deletion_policy"):
            return  # nothing to remove or weaken: skip parsing the old file
        old = doc.before()
        if old is None:
            return
        now = {b.address: b for b in doc.resources}
        moves = _moves(doc)
        forgotten: set[str] | None = None
        previous = {b.address for b in old.resources}
        added = [b for b in doc.resources if b.address not in previous]
        for before in old.resources:
            yield from self._deletion_policy(doc, before, now.get(before.address))
            if before.has_error or _prevent_destroy(before) is not True:
                continue
            after = now.get(before.address)
            if after is not None:
                yield from self._weakened(doc, before, after)
                continue
            target = moves.get(before.address)
            if target is not None and (target not in now or _prevent_destroy(now[target]) is True):
                continue  # moved; a target in another file cannot be checked from here
            if forgotten is None:
                forgotten = _forgotten(doc)
            if before.address in forgotten:
                continue
            yield self._deleted(doc, before, target, added)
        # Orphan lifecycle blocks: a file rebuilt from diff hunks that lack the resource header.
        yield from self._orphans(doc, old)

    def _weakened(self, doc: HclFile, before: Block, after: Block) -> Iterator[Finding]:
        state = _prevent_destroy(after)
        if state is True:
            return
        life = _lifecycle_block(after)
        if state is _UNKNOWN and life is not None:
            expr = life.attributes["prevent_destroy"].strip()
            yield self.finding(
                f"{after.address}: prevent_destroy is now the expression {expr[:60]} instead of "
                "true; check that it is true wherever the resource matters",
                Location(path=doc.path, line=life.line_of("prevent_destroy"),
                         address=after.address),
                evidence=f"prevent_destroy: true → {expr[:120]}",
                severity=Severity.MEDIUM, confidence=Confidence.LOW)
            return
        if life is not None and "prevent_destroy" in life.attributes:
            line, what = life.line_of("prevent_destroy"), "set to false"
        else:
            line, what = (life.line if life is not None else after.line), "removed"
        yield self.finding(
            f"{after.address}: lifecycle prevent_destroy {what}; Terraform will no longer refuse "
            "to destroy it",
            Location(path=doc.path, line=line, address=after.address),
            evidence=f"prevent_destroy: true → {'false' if what == 'set to false' else 'absent'}")

    def _deleted(self, doc: HclFile, before: Block, target: str | None,
                 added: list[Block]) -> Finding:
        where = "its resource block is deleted" if doc.blocks else \
            "its resource block (or the whole file) is deleted"
        same_type = [b.address for b in added if b.type == before.type]
        if target:
            moved = f"; the `moved` block points it at {target}, which lacks prevent_destroy"
        elif len(same_type) == 1:
            moved = f" (renamed to {same_type[0]} without a `moved` block?)"
        else:
            moved = ""
        return self.finding(
            f"{before.address} had lifecycle prevent_destroy = true and {where}{moved}: "
            "the next plan destroys it unless the block moved to another file",
            Location(path=doc.path, address=before.address),
            evidence=f"{before.address} (old lines {before.line}-{before.end_line}) with "
                     "prevent_destroy = true is gone",
            confidence=Confidence.MEDIUM)

    def _deletion_policy(self, doc: HclFile, before: Block,
                         after: Block | None) -> Iterator[Finding]:
        if after is None or after.type != "google_project":
            return
        new = after.literal("deletion_policy")
        if not isinstance(new, str) or new.upper() != "DELETE":
            return
        old = before.literal("deletion_policy", "PREVENT (default)")
        if isinstance(old, str) and old.upper() == "DELETE":
            return
        yield self.finding(
            f"{after.address}: deletion_policy changed to DELETE; destroying the resource now "
            "deletes the whole Google Cloud project",
            Location(path=doc.path, line=after.line_of("deletion_policy"), address=after.address),
            evidence=f"deletion_policy: {old} → DELETE")

    def _orphans(self, doc: HclFile, old: HclFile) -> Iterator[Finding]:
        before = [b for b in old.blocks if b.block_type == "lifecycle"]
        if not before:
            return
        after = [b for b in doc.blocks if b.block_type == "lifecycle"]
        if len(before) != len(after):
            guarded_before = sum(1 for b in before if _guard(b) is True)
            guarded_after = sum(1 for b in after if _guard(b) is True)
            if guarded_after < guarded_before:
                yield self.finding(
                    f"{guarded_before - guarded_after} lifecycle block(s) with prevent_destroy = "
                    "true removed (the enclosing resource is outside the diff's context)",
                    Location(path=doc.path),
                    evidence="lifecycle { prevent_destroy = true } removed",
                    confidence=Confidence.MEDIUM)
            return
        for life, new in zip(before, after, strict=True):
            if _guard(life) is not True or _guard(new) is not False:
                continue
            yield self.finding(
                "lifecycle prevent_destroy removed or set to false (the enclosing resource is "
                "outside the diff's context)",
                Location(path=doc.path, line=new.line_of("prevent_destroy")),
                evidence="prevent_destroy: true → "
                         f"{new.attributes.get('prevent_destroy', 'absent').strip()}",
                confidence=Confidence.MEDIUM)
