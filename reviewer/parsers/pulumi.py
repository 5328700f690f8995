"""Pulumi previews (``pulumi preview --json``) → :class:`PulumiPreview`.

The document is Pulumi's ``PreviewDigest``: ``steps[]`` (one per resource operation),
``changeSummary`` (op → count), ``diagnostics[]``, ``config`` and ``duration``. Each step's
URN is split into stack, project, type and name; ``oldState``/``newState`` become
:class:`ResourceState` with the protection flags detectors need (``protect``,
``retainOnDelete``).

Both Pulumi's camelCase keys and snake_case spellings are accepted. An unknown ``op``, a
step that is not an object or lacks a URN, an error diagnostic and ``maybeCorrupt`` are
coverage errors: the reviewer cannot say what the preview does there, so it fails closed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from reviewer.errors import ParseError
from reviewer.models import InputKind
from reviewer.parsers.base import Problem, ProblemLevel

#: Step ops (Pulumi REST schema ``AppStepEventMetadata``).
KNOWN_OPS = frozenset({
    "same", "create", "update", "delete", "replace", "create-replacement", "delete-replaced",
    "read", "read-replacement", "refresh", "discard", "discard-replaced",
    "remove-pending-replace", "import", "import-replacement",
})
#: Ops that physically delete an object (unless it is retained on delete).
DELETE_OPS = frozenset({"delete", "delete-replaced"})
#: Ops that are part of a replacement.
REPLACE_OPS = frozenset({"replace", "create-replacement", "delete-replaced", "import-replacement",
                         "read-replacement", "discard-replaced"})
KNOWN_DIFF_KINDS = frozenset({"add", "add-replace", "delete", "delete-replace", "update",
                              "update-replace"})

#: Top-level keys of a ``PreviewDigest``; one of them must be present.
DIGEST_KEYS = ("steps", "changeSummary", "change_summary", "diagnostics", "config", "duration")

_KIND = InputKind.PULUMI


@dataclass(frozen=True, slots=True)
class Urn:
    """The parts of ``urn:pulumi:<stack>::<project>::<qualified type>::<name>``."""

    stack: str
    project: str
    #: The resource's own type: the last ``$``-separated part of the qualified type.
    type: str
    name: str
    #: Types of the parents, outermost first (the ``$``-separated prefix).
    parent_types: tuple[str, ...] = ()


def parse_urn(urn: str) -> Urn | None:
    """Split a Pulumi URN; None when the text is not one.

    >>> parse_urn("urn:pulumi:prod::shop::aws:rds/instance:Instance::orders-db").type
    'aws:rds/instance:Instance'
    """
    if not urn.startswith("urn:pulumi:"):
        return None
    parts = urn[len("urn:pulumi:"):].split("::", 3)
    if len(parts) != 4:
        return None
    stack, project, qualified, name = parts
    types = qualified.split("$")
    return Urn(stack=stack, project=project, type=types[-1], name=name,
               parent_types=tuple(types[:-1]))


@dataclass(frozen=True, slots=True)
class ResourceState:
    """``oldState`` or ``newState`` of a step (Pulumi ``apitype.ResourceV3``)."""

    type: str = ""
    urn: str = ""
    id: str | None = None
    #: False for component resources (logical groupings that hold no cloud object).
    custom: bool = True
    protect: bool = False
    retain_on_delete: bool = False
    #: The object is pending deletion (left over from a failed replacement).
    delete: bool = False
    taint: bool = False
    external: bool = False
    pending_replacement: bool = False
    parent: str | None = None
    provider: str | None = None
    deleted_with: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    replace_on_changes: tuple[str, ...] = ()
    ignore_changes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DiffEntry:
    """One ``detailedDiff`` entry: how a property path changes."""

    kind: str
    input_diff: bool = False

    @property
    def forces_replacement(self) -> bool:
        """True for the ``*-replace`` kinds."""
        return self.kind.endswith("-replace")


@dataclass(frozen=True, slots=True)
class Step:
    """One ``steps[]`` entry of the preview."""

    op: str
    urn: str
    type: str
    name: str
    stack: str = ""
    project: str = ""
    provider: str | None = None
    old_state: ResourceState | None = None
    new_state: ResourceState | None = None
    diff_reasons: tuple[str, ...] = ()
    replace_reasons: tuple[str, ...] = ()
    detailed_diff: dict[str, DiffEntry] = field(default_factory=dict)
    #: Position in ``steps`` (0-based).
    index: int = 0

    @property
    def address(self) -> str:
        """``type::name``, the name used in findings."""
        return f"{self.type}::{self.name}"

    @property
    def custom(self) -> bool:
        """False for component resources (from whichever state is present)."""
        state = self.old_state or self.new_state
        return state.custom if state is not None else True

    @property
    def is_delete(self) -> bool:
        """The step deletes an object (``delete`` or ``delete-replaced``)."""
        return self.op in DELETE_OPS

    @property
    def is_replace(self) -> bool:
        """The step is part of a replacement."""
        return self.op in REPLACE_OPS

    @property
    def retained_on_delete(self) -> bool:
        """The old object survives deletion (``retainOnDelete``)."""
        return self.old_state is not None and self.old_state.retain_on_delete

    @property
    def protect_before(self) -> bool | None:
        """``protect`` of the old state, None without one."""
        return self.old_state.protect if self.old_state is not None else None

    @property
    def protect_after(self) -> bool | None:
        """``protect`` of the new state, None without one."""
        return self.new_state.protect if self.new_state is not None else None

    @property
    def replacing_paths(self) -> tuple[str, ...]:
        """Property paths whose diff kind forces replacement."""
        return tuple(p for p, d in self.detailed_diff.items() if d.forces_replacement)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One ``diagnostics[]`` message from the preview."""

    severity: str
    message: str
    urn: str | None = None
    prefix: str = ""


