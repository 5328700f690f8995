"""CODE001: a call that deletes data or infrastructure is added to application code."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.code._common import (
    STRONG_VERBS,
    Op,
    code_files,
    groups,
    new_line_for,
    pair_ops,
    where,
    words,
)
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.diff import DiffDocument

#: Cheap pre-check: lower-case words a changed line must contain.
_WANTED = ("delete", "drop", "destroy", "terminat", "purge", "truncat", "wipe", "erase", "nuke",
    "rmtree", "removeall", "remove_all", "flush", "obliterat", "update ")


#: Enclosing classes/functions whose deletes are routine housekeeping.
_ROUTINE_SCOPES = frozenset({"cache", "caches", "tmp", "temp", "tempdir", "scratch", "mock",
                             "fake", "stub", "memo", "lru"})


def _routine(op: Op) -> bool:
    """A cache or temp-file class deleting its own entries, or a plain delete wrapped in a
    function that is itself a delete (``def delete(self, id): return self._delete(url)``):
    the risk is where the wrapper is called, and that call is reported there."""
    scope = op.call.scope if op.call is not None else ()
    if any(_ROUTINE_SCOPES & set(words(name)) for name in scope):
        return True
    return op.high_reason is None and bool(scope) and bool(
        STRONG_VERBS & set(words(scope[-1])))


class DestructiveCallAdded(Detector[DiffDocument]):
    """A diff adds a call that deletes data or infrastructure (delete, drop, destroy, purge…).

    ## What it detects
    Calls added to Python, JavaScript, TypeScript, Go or Java code whose function or method
    name is a destructive verb, in snake, camel or Pascal case: `delete`, `drop`,
    `destroy`, `terminate`, `purge`, `truncate`, `wipe`, `delete_many`/`deleteMany`,
    `bulk_delete`, `rmtree`, `RemoveAll`, `drop_table`, `delete_bucket`,
    `delete_db_instance`… and SQL strings that `DROP`, `TRUNCATE`, or `DELETE`/`UPDATE`
    without `WHERE`. Calls are found with tree-sitter, so names in comments and strings do
    not count. Reported at `medium`; `high` when the target is a whole table, collection,
    database, bucket, instance, cluster or environment, when the call has no filter or is
    called with `"*"`/`all`, or when it names production. Calls that merely replace another
    destructive call at the same place (see CODE002), in-memory deletes (`map.delete`, Go's
    builtin `delete(m, k)`), UI/process teardown (`chart.destroy()`, `proc.terminate()`),
    pandas `df.drop(columns=…)`, temporary-directory cleanup, cache classes deleting their
    own entries, plain deletes inside a function that is itself a delete (an SDK's
    `def delete(self, id): return self._delete(url)`: its callers are reported instead) and
    test files are not reported. `rmtree`/`RemoveAll` of a computed path is reported with
    low confidence.

    ## Why is this risky?
    A new code path that deletes is the quiet way data disappears: it runs on every call,
    in every environment the code is deployed to, and nothing in an infrastructure plan
    shows it. A delete that targets a whole bucket, table or cluster, or one with no filter,
    turns one bad input into total loss.

    ## Example
    ```diff
    diff --git a/app/exports.py b/app/exports.py
    index 3b18e51..a9c2f4d 100644
    --- a/app/exports.py
    +++ b/app/exports.py
    @@ -10,3 +10,4 @@ def rotate_exports(s3, bucket):
         for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
             archive(obj["Key"])
         log.info("archived exports")
    +    s3.delete_bucket(Bucket=bucket)
    ```

    ## Safer alternative
    Delete only what was archived, one object at a time, behind an explicit retention rule:
    ```diff
    diff --git a/app/exports.py b/app/exports.py
    index 3b18e51..c0d1e22 100644
    --- a/app/exports.py
    +++ b/app/exports.py
    @@ -10,3 +10,4 @@ def rotate_exports(s3, bucket):
         for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
             archive(obj["Key"])
         log.info("archived exports")
    +    lifecycle.expire_after(bucket, days=30)
    ```

    ## References
    - destructive_command_guard (DCG) packs `database.*` (drop-table, delete-without-where),
      `cloud.aws` (s3api-delete-bucket, rds-delete, ec2-terminate) applied to SDK calls
    - incidents reference §7 `AGT-DESTRUCTIVE-TOOLCALL`, `SQL-DESTRUCTIVE`
    - Semgrep rules for unsafe bulk deletes (`django` `.all().delete()`)
    """

    code = "CODE001"
    name = "destructive-call-added"
    family = "code"
    kinds = (InputKind.DIFF,)
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    remediation = (
        "Make sure the delete is intended and scoped: target single records by id, keep a "
        "filter, gate it behind a dry-run or confirmation, and prefer soft deletes or "
        "retention policies for buckets, tables and clusters."
    )

    def detect(self, doc: DiffDocument) -> Iterator[Finding]:
        for change in code_files(doc):
            for group in groups(change, _WANTED):
                pairing = pair_ops(group)
                for number, op in pairing.added:
                    if not op.strong or not op.name_changed or _routine(op):
                        continue
                    hunk = change.hunks[number]
                    line = new_line_for(hunk, op.name_idx)
                    message = f"{change.path}: adds destructive call {op.label}{where(group)}"
                    if op.high_reason:
                        message += f" ({op.high_reason})"
                    confidence = Confidence.HIGH if op.high_reason else (
                        Confidence.LOW if op.scope == "tree" else None)
                    yield self.finding(
                        message, Location(path=change.path, line=line), evidence=op.text,
                        severity=Severity.HIGH if op.high_reason else None,
                        confidence=confidence)
