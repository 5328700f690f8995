"""Terraform / OpenTofu plan JSON (``terraform show -json PLANFILE``) → :class:`TerraformPlan`.

Accepts any ``format_version`` 1.x and ignores keys it does not know, as Terraform's JSON
compatibility promise asks. Unknown ``actions`` are kept and reported as a coverage error:
the reviewer cannot say what such a change does, so the verdict fails closed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter
from typing import Any, ClassVar, TypeVar, cast

from reviewer.environments import tag_environments, text_environments
from reviewer.errors import ParseError
from reviewer.models import Environment, InputKind
from reviewer.parsers.base import Problem, ProblemLevel

_T = TypeVar("_T")

KNOWN_ACTIONS = frozenset({"no-op", "create", "read", "update", "delete", "forget"})
KNOWN_ACTION_REASONS = frozenset({
    "replace_because_cannot_update", "replace_because_tainted", "replace_by_request",
    "replace_by_triggers", "delete_because_no_resource_config", "delete_because_no_module",
    "delete_because_wrong_repetition", "delete_because_count_index", "delete_because_each_key",
    "delete_because_no_move_target", "read_because_config_unknown",
    "read_because_dependency_pending", "read_because_check_nested",
})

_POSITION = attrgetter("position")

#: Keys whose presence marks a JSON object as a plan.
PLAN_MARKERS = ("resource_changes", "planned_values", "terraform_version", "prior_state")


class _ResourceChangeSlots:
    """Storage of :class:`ResourceChange`, written once by the parser (see :func:`_change`).

    A frozen dataclass spent most of a large plan's parse time in its ``__init__`` (one
    ``object.__setattr__`` call per field); the parser fills these slots with plain stores
    and then turns the object into a read-only :class:`ResourceChange`.
    """

    __slots__ = (
        "_memo",
        "action_reason",
        "actions",
        "address",
        "after",
        "after_sensitive",
        "after_unknown",
        "before",
        "before_sensitive",
        "deposed",
        "importing",
        "index",
        "is_create",
        "is_delete",
        "is_forget",
        "is_noop",
        "is_pure_delete",
        "is_replace",
        "is_update",
        "managed",
        "mode",
        "module_address",
        "name",
        "position",
        "previous_address",
        "provider_name",
        "replace_paths",
        "type",
    )

    address: str
    type: str
    name: str
    mode: str
    actions: tuple[str, ...]
    before: Any
    after: Any
    after_unknown: Any
    before_sensitive: Any
    after_sensitive: Any
    replace_paths: tuple[tuple[str | int, ...], ...]
    action_reason: str | None
    previous_address: str | None
    module_address: str | None
    index: Any
    provider_name: str
    deposed: str | None
    importing: bool
    #: Index of the entry in its list (``resource_changes`` or ``resource_drift``).
    position: int
    # Derived from ``mode`` and ``actions`` once (detectors ask millions of times).
    #: True for managed resources (data sources are never destroyed).
    managed: bool
    #: The object is destroyed (plain delete or either kind of replace).
    is_delete: bool
    #: A new object is created (plain create or either kind of replace).
    is_create: bool
    #: Destroyed and created again.
    is_replace: bool
    #: Destroyed with nothing created in its place.
    is_pure_delete: bool
    #: Nothing happens to this resource.
    is_noop: bool
    #: Updated in place.
    is_update: bool
    #: Removed from state; the real object keeps existing.
    is_forget: bool
    #: Per-object memo of values derived by detectors (see :meth:`ResourceChange.memo`).
    _memo: dict[str, Any]


class ResourceChange(_ResourceChangeSlots):
    """One entry of ``resource_changes`` (or ``resource_drift``); read-only once parsed."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"ResourceChange is read-only (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"ResourceChange is read-only (cannot delete {name!r})")

    def __repr__(self) -> str:
        return f"ResourceChange({self.address!r}, actions={list(self.actions)!r})"

    def __reduce__(self) -> tuple[Callable[[tuple[Any, ...]], ResourceChange], tuple[Any, ...]]:
        """Copy support (the read-only ``__setattr__`` blocks the default protocol)."""
        return _restore, (tuple(getattr(self, name) for name in _ResourceChangeSlots.__slots__),)

    @property
    def environments(self) -> frozenset[Environment]:
        """Environments named by the address or by the ``tags`` of either side (memoized)."""
        return self.memo("environments", _environments)

    def memo(self, key: str, compute: Callable[[ResourceChange], _T]) -> _T:
        """``compute(self)``, computed once per object and key.

        Several detectors derive the same values (comparable attributes, environment
        labels) from one change; the plan is immutable, so they are kept here.
        """
        try:
            return cast(_T, self._memo[key])
        except KeyError:
            value = self._memo[key] = compute(self)
            return value

    @property
    def delete_first(self) -> bool:
        """A replace that destroys the old object before creating the new one."""
        return self.is_replace and self.actions[0] == "delete"

    @property
    def unknown_actions(self) -> tuple[str, ...]:
        """Action strings this reviewer does not know."""
        return tuple(a for a in self.actions if a not in KNOWN_ACTIONS)

    @property
    def action_label(self) -> str:
        """Short human label: delete, replace (delete first), create, update, forget…"""
        if self.is_replace:
            return "replace (destroy first)" if self.delete_first else "replace (create first)"
        if self.is_pure_delete:
            return "delete"
        return "+".join(self.actions) or "no-op"

    def value(self, attr_path: str, *, side: str = "after") -> Any:
        """Value of a dotted attribute path on one side; lists step into their first item."""
        return value_at(self.after if side == "after" else self.before, attr_path.split("."))

    def is_unknown(self, attr_path: str) -> bool:
        """True when the after-value of the path is known only after apply."""
        return unknown_at(self.after_unknown, attr_path.split("."))


