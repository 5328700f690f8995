"""Apply a project's ReviewerConfig to one review (everything except suppressions).

* ``detectors.select`` / ``detectors.ignore`` → the detectors that run (flags win for
  ``select``; ``ignore`` adds to the flags' list);
* ``detectors.severity`` → finding severities, changed before the policy runs and recorded
  in the coverage notes;
* ``paths.ignore`` → changed files left out of a diff, each recorded in
  ``coverage.skipped`` as "ignored by config (<pattern>)";
* ``environments`` → environments added to the blast radius (workspace, path, tag);
* ``ai_assisted.policy`` → what an AI-assisted change means for approval.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reviewer.config.globs import first_path_match, match_path
from reviewer.config.model import EnvironmentSettings, ReviewerConfig
from reviewer.detectors.base import Detector
from reviewer.detectors.registry import by_code, select
from reviewer.environments import environments_in_text
from reviewer.errors import ConfigError, UsageError
from reviewer.models import Environment, Finding, Intent
from reviewer.parsers.base import Document
from reviewer.parsers.diff import DiffDocument
from reviewer.parsers.kubernetes import ManifestSet
from reviewer.parsers.pulumi import PulumiPreview
from reviewer.parsers.terraform_plan import TerraformPlan
from reviewer.verdict.model import SkippedItem
from reviewer.verdict.policy import PolicyResult


def detector_selectors(config: ReviewerConfig, include: Sequence[str],
                       exclude: Sequence[str]) -> tuple[list[str], list[str]]:
    """``(include, exclude)`` for :func:`reviewer.detectors.registry.select`.

    Explicit ``include`` (``--select``) replaces ``detectors.select``; ``exclude`` is the
    union of both. Raises ConfigError naming the key when a configured selector or
    severity code matches no detector.
    """
    settings = config.detectors
    for key, values in (("detectors.select", settings.select),
                        ("detectors.ignore", settings.ignore)):
        for value in values:
            try:
                select([value])
            except UsageError:
                raise ConfigError(f"config {key}: {value!r} matches no detector") from None
    for code in settings.severity:
        try:
            by_code(code)
        except UsageError:
            raise ConfigError(f"config detectors.severity: unknown detector code "
                              f"{code!r}") from None
    chosen = list(include) if include else list(settings.select)
    return chosen, [*exclude, *(s for s in settings.ignore if s not in exclude)]


#: Detectors a configuration file cannot switch off: they guard the configuration itself
#: (a base branch's settings must not be able to hide a change to those settings).
GUARD_DETECTORS: tuple[str, ...] = ("CFG005",)


def with_guards(detectors: tuple[type[Detector[Any]], ...], include: Sequence[str],
                exclude: Sequence[str]) -> tuple[type[Detector[Any]], ...]:
    """``detectors`` plus the guard detectors, unless the command line left them out.

    ``include``/``exclude`` are the caller's own selectors (``--select``/``--ignore``), not
    the configuration's: only a person running the reviewer may turn a guard off.
    """
    extra = []
    for code in GUARD_DETECTORS:
        cls = by_code(code)
        if cls in detectors or select([code], exclude) == ():
            continue
        if include and cls not in select(include):
            continue
        extra.append(cls)
    return (*detectors, *extra)


def override_severities(findings: Iterable[Finding], config: ReviewerConfig
                        ) -> tuple[list[Finding], list[str]]:
    """Findings with ``detectors.severity`` applied, and one note per overridden code."""
    overrides = config.detectors.severity
    out: list[Finding] = []
    changed: dict[tuple[str, str, str], int] = {}
    for finding in findings:
        wanted = overrides.get(finding.code)
        if wanted is None or wanted == finding.severity:
            out.append(finding)
            continue
        key = (finding.code, finding.severity.value, wanted.value)
        changed[key] = changed.get(key, 0) + 1
        out.append(finding.model_copy(update={"severity": wanted}))
    notes = [f"config: severity of {code} set to {new} (detector said {old}) on {n} "
             f"finding(s)" for (code, old, new), n in sorted(changed.items())]
    return out, notes


def ignore_paths(documents: Sequence[Document], patterns: Sequence[str]
                 ) -> tuple[list[Document], list[SkippedItem]]:
    """Documents with the diff files matching ``paths.ignore`` taken out, and what was."""
    if not patterns:
        return list(documents), []
    kept: list[Document] = []
    skipped: list[SkippedItem] = []
    for doc in documents:
        if not isinstance(doc, DiffDocument):
            kept.append(doc)
            continue
        files = []
        for change in doc.files:
            pattern = next((p for p in patterns
                            if any(match_path(path, p) for path in
                                   {change.path, change.old_path or change.path})), None)
            if pattern is None:
                files.append(change)
            else:
                skipped.append(SkippedItem(path=change.path,
                                           reason=f"ignored by config ({pattern})"))
        kept.append(dataclasses.replace(doc, files=tuple(files))
                    if len(files) != len(doc.files) else doc)
    return kept, skipped


def _tag_envs(tags: Any, mapping: Mapping[str, Environment]) -> set[Environment]:
    if not isinstance(tags, Mapping) or not mapping:
        return set()
    found: set[Environment] = set()
    pairs = {(str(k).strip().lower(), str(v).strip().lower()) for k, v in tags.items()
             if isinstance(v, str | int | float | bool)}
    for spec, env in mapping.items():
        key, sep, value = spec.partition("=")
        key, value = key.strip().lower(), value.strip().lower()
        if (sep and (key, value) in pairs) or (not sep and any(v == key for _, v in pairs)):
            found.add(env)
    return found


def _paths(documents: Sequence[Document]) -> set[str]:
    paths: set[str] = set()
    for doc in documents:
        paths.add(doc.path)
        if isinstance(doc, DiffDocument):
            paths.update(change.path for change in doc.files)
    return paths


def configured_environments(documents: Sequence[Document], settings: EnvironmentSettings,
                            workspace: str | None) -> tuple[set[Environment], list[str]]:
    """Environments the configuration maps this change to, with a note for each reason."""
    found: set[Environment] = set()
    notes: list[str] = []
    if workspace:
        env = settings.workspaces.get(workspace)
        envs = {env} if env is not None else environments_in_text(workspace)
        for e in sorted(envs):
            notes.append(f"environment {e.value}: workspace {workspace!r}")
        found |= envs
    for path in sorted(_paths(documents)):
        pattern = first_path_match(path, list(settings.paths))
        if pattern is not None:
            env = settings.paths[pattern]
            found.add(env)
            notes.append(f"environment {env.value}: {path} matches {pattern!r}")
    if settings.tags:
        for doc in documents:
            for address, tags in _tag_maps(doc):
                for env in sorted(_tag_envs(tags, settings.tags) - found):
                    found.add(env)
                    notes.append(f"environment {env.value}: tags of {address}")
    return found, notes


def _tag_maps(doc: Document) -> Iterable[tuple[str, Any]]:
    if isinstance(doc, TerraformPlan):
        for rc in doc.resource_changes:
            for side in (rc.before, rc.after):
                if isinstance(side, Mapping):
                    yield rc.address, side.get("tags")
                    yield rc.address, side.get("tags_all")
    elif isinstance(doc, PulumiPreview):
        for step in doc.steps:
            for state in (step.old_state, step.new_state):
                if state is not None:
                    yield step.address, state.inputs.get("tags")
    elif isinstance(doc, ManifestSet):
        for m in doc.manifests:
            yield m.address, m.labels


def apply_ai_policy(intent: Intent, config: ReviewerConfig) -> tuple[Intent, list[str]]:
    """The intent as the AI-assisted policy sees it: ``off`` drops every AI signal."""
    if config.ai_assisted.policy != "off" or not intent.ai_assisted:
        return intent, []
    note = (f"config: ai_assisted.policy is off; {len(intent.ai_assisted_reasons)} "
            "AI-assistance signal(s) ignored")
    return intent.model_copy(update={"ai_assisted": False, "ai_assisted_reasons": ()}), [note]


def approval_required(outcome: PolicyResult, config: ReviewerConfig) -> PolicyResult:
    """Senior approval only under ``senior-approval``; ``flag`` notes AI help and no more."""
    if config.ai_assisted.policy == "senior-approval" or not outcome.requires_senior_approval:
        return outcome
    return dataclasses.replace(outcome, requires_senior_approval=False)