@dataclass(frozen=True, slots=True)
class PulumiPreview:
    """A parsed ``pulumi preview --json`` digest."""

    kind: ClassVar[InputKind] = InputKind.PULUMI

    path: str
    steps: tuple[Step, ...]
    change_summary: dict[str, int] = field(default_factory=dict)
    diagnostics: tuple[Diagnostic, ...] = ()
    #: Stack configuration (secrets are already blinded by Pulumi).
    config: dict[str, Any] = field(default_factory=dict)
    duration: int | None = None
    maybe_corrupt: bool = False
    problems: tuple[Problem, ...] = ()

    @property
    def stack(self) -> str:
        """The stack named by the steps' URNs (empty when there are none)."""
        return next((s.stack for s in self.steps if s.stack), "")

    @property
    def changing_steps(self) -> tuple[Step, ...]:
        """Steps other than ``same``, ``read`` and ``refresh``."""
        return tuple(s for s in self.steps if s.op not in ("same", "read", "refresh"))

    def describe(self) -> str:
        """One phrase saying what was analysed."""
        stack = f" of stack {self.stack}" if self.stack else ""
        return (f"Pulumi preview{stack} with {len(self.steps)} steps "
                f"({len(self.changing_steps)} changing)")


def _one_line(text: str, limit: int = 200) -> str:
    """Text safe to put in a one-line message."""
    return " ".join(text.split())[:limit]


def _get(raw: dict[str, Any], camel: str, snake: str) -> Any:
    return raw[camel] if camel in raw else raw.get(snake)