def _restore(values: tuple[Any, ...]) -> ResourceChange:
    rc = _ResourceChangeSlots()
    for name, value in zip(_ResourceChangeSlots.__slots__, values, strict=True):
        setattr(rc, name, value)
    rc.__class__ = ResourceChange
    return cast(ResourceChange, rc)


def value_at(obj: Any, parts: Sequence[str]) -> Any:
    """The value at a path of keys in a plan object; lists step into their first item.

    Detectors that check many resources against fixed paths pass the parts split once.
    """
    for part in parts:
        if isinstance(obj, list):
            obj = obj[0] if obj else None
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def unknown_at(marks: Any, parts: Sequence[str]) -> bool:
    """True when ``after_unknown`` marks the path (or an object above it) unknown."""
    for part in parts:
        if marks is True:
            return True
        if isinstance(marks, list):
            marks = marks[0] if marks else None
        if not isinstance(marks, dict):
            return False
        marks = marks.get(part)
    return marks is True


def _environments(rc: ResourceChange) -> frozenset[Environment]:
    envs = text_environments(rc.address)
    before = rc.before.get("tags") if isinstance(rc.before, dict) else None
    after = rc.after.get("tags") if isinstance(rc.after, dict) else None
    for tags in (before, after) if before != after else (before,):
        if tags:
            found = tag_environments(tags)
            envs = (envs | found) if envs else found
    return envs


