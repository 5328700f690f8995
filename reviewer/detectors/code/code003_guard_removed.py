"""CODE003: a dry-run, environment, confirmation, safety or limit guard is removed."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.code._common import (
    STRONG_VERBS,
    Group,
    code_files,
    groups,
    new_line_for,
    short,
    side_ops,
    where,
    words,
)
from reviewer.models import Finding, InputKind, Location, Severity
from reviewer.parsers.diff import DiffDocument

_CONDITION = re.compile(
    r"^\s*(?:\}?\s*(?:else\s+)?if\b|elif\b|unless\b|while\b|assert\b|when\b|guard\b"
    r"|return\b|raise\b|throw\b|case\b)|\bif\b.*\belse\b|\?.*:|&&|\|\|")
_DRY_RUN = re.compile(r"dry[_-]?run|dryRun|DryRun|DRY_RUN|--dry-run|\bnoop\b|\bwhat_?if\b",
                      re.IGNORECASE)
_PROD = re.compile(r"prod(?:uction)?\b|\bprd\b|\blive\b", re.IGNORECASE)
_ENV_COMPARE = re.compile(
    r"(?:env|environment|stage|NODE_ENV|APP_ENV|RAILS_ENV|DJANGO_ENV|ENVIRONMENT|GO_ENV"
    r"|profile|tier)\w*\s*(?:==|!=|===|!==|\bin\b|\bnot in\b|\.equals\(|\.startsWith\()"
    r"|(?:==|!=|===|!==|\.equals\()\s*\w*\s*[\"'](?:prod|production|prd|live)"
    r"|\bis_?prod(?:uction)?\b|\bisProd(?:uction)?\b|\bIsProd(?:uction)?\b"
    r"|\bin_?production\b|\binProduction\b", re.IGNORECASE)
_CONFIRM = re.compile(
    r"\binput\(|\braw_input\(|\bconfirm\w*\(|\bprompt\(|\baskyesno\b|\bclick\.confirm\b"
    r"|Confirm\.ask|\breadline\(|\bReadString\(|Scanner\(System\.in\)|--yes\b|--confirm\b"
    r"|\bargs\.(?:yes|confirm|force|i_am_sure)\b|\b(?:are you sure|type .* to confirm)",
    re.IGNORECASE)
_SAFETY = re.compile(
    r"pg_is_in_recovery|\bis_?primary\b|\bisPrimary\b|\bis_?replica\b|\bisReplica\b"
    r"|gethostname|os\.Hostname\(|socket\.gethostname|\bhostname\b.*(?:==|!=|in\b)"
    r"|\bassert\b.*(?:prod|env|host|primary|replica|recovery|dry|count|len|size|limit"
    r"|staging|test|backup|snapshot)"
    r"|\b(?:Preconditions\.check\w*|invariant|require)\(.*(?:prod|env|host|count|size|limit)",
    re.IGNORECASE)
_LIMIT = re.compile(
    r"\bLIMIT\s+(?:\d+|%s|\?|\{|\$|:)|\bmax_?(?:delete|deletion|rows|items|records|batch"
    r"|objects|files|deletes|deletions|count|affected)s?\b|\bMAX_(?:DELETE|DELETION|ROWS"
    r"|ITEMS|RECORDS|BATCH|OBJECTS|FILES|AFFECTED)\w*|\bbatch_?size\b|\bBATCH_SIZE\b"
    r"|\bbatchSize\b|\.limit\(|\bdelete_limit\b|\bdeleteLimit\b|\brow_?limit\b"
    r"|\bmaxDelete\w*|\bmaxRows\b", re.IGNORECASE)

#: (category, pattern, needs a condition context, what the finding calls it)
_GUARDS: tuple[tuple[str, re.Pattern[str], bool, str], ...] = (
    ("dry-run", _DRY_RUN, True, "dry-run check"),
    ("environment", _ENV_COMPARE, False, "environment check"),
    ("confirmation", _CONFIRM, False, "confirmation"),
    ("safety", _SAFETY, False, "safety assertion"),
    ("limit", _LIMIT, False, "limit"),
)
#: Cheap pre-check: lower-case words a removed line must contain.
_WANTED = ("dry", "noop", "whatif", "what_if", "prod", "env", "stage", "tier", "profile",
           "live", "input", "confirm", "prompt", "askyes", "readline", "readstring",
           "system.in", "--yes", "args.", "sure", "recovery", "primary", "replica", "hostname",
           "assert", "precondition", "invariant", "require", "limit", "max", "batch")


def _category(code: str) -> tuple[str, str] | None:
    """(category, description) of a guard line, or None."""
    text = code.strip()
    if not text:
        return None
    for name, pattern, needs_condition, label in _GUARDS:
        if not pattern.search(text):
            continue
        if needs_condition and not _CONDITION.search(text):
            continue
        if name == "environment" and not (_PROD.search(text) or "ENV" in text
                                          or "env" in text.lower()):
            continue
        return name, label
    return None


def _kept(group: Group) -> set[str]:
    """Guard categories still present on the new side of the group."""
    kept: set[str] = set()
    for _, _, _, code, _ in group.code_lines(True):
        found = _category(code)
        if found is not None:
            kept.add(found[0])
    return kept


_DECLARES = re.compile(r"\b(?:def|function|func|void|public|private|protected|static|async)\b")


def _function_survives(group: Group) -> bool:
    """False when the enclosing function itself (or its file) is deleted by the change."""
    if group.change.status == "deleted" or not group.symbol:
        return False
    name = re.escape(group.symbol.rsplit(".", 1)[-1])
    declared = re.compile(rf"\b{name}\s*\(")
    return not any(changed and declared.search(code) and _DECLARES.search(code)
                   for _, _, _, code, changed in group.code_lines(False))


class GuardRemoved(Detector[DiffDocument]):
    """A guard around destructive code (dry run, prod check, confirmation, limit) is removed.

    ## What it detects
    Removed lines of Python, JavaScript, TypeScript, Go or Java code that guarded
    destructive work, in a function (or hunk) whose new version still deletes something
    (a destructive call or SQL statement on the new side of its hunks, or a function
    named as a delete, such as `purge_exports`, when the call itself is out of view):
    dry-run checks (`if dry_run:`, `if (!opts.dryRun)`, `--dry-run`), environment checks
    (`if env == "prod"`, `ENVIRONMENT != "production"`, `isProduction()`), confirmations
    (`input(...)`, `confirm(`, `--yes` required), safety assertions (`assert not prod`,
    `pg_is_in_recovery()`, hostname checks) and limits (`LIMIT 1000`, `max_deletes`,
    batch caps). A guard that is only rewritten (the same kind of guard is still on the new
    side) is not reported.

    The finding's line is a new-side line: the first added line at or after the removed
    guard in its hunk, else the line now where the guard used to be.

    ## Why is this risky?
    Guards are what turn a delete into a reviewed, bounded delete. Dropping `if dry_run`
    makes every invocation real; dropping an environment or primary/replica check is how a
    cleanup meant for staging or a replica runs against production (GitLab 2017: `rm -rf`
    on the primary); dropping a limit turns a batch into everything.

    ## Example
    ```diff
    diff --git a/jobs/prune.py b/jobs/prune.py
    index 0e3d1f2..6c1a9b7 100644
    --- a/jobs/prune.py
    +++ b/jobs/prune.py
    @@ -12,8 +12,6 @@ def prune_stale_sessions(db, dry_run=True):
         stale = db.sessions.find({"last_seen": {"$lt": cutoff()}})
         ids = [s["_id"] for s in stale]
         log.info("pruning %d sessions", len(ids))
    -    if dry_run:
    -        return len(ids)
         db.sessions.delete_many({"_id": {"$in": ids}})
         return len(ids)
    ```

    ## Safer alternative
    Keep the guard; change the default instead if real runs should be the norm:
    ```diff
    diff --git a/jobs/prune.py b/jobs/prune.py
    index 0e3d1f2..2b7f4e8 100644
    --- a/jobs/prune.py
    +++ b/jobs/prune.py
    @@ -12,8 +12,8 @@ def prune_stale_sessions(db, dry_run=True):
         stale = db.sessions.find({"last_seen": {"$lt": cutoff()}})
         ids = [s["_id"] for s in stale]
    -    log.info("pruning %d sessions", len(ids))
    +    log.info("pruning %d stale sessions", len(ids))
         if dry_run:
             return len(ids)
         db.sessions.delete_many({"_id": {"$in": ids}})
         return len(ids)
    ```

    ## References
    - incidents reference §7 `SH-WRONG-HOST` (`pg_is_in_recovery()` role check, GitLab
      2017), `OPS-ID-TYPE` ("no dry-run artifact"), `OPS-CAPACITY-REMOVE` (limits)
    - destructive_command_guard (DCG): safe patterns are the guards (`--dry-run`)
    """

    code = "CODE003"
    name = "guard-removed"
    family = "code"
    kinds = (InputKind.DIFF,)
    severity = Severity.HIGH
    remediation = (
        "Keep the guard (dry run, environment or role check, confirmation, limit) around "
        "the destructive code, or replace it with an equivalent one in the same change."
    )

    def detect(self, doc: DiffDocument) -> Iterator[Finding]:
        for change in code_files(doc):
            for group in groups(change, _WANTED, kinds="-"):
                yield from self._group(group)

    def _group(self, group: Group) -> Iterator[Finding]:
        removed: dict[str, tuple[int, int, str, str]] = {}
        for number, _, idx, code, changed in group.code_lines(False):
            if not changed:
                continue
            found = _category(code)
            if found is not None and found[0] not in removed:
                removed[found[0]] = (number, idx, found[1], code)
        if not removed:
            return
        destructive = [op.label for _, _, side in group.sides(True)
                       for op in side_ops(side, group.language)]
        if not destructive and group.symbol and STRONG_VERBS & set(words(group.symbol)) \
                and _function_survives(group):
            # the delete itself is outside the hunk, but the function says what it does
            destructive = [group.symbol]
        if not destructive:
            return
        kept = _kept(group)
        target = destructive[0]
        change = group.change
        for category, (number, idx, label, code) in removed.items():
            if category in kept:
                continue
            line = new_line_for(change.hunks[number], idx)
            yield self.finding(
                f"{change.path}: {label} removed{where(group)}, which still runs "
                f"{target}",
                Location(path=change.path, line=line),
                evidence=short(f"- {code.strip()}"),
            )