def _strs(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(x for x in raw if isinstance(x, str))


def _opt_str(raw: Any) -> str | None:
    return raw if isinstance(raw, str) and raw else None


def _state(raw: Any) -> ResourceState | None:
    if not isinstance(raw, dict):
        return None
    inputs = raw.get("inputs")
    outputs = raw.get("outputs")
    custom = raw.get("custom")
    return ResourceState(
        type=_opt_str(raw.get("type")) or "",
        urn=_opt_str(raw.get("urn")) or "",
        id=_opt_str(raw.get("id")),
        custom=custom if isinstance(custom, bool) else True,
        protect=raw.get("protect") is True,
        retain_on_delete=_get(raw, "retainOnDelete", "retain_on_delete") is True,
        delete=raw.get("delete") is True,
        taint=raw.get("taint") is True,
        external=raw.get("external") is True,
        pending_replacement=_get(raw, "pendingReplacement", "pending_replacement") is True,
        parent=_opt_str(raw.get("parent")),
        provider=_opt_str(raw.get("provider")),
        deleted_with=_opt_str(_get(raw, "deletedWith", "deleted_with")),
        inputs=inputs if isinstance(inputs, dict) else {},
        outputs=outputs if isinstance(outputs, dict) else {},
        replace_on_changes=_strs(_get(raw, "replaceOnChanges", "replace_on_changes")),
        ignore_changes=_strs(_get(raw, "ignoreChanges", "ignore_changes")),
    )


def _detailed_diff(raw: Any) -> dict[str, DiffEntry]:
    if not isinstance(raw, dict):
        return {}
    out: dict[str, DiffEntry] = {}
    for key, value in raw.items():
        if not isinstance(key, str):  # pragma: no cover - JSON keys are strings
            continue
        if isinstance(value, dict):
            kind = value.get("kind")
            input_diff = _get(value, "inputDiff", "input_diff") is True
        else:
            kind, input_diff = value, False
        out[key] = DiffEntry(kind=kind if isinstance(kind, str) else "", input_diff=input_diff)
    return out


def _step(raw: Any, index: int, path: str, problems: list[Problem]) -> Step | None:
    where = f"steps[{index}]"
    if not isinstance(raw, dict):
        problems.append(Problem(path, f"{where} is not an object; it was not reviewed",
                                ProblemLevel.ERROR))
        return None
    op = raw.get("op")
    old_state = _state(_get(raw, "oldState", "old_state"))
    new_state = _state(_get(raw, "newState", "new_state"))
    urn = raw.get("urn")
    if not isinstance(urn, str) or not urn:
        state = new_state or old_state
        urn = state.urn if state is not None else ""
    if not urn:
        problems.append(Problem(path, f"{where} has no URN; it was not reviewed",
                                ProblemLevel.ERROR))
        return None
    label = _one_line(urn)
    if not isinstance(op, str) or not op:
        problems.append(Problem(path, f"{label}: step has no 'op'; what it does could not be "
                                      "determined", ProblemLevel.ERROR))
        op = ""
    elif op not in KNOWN_OPS:
        problems.append(Problem(path, f"{label}: unknown step op {op!r}; what this step does "
                                      "could not be determined", ProblemLevel.ERROR))
    parsed = parse_urn(urn)
    state = new_state or old_state
    if parsed is not None:
        rtype, name, stack, project = parsed.type, parsed.name, parsed.stack, parsed.project
    else:
        problems.append(Problem(path, f"{where}: URN {urn!r} is not of the form "
                                      "urn:pulumi:stack::project::type::name", ProblemLevel.NOTE))
        rtype = state.type if state is not None else ""
        name, stack, project = urn, "", ""
    if not rtype and state is not None:
        rtype = state.type
    detailed = _detailed_diff(_get(raw, "detailedDiff", "detailed_diff"))
    for prop, entry in detailed.items():
        if entry.kind not in KNOWN_DIFF_KINDS:
            problems.append(Problem(path, f"{label}: unknown diff kind {entry.kind!r} for "
                                          f"{prop!r}", ProblemLevel.NOTE))
    provider = raw.get("provider")
    return Step(
        op=op,
        urn=urn,
        type=rtype,
        name=name,
        stack=stack,
        project=project,
        provider=provider if isinstance(provider, str) and provider else
        (state.provider if state is not None else None),
        old_state=old_state,
        new_state=new_state,
        diff_reasons=_strs(_get(raw, "diffReasons", "diff_reasons")),
        replace_reasons=_strs(_get(raw, "replaceReasons", "replace_reasons")),
        detailed_diff=detailed,
        index=index,
    )


def _diagnostics(raw: Any, path: str, problems: list[Problem]) -> tuple[Diagnostic, ...]:
    if not isinstance(raw, list):
        return ()
    out: list[Diagnostic] = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        severity = item.get("severity")
        message = item.get("message")
        diag = Diagnostic(
            severity=severity if isinstance(severity, str) else "",
            message=message.strip() if isinstance(message, str) else "",
            urn=_opt_str(item.get("urn")),
            prefix=_opt_str(item.get("prefix")) or "",
        )
        out.append(diag)
        if diag.severity == "error":
            subject = f"{_one_line(diag.urn)}: " if diag.urn else ""
            first = diag.message.splitlines()[0] if diag.message else "(no message)"
            problems.append(Problem(path, f"preview reported an error: {subject}{first}",
                                    ProblemLevel.ERROR))
    return tuple(out)


def _summary(raw: Any) -> dict[str, int]:
    if not isinstance(raw, dict):
        return {}
    return {str(k): v for k, v in raw.items()
            if isinstance(v, int) and not isinstance(v, bool)}


def is_preview(doc: Any) -> bool:
    """True when a decoded JSON value has the shape of a ``pulumi preview --json`` digest."""
    return isinstance(doc, dict) and any(k in doc for k in DIGEST_KEYS) and (
        isinstance(doc.get("steps"), list) or "changeSummary" in doc or "change_summary" in doc)


def preview_from_json(doc: Any, path: str) -> PulumiPreview:
    """Build a preview from decoded JSON; raise ParseError for shapes that are not one."""
    if not isinstance(doc, dict):
        raise ParseError(path, "Pulumi preview JSON must be an object", kind=_KIND)
    if not any(k in doc for k in DIGEST_KEYS):
        raise ParseError(path, "not a Pulumi preview: none of 'steps', 'changeSummary', "
                               "'diagnostics', 'config' found", kind=_KIND)
    steps_raw = doc.get("steps")
    if steps_raw is not None and not isinstance(steps_raw, list):
        raise ParseError(path, "'steps' is not a list", kind=_KIND)
    problems: list[Problem] = []
    steps: list[Step] = []
    for index, item in enumerate(steps_raw or []):
        step = _step(item, index, path, problems)
        if step is not None:
            steps.append(step)
    diagnostics = _diagnostics(doc.get("diagnostics"), path, problems)
    maybe_corrupt = _get(doc, "maybeCorrupt", "maybe_corrupt") is True
    if maybe_corrupt:
        problems.append(Problem(path, "preview is marked maybeCorrupt: it may not show every "
                                      "change", ProblemLevel.ERROR))
    summary = _summary(_get(doc, "changeSummary", "change_summary"))
    if steps_raw is None and any(v for k, v in summary.items() if k != "same"):
        problems.append(Problem(path, "preview has a changeSummary with changes but no 'steps'; "
                                      "the changes could not be reviewed", ProblemLevel.ERROR))
    config = doc.get("config")
    duration = doc.get("duration")
    return PulumiPreview(
        path=path,
        steps=tuple(steps),
        change_summary=summary,
        diagnostics=diagnostics,
        config=config if isinstance(config, dict) else {},
        duration=duration if isinstance(duration, int) and not isinstance(duration, bool)
        else None,
        maybe_corrupt=maybe_corrupt,
        problems=tuple(problems),
    )


def parse_preview(text: str, path: str) -> PulumiPreview:
    """Parse ``pulumi preview --json`` text.

    Raises:
        ParseError: the text is not JSON, or not a preview as a whole.
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(path, f"invalid JSON: {exc.msg}", kind=_KIND, line=exc.lineno) from None
    except RecursionError:
        raise ParseError(path, "JSON nested too deeply", kind=_KIND) from None
    return preview_from_json(doc, path)