@dataclass(frozen=True, slots=True)
class TerraformPlan:
    """A parsed plan: the changes, the drift and the plan's own health flags."""

    kind: ClassVar[InputKind] = InputKind.TERRAFORM_PLAN

    path: str
    format_version: str
    terraform_version: str
    resource_changes: tuple[ResourceChange, ...]
    resource_drift: tuple[ResourceChange, ...] = ()
    output_changes: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    errored: bool = False
    complete: bool | None = None
    applyable: bool | None = None
    deferred_changes: int = 0
    problems: tuple[Problem, ...] = ()
    #: Managed changes that do something (no no-ops, reads or data sources), in plan order.
    changed: tuple[ResourceChange, ...] = field(init=False, default=())
    #: Managed changes that destroy an object (deletes and both kinds of replace).
    destroyed: tuple[ResourceChange, ...] = field(init=False, default=())

    #: ``resource_changes`` grouped by resource type (see :meth:`of_types`).
    _by_type: dict[str, tuple[ResourceChange, ...]] = field(init=False, default_factory=dict,
                                                            repr=False, compare=False)

    def __post_init__(self) -> None:
        changed = tuple(rc for rc in self.resource_changes if _does_something(rc))
        object.__setattr__(self, "changed", changed)
        object.__setattr__(self, "destroyed", tuple(rc for rc in changed if rc.is_delete))
        by_type: dict[str, list[ResourceChange]] = {}
        for rc in self.resource_changes:
            group = by_type.get(rc.type)
            if group is None:
                by_type[rc.type] = [rc]
            else:
                group.append(rc)
        object.__setattr__(self, "_by_type", {t: tuple(g) for t, g in by_type.items()})

    def of_types(self, wanted: Collection[str] | Callable[[str], bool], *,
                 changed: bool = False) -> Sequence[ResourceChange]:
        """The resource changes (any mode or action) whose type is wanted, in plan order.

        ``wanted`` is a collection of type names or a predicate, tested once per distinct
        type: detectors that care about a few types do not walk every change of a large plan.
        ``changed``: only those that are also in :attr:`changed` (managed, doing something).
        """
        test = wanted if callable(wanted) else wanted.__contains__
        groups = [group for rtype, group in self._by_type.items() if test(rtype)]
        if len(groups) <= 1:
            picked: Sequence[ResourceChange] = groups[0] if groups else ()
        else:
            picked = sorted(chain.from_iterable(groups), key=_POSITION)
        return [rc for rc in picked if _does_something(rc)] if changed else picked

    @property
    def managed_changes(self) -> tuple[ResourceChange, ...]:
        """Changes to managed resources (data sources left out)."""
        return tuple(rc for rc in self.resource_changes if rc.managed)

    def describe(self) -> str:
        """One phrase saying what was analysed."""
        return (f"Terraform plan (format {self.format_version}) with "
                f"{len(self.resource_changes)} resource changes")


def _does_something(rc: ResourceChange) -> bool:
    """A managed resource that the plan changes (the members of ``TerraformPlan.changed``)."""
    return rc.managed and not rc.is_noop


