"""CODE002: a delete call is replaced by one that targets something wider."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.code._common import (
    code_files,
    groups,
    new_line_for,
    pair_ops,
    short,
    where,
)
from reviewer.models import Finding, InputKind, Location, Severity
from reviewer.parsers.diff import DiffDocument

#: Cheap pre-check: lower-case words a changed line must contain.
_WANTED = ("delete", "drop", "destroy", "terminat", "purge", "truncat", "wipe", "erase", "rmtree",
    "remove", "unlink", "rmdir", "flush", "rm(")


class DeleteTargetWidened(Detector[DiffDocument]):
    """A delete call is swapped for one whose target is wider (record→table, object→bucket…).

    ## What it detects
    A hunk (or the hunks of one function) that removes a destructive call and adds another
    at the same place whose function, receiver or SQL widens what is deleted: a record or
    row becomes a table or all rows (`delete_item` → `delete_table`, `deleteOne` →
    `deleteMany`, `.filter(id=…).delete()` → `.all().delete()`, `DELETE … WHERE` → no
    `WHERE`), an object becomes a bucket, a database becomes its server or instance, an
    instance becomes its cluster, a file becomes a directory tree (`os.remove` →
    `shutil.rmtree`, `os.Remove` → `os.RemoveAll`). Scopes are ranked
    row < many/tree < table/collection < database/bucket < instance/server <
    cluster/environment/project; the finding fires when the new call ranks higher.

    ## Why is this risky?
    This is the "mechanical refactor that quietly widens what a delete call targets"
    (incidents reference `OPS-API-SWAP`): the diff looks like a rename or an API
    migration, reviewers skim it, and the first run deletes the container instead of the
    item (a server instead of a database, a bucket instead of an object, a whole site
    instead of an app).

    ## Example
    ```diff
    diff --git a/ops/retire.py b/ops/retire.py
    index 51c0a7e..e2b9f10 100644
    --- a/ops/retire.py
    +++ b/ops/retire.py
    @@ -8,5 +8,5 @@ def retire_database(client, rg, server, database):
         # drop the tenant database once its data is exported
         export(client, server, database)
    -    client.databases.begin_delete(rg, server, database)
    +    client.servers.begin_delete(rg, server)
         audit("retired", database)
    ```

    ## Safer alternative
    Keep the delete aimed at the same kind of object; a refactor changes how it is called,
    not what it deletes:
    ```diff
    diff --git a/ops/retire.py b/ops/retire.py
    index 51c0a7e..7d3e0c4 100644
    --- a/ops/retire.py
    +++ b/ops/retire.py
    @@ -8,5 +8,5 @@ def retire_database(client, rg, server, database):
         # drop the tenant database once its data is exported
         export(client, server, database)
    -    client.databases.begin_delete(rg, server, database)
    +    client.databases.begin_delete(rg, server, database).wait()
         audit("retired", database)
    ```

    ## References
    - incidents reference §7 `OPS-API-SWAP` (GCVE/UniSuper-style wrong-scope deletion),
      `atlassian-site-deletion-2022-04` (site ids where app ids were meant)
    - incidents reference §9 control "benign wording with a dangerous diff"
    """

    code = "CODE002"
    name = "delete-target-widened"
    family = "code"
    kinds = (InputKind.DIFF,)
    severity = Severity.HIGH
    remediation = (
        "Check that the new call deletes the same kind of object as the old one; if the wider "
        "scope is intended, make it a separate, explicitly described change with a dry run."
    )

    def detect(self, doc: DiffDocument) -> Iterator[Finding]:
        for change in code_files(doc):
            for group in groups(change, _WANTED):
                for (number, new), (_, old) in pair_ops(group).pairs:
                    if new.rank is None or old.rank is None or new.rank <= old.rank:
                        continue
                    if not new.strong and not old.strong:
                        continue
                    line = new_line_for(change.hunks[number], new.name_idx)
                    yield self.finding(
                        f"{change.path}: delete widened from {old.scope} to {new.scope}"
                        f"{where(group)}: {old.label} → {new.label}",
                        Location(path=change.path, line=line),
                        evidence=short(f"- {old.text}  + {new.text}"),
                    )
