"""Compute the blast radius of a change from its parsed documents."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reviewer.environments import environments_in_text, ordered
from reviewer.models import Environment
from reviewer.parsers.base import Document
from reviewer.parsers.cloudformation import ChangeSet
from reviewer.parsers.pulumi import PulumiPreview
from reviewer.parsers.terraform_plan import TerraformPlan
from reviewer.resources import (
    is_stateful_cloudformation,
    is_stateful_pulumi,
    is_stateful_terraform,
)
from reviewer.verdict.model import BlastRadius


class _Counter:
    def __init__(self) -> None:
        self.deleted = self.replaced = self.changed = self.created = self.forgotten = 0
        self.files_deleted = self.files_changed = self.files_added = 0
        self.lines_added = self.lines_removed = 0
        self.stateful_touched: list[str] = []
        self.stateful_destroyed: list[str] = []
        self.envs: set[Environment] = set()

    def plan(self, plan: TerraformPlan) -> None:
        for rc in plan.changed:  # managed changes that do something
            touched = rc.is_delete
            if rc.is_replace:
                self.replaced += 1
            elif touched:
                self.deleted += 1
            elif rc.is_create:
                self.created += 1
            elif rc.is_update:  # before is_forget: an update is never a forget, and is common
                self.changed += 1
                touched = True
            elif rc.is_forget:
                self.forgotten += 1
            if touched and is_stateful_terraform(rc.type):
                self.stateful_touched.append(rc.address)
                if rc.is_delete:
                    self.stateful_destroyed.append(rc.address)
            envs = rc.environments
            if envs:
                self.envs |= envs
        for name, var in plan.variables.items():
            if name.lower() in {"environment", "env", "stage"} and isinstance(var, dict):
                value = var.get("value")
                if isinstance(value, str):
                    self.envs |= environments_in_text(value)

    def _touch(self, address: str, stateful: bool, destroyed: bool) -> None:
        self.envs |= environments_in_text(address)
        if stateful:
            self.stateful_touched.append(address)
            if destroyed:
                self.stateful_destroyed.append(address)

    def change_set(self, cs: ChangeSet) -> None:
        if cs.stack_name:
            self.envs |= environments_in_text(cs.stack_name)
        for rc in cs.changes:
            stateful = is_stateful_cloudformation(rc.resource_type)
            if rc.is_remove:
                destroyed = rc.deletes_physical_resource is not False
                if destroyed:
                    self.deleted += 1
                else:
                    self.forgotten += 1
                self._touch(rc.address, stateful, destroyed)
            elif rc.may_replace:
                self.replaced += 1
                self._touch(rc.address, stateful, rc.deletes_physical_resource is not False)
            elif rc.action == "Add":
                self.created += 1
            elif rc.action in ("Modify", "Dynamic"):
                self.changed += 1
                self._touch(rc.address, stateful, False)

    def preview(self, preview: PulumiPreview) -> None:
        if preview.stack:
            self.envs |= environments_in_text(preview.stack)
        for step in preview.steps:
            if not step.custom:
                continue
            stateful = is_stateful_pulumi(step.type)
            if step.op in ("delete", "delete-replaced"):
                if step.retained_on_delete:
                    self.forgotten += 1
                    continue
                if step.op == "delete":
                    self.deleted += 1
                self._touch(step.address, stateful, True)
            elif step.op == "replace":
                self.replaced += 1
            elif step.op == "create":
                self.created += 1
            elif step.op == "update":
                self.changed += 1
                self._touch(step.address, stateful, False)
            elif step.op in ("discard", "discard-replaced"):
                self.forgotten += 1

    def generic(self, doc: Any) -> None:
        """Documents other parsers produce: diffs count files and lines."""
        files = getattr(doc, "files", None)
        if files is None:
            return
        for fc in files:
            status = getattr(fc, "status", "modified")
            if status == "deleted":
                self.files_deleted += 1
            elif status == "added":
                self.files_added += 1
            else:
                self.files_changed += 1
            self.lines_added += int(getattr(fc, "added_lines", 0) or 0)
            self.lines_removed += int(getattr(fc, "removed_lines", 0) or 0)
            path = getattr(fc, "path", "")
            if isinstance(path, str):
                self.envs |= environments_in_text(path)


def compute_blast_radius(documents: Iterable[Document]) -> BlastRadius:
    """Sum what every document deletes, replaces and changes."""
    counter = _Counter()
    for doc in documents:
        if isinstance(doc, TerraformPlan):
            counter.plan(doc)
        elif isinstance(doc, ChangeSet):
            counter.change_set(doc)
        elif isinstance(doc, PulumiPreview):
            counter.preview(doc)
        else:
            counter.generic(doc)
    return BlastRadius(
        resources_deleted=counter.deleted,
        resources_replaced=counter.replaced,
        resources_changed=counter.changed,
        resources_created=counter.created,
        resources_forgotten=counter.forgotten,
        files_deleted=counter.files_deleted,
        files_changed=counter.files_changed,
        files_added=counter.files_added,
        lines_added=counter.lines_added,
        lines_removed=counter.lines_removed,
        stateful_touched=counter.stateful_touched,
        stateful_destroyed=counter.stateful_destroyed,
        environments=ordered(counter.envs),
    )