def _tuple_paths(raw: Any) -> tuple[tuple[str | int, ...], ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(tuple(p) for p in raw if isinstance(p, list))


def _problem(raw: Any) -> str | None:
    """What makes one ``resource_changes`` entry unreadable, or None when it is well formed."""
    if not isinstance(raw, dict):
        return "is not an object"
    change = raw.get("change")
    if not isinstance(change, dict):
        return "has no 'change' object"
    actions = change.get("actions")
    if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
        return "has no list of actions"
    if not isinstance(raw.get("address"), str) or not isinstance(raw.get("type"), str):
        return "lacks 'address' or 'type'"
    return None


def _change(raw: Any, path: str, key: str, index: int) -> ResourceChange:
    problem = _problem(raw)
    if problem is not None:
        raise ParseError(path, f"{key}[{index}] {problem}", kind=InputKind.TERRAFORM_PLAN)
    get = raw.get
    change = raw["change"]
    rc = _ResourceChangeSlots()
    rc.address = raw["address"]
    rc.type = raw["type"]
    rc.name = str(get("name", ""))
    rc.mode = mode = str(get("mode", "managed"))
    rc.actions = acts = tuple(change["actions"])
    rc.before = change.get("before")
    rc.after = change.get("after")
    rc.after_unknown = change.get("after_unknown")
    rc.before_sensitive = change.get("before_sensitive")
    rc.after_sensitive = change.get("after_sensitive")
    paths = change.get("replace_paths")
    rc.replace_paths = _tuple_paths(paths) if paths else ()
    rc.action_reason = get("action_reason")
    rc.previous_address = get("previous_address")
    rc.module_address = get("module_address")
    rc.index = get("index")
    rc.provider_name = str(get("provider_name", ""))
    rc.deposed = get("deposed")
    importing = change.get("importing")
    rc.importing = importing is not None and importing is not False
    rc.position = index
    delete = "delete" in acts
    create = "create" in acts
    rc.managed = mode != "data"
    rc.is_delete = delete
    rc.is_create = create
    rc.is_replace = delete and create
    rc.is_pure_delete = delete and not create
    rc.is_noop = acts in (("no-op",), ("read",), ())
    rc.is_update = acts == ("update",)
    rc.is_forget = "forget" in acts or (not KNOWN_ACTIONS.issuperset(acts)
                                        and any("forget" in a for a in acts))
    rc._memo = {}
    rc.__class__ = ResourceChange  # read-only from here on
    return cast(ResourceChange, rc)


def _changes(doc: dict[str, Any], key: str, path: str) -> tuple[ResourceChange, ...]:
    raw = doc.get(key)
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ParseError(path, f"'{key}' is not a list", kind=InputKind.TERRAFORM_PLAN)
    return tuple([_change(item, path, key, i) for i, item in enumerate(raw)])


def is_plan(doc: Any) -> bool:
    """True when a decoded JSON value has the shape of a Terraform/OpenTofu plan."""
    return isinstance(doc, dict) and "format_version" in doc and any(k in doc for k in PLAN_MARKERS)


def plan_from_json(doc: Any, path: str) -> TerraformPlan:
    """Build a plan from decoded JSON; raise ParseError for shapes that are not plans."""
    if not isinstance(doc, dict):
        raise ParseError(path, "plan JSON must be an object", kind=InputKind.TERRAFORM_PLAN)
    version = doc.get("format_version")
    if not isinstance(version, str):
        raise ParseError(path, "not a Terraform plan: no 'format_version'",
                         kind=InputKind.TERRAFORM_PLAN)
    major = version.split(".", 1)[0]
    if major != "1":
        raise ParseError(path, f"unsupported plan format_version {version!r} (this reviewer "
                               "reads 1.x)", kind=InputKind.TERRAFORM_PLAN)
    changes = _changes(doc, "resource_changes", path)
    drift = _changes(doc, "resource_drift", path)
    problems: list[Problem] = []
    for rc in changes:
        if not KNOWN_ACTIONS.issuperset(rc.actions):
            problems.append(Problem(
                path,
                f"{rc.address}: unknown plan action(s) {', '.join(rc.unknown_actions)}; "
                "what this change does could not be determined",
                ProblemLevel.ERROR,
            ))
        if rc.action_reason and rc.action_reason not in KNOWN_ACTION_REASONS:
            problems.append(Problem(
                path, f"{rc.address}: unrecognised action_reason {rc.action_reason!r}",
                ProblemLevel.NOTE,
            ))
    if "resource_changes" not in doc:
        problems.append(Problem(path, "plan has no 'resource_changes' (nothing to review?)",
                                ProblemLevel.NOTE))
    outputs = doc.get("output_changes")
    variables = doc.get("variables")
    deferred = doc.get("deferred_changes")
    return TerraformPlan(
        path=path,
        format_version=version,
        terraform_version=str(doc.get("terraform_version", "")),
        resource_changes=changes,
        resource_drift=drift,
        output_changes=outputs if isinstance(outputs, dict) else {},
        variables=variables if isinstance(variables, dict) else {},
        errored=doc.get("errored") is True,
        complete=doc.get("complete") if isinstance(doc.get("complete"), bool) else None,
        applyable=doc.get("applyable") if isinstance(doc.get("applyable"), bool) else None,
        deferred_changes=len(deferred) if isinstance(deferred, list) else 0,
        problems=tuple(problems),
    )


def parse_terraform_plan(text: str, path: str) -> TerraformPlan:
    """Parse plan JSON text."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(path, f"invalid JSON: {exc.msg}", kind=InputKind.TERRAFORM_PLAN,
                         line=exc.lineno) from None
    return plan_from_json(doc, path)
