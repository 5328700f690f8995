"""CloudFormation change sets (``aws cloudformation describe-change-set``) → :class:`ChangeSet`.

Reads the JSON printed by ``describe-change-set``, ideally with ``--include-property-values``
so each detail carries its before and after values. Every ``Changes[].ResourceChange`` becomes
a :class:`ResourceChange` with its :class:`ChangeDetail` targets.

What cannot be fully read is recorded, not dropped: an unknown ``Action``, a change that is
not an object, a ``NextToken`` (only the first page of a paginated change set was given) and a
change set whose creation failed are coverage errors; entries whose ``Type`` is not
``Resource`` are notes. Unknown keys are ignored, as AWS adds fields over time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from reviewer.errors import ParseError
from reviewer.models import InputKind
from reviewer.parsers.base import Problem, ProblemLevel

KNOWN_ACTIONS = frozenset({"Add", "Modify", "Remove", "Import", "Dynamic", "SyncWithActual"})
KNOWN_POLICY_ACTIONS = frozenset({
    "Delete", "Retain", "Snapshot", "ReplaceAndDelete", "ReplaceAndRetain", "ReplaceAndSnapshot",
})
KNOWN_REPLACEMENTS = frozenset({"True", "False", "Conditional"})

#: StatusReason CloudFormation gives a change set that would change nothing.
_NO_CHANGES_REASONS = ("didn't contain changes", "No updates are to be performed")

_KIND = InputKind.CLOUDFORMATION


@dataclass(frozen=True, slots=True)
class ChangeDetail:
    """One ``ResourceChange.Details[]`` entry: which property changes and why."""

    attribute: str | None = None
    name: str | None = None
    path: str | None = None
    requires_recreation: str | None = None
    attribute_change_type: str | None = None
    before_value: str | None = None
    after_value: str | None = None
    evaluation: str | None = None
    change_source: str | None = None
    causing_entity: str | None = None

    @property
    def forces_replacement(self) -> bool:
        """True when this property change always recreates the resource."""
        return self.requires_recreation == "Always"

    @property
    def label(self) -> str:
        """The property named for humans: ``Path``, else ``Attribute.Name``, else ``Attribute``."""
        if self.path:
            return self.path
        if self.name:
            return f"{self.attribute}.{self.name}" if self.attribute else self.name
        return self.attribute or "?"


@dataclass(frozen=True, slots=True)
class ResourceChange:
    """One ``Changes[].ResourceChange`` of a change set."""

    action: str
    logical_id: str
    resource_type: str
    physical_id: str | None = None
    #: ``"True"``, ``"False"`` or ``"Conditional"`` for Modify; None otherwise.
    replacement: str | None = None
    #: Delete | Retain | Snapshot | ReplaceAndDelete | ReplaceAndRetain | ReplaceAndSnapshot.
    policy_action: str | None = None
    scope: tuple[str, ...] = ()
    details: tuple[ChangeDetail, ...] = ()
    #: Change set of a nested stack (``AWS::CloudFormation::Stack``), when given.
    change_set_id: str | None = None
    #: ``BeforeContext`` / ``AfterContext`` decoded from their JSON strings when valid;
    #: the raw string is kept when it is not JSON.
    before_context: Any = None
    after_context: Any = None
    module_info: dict[str, Any] | None = None
    hook_invocation_count: int | None = None
    #: Position of the entry in ``Changes`` (0-based).
    index: int = 0

    @property
    def address(self) -> str:
        """``LogicalId (Type)``, the name used in findings."""
        return f"{self.logical_id} ({self.resource_type})"

    @property
    def is_remove(self) -> bool:
        """The resource leaves the stack (physically deleted unless the policy retains it)."""
        return self.action == "Remove"

    @property
    def is_replace(self) -> bool:
        """A Modify that certainly recreates the resource."""
        return self.action == "Modify" and self.replacement == "True"

    @property
    def may_replace(self) -> bool:
        """A Modify that recreates the resource certainly or conditionally."""
        return self.action == "Modify" and self.replacement in ("True", "Conditional")

    @property
    def deletes_physical_resource(self) -> bool | None:
        """Whether the physical resource is deleted, from ``PolicyAction``; None when absent."""
        if self.policy_action is None:
            return None
        return self.policy_action in ("Delete", "ReplaceAndDelete")

    @property
    def replacing_details(self) -> tuple[ChangeDetail, ...]:
        """Details whose change requires recreation always or conditionally."""
        return tuple(d for d in self.details
                     if d.requires_recreation in ("Always", "Conditionally"))


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """A parsed ``describe-change-set`` response."""

    kind: ClassVar[InputKind] = InputKind.CLOUDFORMATION

    path: str
    changes: tuple[ResourceChange, ...]
    change_set_name: str | None = None
    change_set_id: str | None = None
    stack_name: str | None = None
    stack_id: str | None = None
    status: str | None = None
    status_reason: str | None = None
    execution_status: str | None = None
    #: ``ParameterKey`` → ``ParameterValue`` (``ResolvedValue`` when given, else the value).
    parameters: dict[str, str] = field(default_factory=dict)
    capabilities: tuple[str, ...] = ()
    include_nested_stacks: bool | None = None
    parent_change_set_id: str | None = None
    root_change_set_id: str | None = None
    #: True when ``NextToken`` was present: later pages of ``Changes`` are missing.
    paginated: bool = False
    problems: tuple[Problem, ...] = ()

    @property
    def removals(self) -> tuple[ResourceChange, ...]:
        """Changes with ``Action: Remove``."""
        return tuple(c for c in self.changes if c.is_remove)

    @property
    def replacements(self) -> tuple[ResourceChange, ...]:
        """Modify changes that certainly or conditionally replace the resource."""
        return tuple(c for c in self.changes if c.may_replace)

    @property
    def nested_change_set_ids(self) -> tuple[str, ...]:
        """Change sets of nested stacks referenced by the changes."""
        return tuple(c.change_set_id for c in self.changes if c.change_set_id)

    def describe(self) -> str:
        """One phrase saying what was analysed."""
        name = self.change_set_name or "?"
        stack = f" for stack {self.stack_name}" if self.stack_name else ""
        return f"CloudFormation change set {name}{stack} with {len(self.changes)} resource changes"


def _str(value: Any) -> str | None:
    """A string field, or None when absent; numbers and booleans are rendered as text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int | float):
        return str(value)
    return None


