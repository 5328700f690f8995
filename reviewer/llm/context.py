"""The budgeted context: which parts of a change the judge shows the model.

The context is built from the deterministic review (intent, findings, blast radius, parsed
documents) in two tiers:

**Always included**, whatever the budget:

* the stated intent: title, description, AI-assistance flags, commit messages;
* every finding of severity medium or above, with its evidence;
* the blast radius;
* resource changes that destroy, replace or forget something, have unknown actions, or are
  named by a finding (address, type, actions, reason);
* files the diff deletes or renames, binary files and files named by a finding.

(Past 300 destructive rows, or 300 deleted files, the rest are ranked first among the
optional items; whatever still does not fit is counted by type in ``omitted``.)

**Added by rank while the budget lasts** (default 12k tokens, estimated as characters / 4):
in-place updates, diff hunks with findings, the other changed files, low findings, hunks
that delete lines, standalone inputs (SQL scripts, shell scripts, manifests…), resource
creations, then the remaining hunks. A hunk that does not fit whole is clipped when there
is room for a useful part of it.

Whatever is left out is listed, per file or per kind, in the ``omitted`` part of the prompt
and in :attr:`ReviewContext.omitted` for the verdict's coverage: a deletion is never dropped
silently. Every text goes through the review's :class:`~reviewer.llm.redact.Redactor`
before it is measured, so the budget counts what is actually sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reviewer.llm.redact import Redactor
from reviewer.models import Finding, Intent, Severity
from reviewer.parsers.cloudformation import ChangeSet
from reviewer.parsers.diff import DiffDocument, FileChange, Hunk
from reviewer.parsers.hcl import HclFile
from reviewer.parsers.kubernetes import ManifestSet
from reviewer.parsers.pulumi import PulumiPreview
from reviewer.parsers.shell import ShellScript
from reviewer.parsers.sql import SqlScript
from reviewer.parsers.terraform_plan import ResourceChange, TerraformPlan
from reviewer.parsers.workflow import Workflow

__all__ = [
    "CHARS_PER_TOKEN",
    "SECTIONS",
    "ReviewContext",
    "build_context",
    "estimate_tokens",
]

#: Characters per token for budget estimates (English and code average about 4).
CHARS_PER_TOKEN = 4

#: The prompt's data parts, in the order the user template shows them.
SECTIONS = ("intent", "findings", "blast_radius", "resource_changes", "files", "hunks",
            "documents", "omitted")

_DESCRIPTION_LIMIT = 8000
_COMMIT_BODY_LIMIT = 1500
_FULL_COMMITS = 30
_EVIDENCE_LIMIT = 800
_VALUE_LIMIT = 80
_ATTRS_PER_ROW = 8
_LIST_LIMIT = 30
_DOC_LIMIT = 4000
_MIN_CLIP_CHARS = 600
#: Destructive resource rows and deleted-file rows always included, per kind; more are
#: ranked first among the rest and, when they do not fit, counted by type in "omitted".
_MANDATORY_ROWS = 300
#: Room kept for the omitted list when filling the budget.
_OMITTED_RESERVE = 1500
#: Lines of the omitted list shown in the prompt (the verdict's coverage gets them all).
_OMITTED_LINES = 40
_DELETING = re.compile(r"deleting (\d+) lines")

_RISKY_WORDS = re.compile(
    r"(?i)\b(drop|truncate|delete|destroy|rm\s+-[a-z]*r|force|prevent_destroy|"
    r"deletion_protection|skip_final_snapshot|--force|purge|wipe|terminate|iam|policy|"
    r"0\.0\.0\.0/0|privileged|cluster-admin|permissions)\b")

# Optional-item priorities (lower first).
_P_CAPPED = 5
_P_UPDATES, _P_FINDING_HUNKS, _P_FILES, _P_LOW_FINDINGS = 10, 20, 30, 40
_P_DELETION_HUNKS, _P_DOCS, _P_CREATES, _P_OTHER_HUNKS = 50, 60, 70, 80


def estimate_tokens(text: str) -> int:
    """Rough token count of ``text`` (characters / 4, rounded up)."""
    return -(-len(text) // CHARS_PER_TOKEN)


@dataclass(frozen=True, slots=True)
class ReviewContext:
    """The rendered data parts of the prompt and what was left out of them."""

    #: Part name (see :data:`SECTIONS`) → its text, already redacted.
    sections: Mapping[str, str]
    #: One line per thing left out (for the prompt and the verdict's coverage).
    omitted: tuple[str, ...]
    #: Budget remarks (e.g. the always-included part alone exceeds the budget).
    notes: tuple[str, ...]
    #: Finding codes, paths and resource addresses of the input: what citations may name.
    known_refs: frozenset[str]
    estimated_tokens: int
    budget_tokens: int


@dataclass(slots=True)
class _Item:
    section: str
    order: tuple[int, ...]
    text: str
    mandatory: bool = False
    rank: tuple[int, ...] = ()
    #: Omitted-list group and the numbers that group adds up.
    group: str = ""
    added: int = 0
    removed: int = 0
    #: Short name of the item in the omitted list (a finding's code, a resource type).
    label: str = ""
    #: Always-included rows beyond :data:`_MANDATORY_ROWS` in this group are ranked instead.
    cap_group: str = ""
    clip: Callable[[int], tuple[str, str] | None] | None = None


@dataclass(slots=True)
class _Builder:
    redactor: Redactor
    items: list[_Item] = field(default_factory=list)
    refs: set[str] = field(default_factory=set)
    group_labels: dict[str, str] = field(default_factory=dict)
    fixed: dict[str, list[str]] = field(default_factory=dict)
    extra_omitted: list[str] = field(default_factory=list)

    def add(self, item: _Item) -> None:
        self.items.append(item)

    def line(self, section: str, text: str) -> None:
        """A fixed line at the end of a part (counts, headings), always included."""
        self.fixed.setdefault(section, []).append(text)


# =========================================================================== helpers


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit} more characters not shown]"


def _one_line(text: str, limit: int) -> str:
    return _clip(" ".join(text.split()), limit)


def _short(value: Any) -> str:
    if isinstance(value, str) and value.startswith("[REDACTED:"):
        return value
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= _VALUE_LIMIT else f"{text[:_VALUE_LIMIT]}…"


def _hunk_has(hunk: Hunk, finding: Finding) -> bool:
    line = finding.location.line
    if line is None:
        return True
    new_end = hunk.new_start + max(hunk.new_len, 1)
    old_end = hunk.old_start + max(hunk.old_len, 1)
    return hunk.new_start <= line < new_end or hunk.old_start <= line < old_end


def _file_findings(change: FileChange, findings: Sequence[Finding]) -> list[Finding]:
    paths = {p for p in (change.new_path, change.old_path) if p}
    return [f for f in findings if f.location.path in paths]


# =========================================================================== sections


def _intent(b: _Builder, intent: Intent, diffs: Sequence[DiffDocument]) -> None:
    red = b.redactor.text
    parts = [f"Title: {red(intent.title) if intent.title else '(none)'}"]
    description = intent.description.strip()
    if description:
        if len(description) > _DESCRIPTION_LIMIT:
            b.extra_omitted.append(f"description: clipped to {_DESCRIPTION_LIMIT} of "
                                   f"{len(description)} characters")
        parts.append("Description:\n" + red(_clip(description, _DESCRIPTION_LIMIT)))
    else:
        parts.append("Description: (none)")
    if intent.ai_assisted:
        reasons = "; ".join(intent.ai_assisted_reasons) or "flagged by the author"
        parts.append(f"AI-assisted: yes ({red(reasons)})")
    commits = [c for d in diffs for c in d.commits]
    if commits:
        parts.append(f"Commits ({len(commits)}):")
    for i, commit in enumerate(commits):
        head = f"- {commit.sha[:12] or '(no sha)'} {red(commit.subject)}"
        if i >= _FULL_COMMITS:
            parts.append(head)
            continue
        body = commit.body.strip()
        if body:
            head += "\n  " + red(_clip(body, _COMMIT_BODY_LIMIT)).replace("\n", "\n  ")
        if commit.trailers:
            trailers = "; ".join(f"{k}: {v}" for k, v in commit.trailers)
            head += "\n  Trailers: " + red(trailers)
        parts.append(head)
    if len(commits) > _FULL_COMMITS:
        b.extra_omitted.append(f"commits: bodies of {len(commits) - _FULL_COMMITS} commits "
                               "after the first 30 not shown (subjects are)")
    b.add(_Item("intent", (0,), "\n".join(parts), mandatory=True))


def _findings(b: _Builder, findings: Sequence[Finding]) -> None:
    red = b.redactor.text
    b.group_labels["low-findings"] = "findings"
    for i, f in enumerate(findings):
        b.refs.update(x for x in (f.code, f.location.path, f.location.address) if x)
        text = (f"- [{f.severity.value.upper()}] {f.code} {f.name} (confidence "
                f"{f.confidence.value}) at {red(str(f.location))}\n  {red(f.message)}")
        if f.evidence:
            text += "\n  evidence: " + red(_clip(f.evidence, _EVIDENCE_LIMIT)).replace(
                "\n", "\n  ")
        if f.severity >= Severity.MEDIUM:
            b.add(_Item("findings", (i,), text, mandatory=True))
        else:
            b.add(_Item("findings", (i,), text, rank=(_P_LOW_FINDINGS, i),
                        group="low-findings", label=f.code))
    if not findings:
        b.line("findings", "(no findings)")


def _blast(b: _Builder, blast: Mapping[str, Any]) -> None:
    lines: list[str] = []
    for key, value in blast.items():
        if value in (0, None, [], {}, ""):
            continue
        if isinstance(value, list | tuple):
            shown = [str(v) for v in value[:_LIST_LIMIT]]
            more = f" (+{len(value) - _LIST_LIMIT} more)" if len(value) > _LIST_LIMIT else ""
            lines.append(f"{key}: {', '.join(shown)}{more}")
        else:
            lines.append(f"{key}: {value}")
    text = b.redactor.text("\n".join(lines)) if lines else "(nothing touched)"
    b.add(_Item("blast_radius", (0,), text, mandatory=True))


def _collect_sensitive(redactor: Redactor, documents: Sequence[object]) -> None:
    for doc in documents:
        if not isinstance(doc, TerraformPlan):
            continue
        for rc in (*doc.resource_changes, *doc.resource_drift):
            redactor.collect(rc.before, rc.before_sensitive)
            redactor.collect(rc.after, rc.after_sensitive)
        for change in doc.output_changes.values():
            if isinstance(change, dict):
                redactor.collect(change.get("before"), change.get("before_sensitive"))
                redactor.collect(change.get("after"), change.get("after_sensitive"))


def _unknown(after_unknown: Any, key: str) -> bool:
    return isinstance(after_unknown, dict) and bool(after_unknown.get(key))


def _changed_attrs(rc: ResourceChange, redactor: Redactor) -> list[str]:
    before, after = rc.before, rc.after
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    masked_before = redactor.mask(before, rc.before_sensitive)
    masked_after = redactor.mask(after, rc.after_sensitive)
    out: list[str] = []
    for key in sorted(set(before) | set(after)):
        unknown = _unknown(rc.after_unknown, key)
        if before.get(key) == after.get(key) and not unknown:
            continue
        new = "(known after apply)" if unknown else _short(masked_after.get(key))
        out.append(f"{key}: {_short(masked_before.get(key))} → {new}")
    if len(out) > _ATTRS_PER_ROW:
        out = [*out[:_ATTRS_PER_ROW], f"(+{len(out) - _ATTRS_PER_ROW} more attributes)"]
    return out


def _terraform(b: _Builder, plan: TerraformPlan, cited: set[str], doc_i: int) -> None:
    red = b.redactor.text
    quiet = 0
    b.refs.add(plan.path)
    for i, rc in enumerate(plan.resource_changes):
        b.refs.add(rc.address)
        if rc.previous_address:
            b.refs.add(rc.previous_address)
        if rc.is_noop or not rc.managed:
            quiet += 1
            continue
        text = f"- {rc.action_label} {rc.address} ({rc.type})"
        if rc.action_reason:
            text += f" reason: {rc.action_reason}"
        if rc.replace_paths:
            paths = ", ".join(".".join(str(p) for p in path) for path in rc.replace_paths)
            text += f"; forces replacement: {paths}"
        if rc.previous_address:
            text += f"; moved from {rc.previous_address}"
        if rc.deposed:
            text += f"; deposed object {rc.deposed}"
        if rc.unknown_actions:
            text += f"; UNKNOWN actions {'/'.join(rc.unknown_actions)}"
        if rc.is_update or rc.is_replace:
            attrs = _changed_attrs(rc, b.redactor)
            if attrs:
                text += "\n  changes: " + "; ".join(attrs)
        text = red(text)
        destructive = rc.is_delete or rc.is_forget or bool(rc.unknown_actions)
        rank = (_P_CREATES if rc.is_create and not rc.is_delete else _P_UPDATES, doc_i, i)
        b.add(_Item("resource_changes", (doc_i, i), text,
                    mandatory=destructive or rc.address in cited, rank=rank,
                    group="resource-rows", label=f"{rc.action_label} {rc.type}",
                    cap_group="" if rc.address in cited or not destructive
                    else "destructive-rows"))
    if plan.errored:
        b.line("resource_changes", f"({plan.path}: the plan ERRORED: it is incomplete)")
    elif plan.complete is False:
        b.line("resource_changes", f"({plan.path}: the plan is incomplete: "
                                   f"{plan.deferred_changes} deferred changes)")
    if plan.resource_drift:
        b.line("resource_changes", f"({plan.path}: {len(plan.resource_drift)} resources "
                                   "drifted outside Terraform; not listed)")
    if quiet:
        b.line("resource_changes", f"({plan.path}: {quiet} unchanged resources and data "
                                   "reads not listed)")


def _cloudformation(b: _Builder, cs: ChangeSet, cited: set[str], doc_i: int) -> None:
    red = b.redactor.text
    b.refs.add(cs.path)
    for i, rc in enumerate(cs.changes):
        b.refs.update((rc.address, rc.logical_id))
        text = f"- {rc.action} {rc.address}"
        if rc.replacement:
            text += f" replacement: {rc.replacement}"
        if rc.policy_action:
            text += f"; policy: {rc.policy_action}"
        if rc.physical_id:
            text += f"; physical id: {rc.physical_id}"
        if rc.details:
            names = sorted({d.label for d in rc.details})
            text += f"\n  changes: {', '.join(names[:_ATTRS_PER_ROW])}"
            recreate = sorted({d.label for d in rc.replacing_details})
            if recreate:
                text += f"; requires recreation: {', '.join(recreate[:_ATTRS_PER_ROW])}"
        pinned = rc.address in cited or rc.logical_id in cited
        destructive = rc.is_remove or rc.may_replace
        rank = (_P_CREATES if rc.action == "Add" else _P_UPDATES, doc_i, i)
        b.add(_Item("resource_changes", (doc_i, i), red(text),
                    mandatory=destructive or pinned, rank=rank, group="resource-rows",
                    label=f"{rc.action} {rc.resource_type}",
                    cap_group="destructive-rows" if destructive and not pinned else ""))
    if cs.paginated:
        b.line("resource_changes", f"({cs.path}: the change set has more pages of changes "
                                   "that were not provided)")


def _pulumi(b: _Builder, preview: PulumiPreview, cited: set[str], doc_i: int) -> None:
    red = b.redactor.text
    quiet = 0
    b.refs.add(preview.path)
    for i, step in enumerate(preview.steps):
        b.refs.update((step.address, step.urn))
        if step.op in ("same", "read", "refresh"):
            quiet += 1
            continue
        text = f"- {step.op} {step.address}"
        if step.replace_reasons:
            text += f" replace because: {', '.join(step.replace_reasons[:_ATTRS_PER_ROW])}"
        if step.diff_reasons:
            text += f"; changes: {', '.join(step.diff_reasons[:_ATTRS_PER_ROW])}"
        if step.retained_on_delete:
            text += "; retained on delete"
        pinned = step.address in cited
        destructive = step.is_delete or step.is_replace
        rank = (_P_CREATES if step.op == "create" else _P_UPDATES, doc_i, i)
        b.add(_Item("resource_changes", (doc_i, i), red(text),
                    mandatory=destructive or pinned, rank=rank, group="resource-rows",
                    label=f"{step.op} {step.type}",
                    cap_group="destructive-rows" if destructive and not pinned else ""))
    if quiet:
        b.line("resource_changes", f"({preview.path}: {quiet} unchanged steps not listed)")


def _clip_lines(header: str, body: list[str], footer: Callable[[int], str],
                limit: int) -> tuple[str, int] | None:
    """``header`` plus as many ``body`` lines as fit in ``limit`` characters."""
    used = len(header) + 80
    kept: list[str] = []
    for line in body:
        if used + len(line) + 1 > limit:
            break
        kept.append(line)
        used += len(line) + 1
    if not kept:
        return None
    return "\n".join([header, *kept, footer(len(body) - len(kept))]), len(kept)


def _diff(b: _Builder, diff: DiffDocument, findings: Sequence[Finding], doc_i: int) -> None:
    red = b.redactor.text
    b.refs.add(diff.path)
    for fi, change in enumerate(diff.files):
        b.refs.update(p for p in (change.new_path, change.old_path) if p)
        hits = _file_findings(change, findings)
        path = change.path
        where = (f"{change.old_path} → {change.new_path}"
                 if change.status in ("renamed", "copied") else path)
        row = f"- {change.status} {where} (+{change.added_lines} −{change.removed_lines})"
        if change.similarity is not None:
            row += f" similarity {change.similarity}%"
        if change.is_binary:
            row += " binary, not shown"
        if change.mode_changed:
            row += f" mode {change.old_mode} → {change.new_mode}"
        if hits:
            row += f" findings: {', '.join(sorted({f.code for f in hits}))}"
        must = (change.status in ("deleted", "renamed") or change.is_binary or bool(hits)
                or change.mode_changed)
        b.add(_Item("files", (doc_i, fi), red(row), mandatory=must,
                    rank=(_P_FILES, doc_i, fi), group="file-rows", label=change.status,
                    cap_group="" if hits else f"{change.status}-file-rows"))
        group = f"hunks:{doc_i}:{path}"
        b.group_labels[group] = (f"deleted file {path}" if change.status == "deleted"
                                 else path)
        for hi, hunk in enumerate(change.hunks):
            _hunk(b, change, hunk, hits, (doc_i, fi, hi), group)


def _hunk(b: _Builder, change: FileChange, hunk: Hunk, hits: Sequence[Finding],
          order: tuple[int, ...], group: str) -> None:
    here = [f for f in hits if _hunk_has(hunk, f)]
    head = f"### {change.path} ({change.status}) {hunk.header}"
    if hunk.symbol:
        head += f" in {hunk.symbol}"
    if here:
        head += f" [findings: {', '.join(sorted({f.code for f in here}))}]"
    redacted = b.redactor.text("\n".join(f"{ln.kind}{ln.text}" for ln in hunk.lines))
    body = redacted.split("\n") if hunk.lines else []
    text = "\n".join([b.redactor.text(head), *body])
    added, removed = len(hunk.added), len(hunk.removed)
    if any(f.severity >= Severity.MEDIUM for f in here):
        rank: tuple[int, ...] = (_P_FINDING_HUNKS, 0, *order)
    elif here:
        rank = (_P_FINDING_HUNKS, 1, *order)
    elif removed:
        rank = (_P_DELETION_HUNKS, 0 if change.status == "deleted" else 1, *order)
    elif _RISKY_WORDS.search(redacted):
        rank = (_P_DELETION_HUNKS, 2, *order)
    else:
        rank = (_P_OTHER_HUNKS, *order)
    safe_head = b.redactor.text(head)

    def clip(limit: int) -> tuple[str, str] | None:
        def footer(rest: int) -> str:
            return f"… {rest} more lines of this hunk not shown"

        clipped = _clip_lines(safe_head, body, footer, limit)
        if clipped is None:
            return None
        text, kept = clipped
        note = (f"{change.path} {hunk.header}: only the first {kept} of {len(body)} lines "
                f"shown (+{added} −{removed} in the whole hunk)")
        return text, note

    b.add(_Item("hunks", order, text, rank=rank, group=group, added=added, removed=removed,
                clip=clip))


def _document_text(doc: object) -> tuple[str, str] | None:
    """(path, excerpt) of a standalone input the other parts do not show."""
    if isinstance(doc, SqlScript):
        body = "\n".join(f"{s.line}: {s.text.strip()}" for s in doc.statements)
        return doc.path, f"{doc.describe()}\n{body}"
    if isinstance(doc, ShellScript):
        body = "\n".join(f"{c.line}: {c.raw.strip()}" for c in doc.commands)
        return doc.path, f"{doc.describe()}\n{body}"
    if isinstance(doc, ManifestSet):
        body = "\n".join(f"- {m.api_version} {m.address}" for m in doc.manifests)
        return doc.path, f"{doc.describe()}\n{body}"
    if isinstance(doc, Workflow):
        jobs = ", ".join(j.id for j in doc.jobs)
        triggers = ", ".join(str(t) for t in doc.triggers)
        return doc.path, (f"{doc.describe()}\ntriggers: {triggers}\njobs: {jobs}\n"
                          f"permissions: {_short(doc.permissions)}")
    if isinstance(doc, HclFile):
        body = "\n".join(f"{blk.line}: {blk.address}" for blk in doc.blocks)
        return doc.path, f"{doc.describe()}\n{body}"
    path = getattr(doc, "path", None)
    describe = getattr(doc, "describe", None)
    if isinstance(path, str) and callable(describe):
        return path, str(describe())
    return None


def _standalone(b: _Builder, doc: object, doc_i: int) -> None:
    if getattr(doc, "origin", None) is not None:
        return  # derived from a diff: its hunks show the change
    found = _document_text(doc)
    if found is None:
        return
    path, raw = found
    b.refs.add(path)
    if isinstance(doc, ManifestSet):
        b.refs.update(m.address for m in doc.manifests)
    if isinstance(doc, HclFile):
        b.refs.update(blk.address for blk in doc.blocks)
    text = b.redactor.text(f"### {path}\n{_clip(raw, _DOC_LIMIT)}")
    lines = text.split("\n")
    group = f"doc:{doc_i}:{path}"
    b.group_labels[group] = path

    def clip(limit: int) -> tuple[str, str] | None:
        clipped = _clip_lines(lines[0], lines[1:],
                              lambda rest: f"… {rest} more lines not shown", limit)
        if clipped is None:
            return None
        return clipped[0], f"{path}: only the first {clipped[1]} lines shown"

    b.add(_Item("documents", (doc_i,), text, rank=(_P_DOCS, doc_i), group=group, clip=clip))


# =========================================================================== assembly


def _tally(labels: Iterable[str]) -> str:
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{label} ×{n}" for label, n in ranked[:10])
    return shown + (f", {len(ranked) - 10} more kinds" if len(ranked) > 10 else "")


def _cap(items: list[_Item]) -> None:
    """Rank always-included rows past :data:`_MANDATORY_ROWS` per cap group instead."""
    seen: dict[str, int] = {}
    for item in items:
        if not item.mandatory or not item.cap_group:
            continue
        seen[item.cap_group] = seen.get(item.cap_group, 0) + 1
        if seen[item.cap_group] > _MANDATORY_ROWS:
            item.mandatory = False
            item.rank = (_P_CAPPED, *item.order)
            if item.section == "resource_changes":
                item.group = "capped-resource-rows"


def _omitted_lines(b: _Builder, left_out: Iterable[_Item]) -> list[str]:
    groups: dict[str, list[_Item]] = {}
    for item in left_out:
        groups.setdefault(item.group, []).append(item)
    lines: list[str] = []
    for group, items in groups.items():
        n = len(items)
        if group == "file-rows":
            by_status = _tally(i.label for i in items)
            lines.append(f"files: {n} more changed files not listed ({by_status})")
        elif group == "capped-resource-rows":
            lines.append(f"resource changes: {n} more deletions, replacements or removals "
                         f"not listed ({_tally(i.label for i in items)})")
        elif group == "resource-rows":
            lines.append(f"resource changes: {n} more creations or in-place updates not "
                         "listed")
        elif group == "low-findings":
            codes = ", ".join(sorted({i.label for i in items}))
            lines.append(f"findings: {n} low or info findings not listed ({codes})")
        elif group.startswith("hunks:"):
            added = sum(i.added for i in items)
            removed = sum(i.removed for i in items)
            label = b.group_labels.get(group, group)
            deletes = f", deleting {removed} lines" if removed else ""
            lines.append(f"{label}: {n} hunk{'s' if n != 1 else ''} not shown (+{added} "
                         f"−{removed}{deletes})")
        else:
            lines.append(f"{b.group_labels.get(group, group)}: not shown")
    return lines


def _omitted_for_prompt(omitted: Sequence[str]) -> list[str]:
    """The omitted list as the prompt shows it: deletions first, at most
    :data:`_OMITTED_LINES` lines, the rest summed up (the full list goes to coverage)."""
    if len(omitted) <= _OMITTED_LINES:
        return [f"- {o}" for o in omitted]
    ranked = sorted(omitted, key=lambda o: 0 if ("delet" in o or "destroy" in o) else 1)
    shown, rest = ranked[:_OMITTED_LINES], ranked[_OMITTED_LINES:]
    deleting = sum(int(m.group(1)) for o in rest for m in [_DELETING.search(o)] if m)
    tail = f", deleting {deleting} lines in all" if deleting else ""
    return [*(f"- {o}" for o in shown), f"- … and {len(rest)} more omissions{tail}"]


def build_context(
    intent: Intent,
    findings: Sequence[Finding],
    blast_radius: Mapping[str, Any],
    documents: Sequence[object],
    *,
    budget_tokens: int,
    overhead_chars: int,
    redactor: Redactor,
) -> ReviewContext:
    """Select and render the parts of a change the model sees, within ``budget_tokens``.

    ``overhead_chars`` is the size of the templates around the parts, counted against the
    budget. The always-included parts are included even when they alone exceed it (a
    note says so).
    """
    _collect_sensitive(redactor, documents)
    b = _Builder(redactor)
    diffs = [d for d in documents if isinstance(d, DiffDocument)]
    _intent(b, intent, diffs)
    _findings(b, findings)
    _blast(b, blast_radius)
    cited = {f.location.address for f in findings if f.location.address}
    for doc_i, doc in enumerate(documents):
        if isinstance(doc, TerraformPlan):
            _terraform(b, doc, cited, doc_i)
        elif isinstance(doc, ChangeSet):
            _cloudformation(b, doc, cited, doc_i)
        elif isinstance(doc, PulumiPreview):
            _pulumi(b, doc, cited, doc_i)
        elif isinstance(doc, DiffDocument):
            _diff(b, doc, findings, doc_i)
        else:
            _standalone(b, doc, doc_i)

    _cap(b.items)
    budget_chars = budget_tokens * CHARS_PER_TOKEN - overhead_chars - _OMITTED_RESERVE
    chosen = [i for i in b.items if i.mandatory]
    used = sum(len(i.text) + 1 for i in chosen)
    used += sum(len(line) + 1 for lines in b.fixed.values() for line in lines)
    notes: list[str] = []
    if used > budget_chars:
        notes.append(f"the always-included context alone is about {used // CHARS_PER_TOKEN} "
                     f"tokens, over the {budget_tokens}-token budget")
    clipped_notes: list[str] = []
    left_out: list[_Item] = []
    for item in sorted((i for i in b.items if not i.mandatory), key=lambda i: i.rank):
        room = budget_chars - used
        if len(item.text) + 1 <= room:
            chosen.append(item)
            used += len(item.text) + 1
            continue
        if item.clip is not None and room >= _MIN_CLIP_CHARS:
            clipped = item.clip(room)
            if clipped is not None:
                text, note = clipped
                chosen.append(_Item(item.section, item.order, text))
                used += len(text) + 1
                clipped_notes.append(note)
                continue
        left_out.append(item)

    omitted = [*b.extra_omitted, *clipped_notes, *_omitted_lines(b, left_out)]
    sections: dict[str, list[str]] = {name: [] for name in SECTIONS}
    for item in sorted(chosen, key=lambda i: (SECTIONS.index(i.section), i.order)):
        sections[item.section].append(item.text)
    for name, lines in b.fixed.items():
        sections[name].extend(lines)
    omitted_text = [*(f"note: {n}" for n in notes), *_omitted_for_prompt(omitted)]
    sections["omitted"] = [redactor.text(line) for line in omitted_text] or ["(nothing)"]
    rendered = {name: "\n".join(lines) if lines else "(none)"
                for name, lines in sections.items()}
    total = sum(len(t) for t in rendered.values()) + overhead_chars
    return ReviewContext(
        sections=rendered,
        omitted=tuple(redactor.text(o) for o in omitted),
        notes=tuple(notes),
        known_refs=frozenset(r for r in b.refs if r),
        estimated_tokens=-(-total // CHARS_PER_TOKEN),
        budget_tokens=budget_tokens,
    )