def _value_text(value: Any) -> str | None:
    """A before/after value: strings as they are, other JSON rendered compactly."""
    if value is None or isinstance(value, str):
        return value
    try:
        return json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):  # pragma: no cover - json.loads output always dumps
        return str(value)


def _context(value: Any) -> Any:
    """Decode a ``BeforeContext``/``AfterContext`` JSON string; keep it raw when invalid."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except (json.JSONDecodeError, RecursionError):
        return value


def _detail(raw: Any) -> ChangeDetail | None:
    if not isinstance(raw, dict):
        return None
    target = raw.get("Target")
    target = target if isinstance(target, dict) else {}
    return ChangeDetail(
        attribute=_str(target.get("Attribute")),
        name=_str(target.get("Name")),
        path=_str(target.get("Path")),
        requires_recreation=_str(target.get("RequiresRecreation")),
        attribute_change_type=_str(target.get("AttributeChangeType")),
        before_value=_value_text(target.get("BeforeValue")),
        after_value=_value_text(target.get("AfterValue")),
        evaluation=_str(raw.get("Evaluation")),
        change_source=_str(raw.get("ChangeSource")),
        causing_entity=_str(raw.get("CausingEntity")),
    )


def _resource_change(raw: dict[str, Any], index: int, path: str, problems: list[Problem],
                     hooks: int | None) -> ResourceChange | None:
    where = f"Changes[{index}]"
    action = _str(raw.get("Action"))
    logical_id = _str(raw.get("LogicalResourceId"))
    if action is None or logical_id is None:
        problems.append(Problem(
            path, f"{where}: resource change lacks 'Action' or 'LogicalResourceId'; "
                  "what it does could not be determined", ProblemLevel.ERROR))
        return None
    rtype = _str(raw.get("ResourceType")) or ""
    label = " ".join(f"{logical_id} ({rtype or 'unknown type'})".split())[:200]
    if action not in KNOWN_ACTIONS:
        problems.append(Problem(
            path, f"{label}: unknown change set action {action!r}; what this change does "
                  "could not be determined", ProblemLevel.ERROR))
    replacement = _str(raw.get("Replacement"))
    if replacement is not None and replacement not in KNOWN_REPLACEMENTS:
        problems.append(Problem(
            path, f"{label}: unknown Replacement value {replacement!r}; treated as possible "
                  "replacement", ProblemLevel.ERROR))
    policy = _str(raw.get("PolicyAction"))
    if policy is not None and policy not in KNOWN_POLICY_ACTIONS:
        problems.append(Problem(
            path, f"{label}: unrecognised PolicyAction {policy!r}", ProblemLevel.NOTE))
    scope_raw = raw.get("Scope")
    scope = tuple(s for s in scope_raw if isinstance(s, str)) if isinstance(scope_raw, list) else ()
    details_raw = raw.get("Details")
    details: list[ChangeDetail] = []
    if isinstance(details_raw, list):
        for d_index, item in enumerate(details_raw):
            detail = _detail(item)
            if detail is None:
                problems.append(Problem(
                    path, f"{label}: Details[{d_index}] is not an object", ProblemLevel.ERROR))
            else:
                details.append(detail)
    module_info = raw.get("ModuleInfo")
    return ResourceChange(
        action=action,
        logical_id=logical_id,
        resource_type=rtype,
        physical_id=_str(raw.get("PhysicalResourceId")),
        replacement=replacement,
        policy_action=policy,
        scope=scope,
        details=tuple(details),
        change_set_id=_str(raw.get("ChangeSetId")),
        before_context=_context(raw.get("BeforeContext")),
        after_context=_context(raw.get("AfterContext")),
        module_info=module_info if isinstance(module_info, dict) else None,
        hook_invocation_count=hooks,
        index=index,
    )


def _changes(raw: Any, path: str, problems: list[Problem]) -> tuple[ResourceChange, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ParseError(path, "'Changes' is not a list", kind=_KIND)
    out: list[ResourceChange] = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            problems.append(Problem(path, f"Changes[{index}] is not an object; it was not "
                                          "reviewed", ProblemLevel.ERROR))
            continue
        ctype = entry.get("Type", "Resource")
        rc_raw = entry.get("ResourceChange")
        if ctype != "Resource":
            problems.append(Problem(
                path, f"Changes[{index}] has Type {ctype!r}, not 'Resource'; it was not reviewed",
                ProblemLevel.NOTE))
            continue
        if not isinstance(rc_raw, dict):
            problems.append(Problem(path, f"Changes[{index}] has no 'ResourceChange' object; "
                                          "it was not reviewed", ProblemLevel.ERROR))
            continue
        hooks = entry.get("HookInvocationCount")
        change = _resource_change(rc_raw, index, path, problems,
                                  hooks if isinstance(hooks, int) and not isinstance(hooks, bool)
                                  else None)
        if change is not None:
            out.append(change)
    return tuple(out)


def _parameters(raw: Any) -> dict[str, str]:
    if not isinstance(raw, list):
        return {}
    out: dict[str, str] = {}
    for item in raw:
        if not isinstance(item, dict):
            continue
        key = _str(item.get("ParameterKey"))
        if key is None:
            continue
        value = _str(item.get("ResolvedValue"))
        if value is None:
            value = _str(item.get("ParameterValue"))
        if value is None and item.get("UsePreviousValue") is True:
            value = "<previous value>"
        out[key] = value if value is not None else ""
    return out


def is_change_set(doc: Any) -> bool:
    """True when a decoded JSON value has the shape of a ``describe-change-set`` response."""
    return isinstance(doc, dict) and "Changes" in doc and any(
        k in doc for k in ("ChangeSetName", "ChangeSetId", "StackName", "StackId"))


def change_set_from_json(doc: Any, path: str) -> ChangeSet:
    """Build a change set from decoded JSON; raise ParseError for shapes that are not one."""
    if not isinstance(doc, dict):
        raise ParseError(path, f"change set JSON must be an object, not {_json_type(doc)}",
                         kind=_KIND)
    if not is_change_set(doc):
        raise ParseError(path, "not a CloudFormation change set: expected 'Changes' with "
                               "'ChangeSetName', 'ChangeSetId' or 'StackName'", kind=_KIND)
    problems: list[Problem] = []
    changes = _changes(doc.get("Changes"), path, problems)
    paginated = doc.get("NextToken") not in (None, "")
    if paginated:
        problems.append(Problem(path, "change set is paginated; only the first page was "
                                      "reviewed", ProblemLevel.ERROR))
    status = _str(doc.get("Status"))
    reason = _str(doc.get("StatusReason"))
    if status == "FAILED":
        if reason and any(r in reason for r in _NO_CHANGES_REASONS):
            problems.append(Problem(path, f"change set contains no changes: {reason}",
                                    ProblemLevel.NOTE))
        else:
            problems.append(Problem(
                path, f"change set creation FAILED ({reason or 'no reason given'}); it does "
                      "not show what would change", ProblemLevel.ERROR))
    capabilities = doc.get("Capabilities")
    nested = doc.get("IncludeNestedStacks")
    return ChangeSet(
        path=path,
        changes=changes,
        change_set_name=_str(doc.get("ChangeSetName")),
        change_set_id=_str(doc.get("ChangeSetId")),
        stack_name=_str(doc.get("StackName")),
        stack_id=_str(doc.get("StackId")),
        status=status,
        status_reason=reason,
        execution_status=_str(doc.get("ExecutionStatus")),
        parameters=_parameters(doc.get("Parameters")),
        capabilities=tuple(c for c in capabilities if isinstance(c, str))
        if isinstance(capabilities, list) else (),
        include_nested_stacks=nested if isinstance(nested, bool) else None,
        parent_change_set_id=_str(doc.get("ParentChangeSetId")),
        root_change_set_id=_str(doc.get("RootChangeSetId")),
        paginated=paginated,
        problems=tuple(problems),
    )


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return f"a {type(value).__name__}"


def parse_change_set(text: str, path: str) -> ChangeSet:
    """Parse ``aws cloudformation describe-change-set`` JSON text.

    Raises:
        ParseError: the text is not JSON, or not a change set as a whole.
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(path, f"invalid JSON: {exc.msg}", kind=_KIND, line=exc.lineno) from None
    except RecursionError:
        raise ParseError(path, "JSON nested too deeply", kind=_KIND) from None
    return change_set_from_json(doc, path)
