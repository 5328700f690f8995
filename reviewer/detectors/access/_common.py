"""Helpers shared by the access-control detectors (ACL…).

- IAM policy documents: decoding (JSON strings or objects, tolerant of invalid JSON and of
  values unknown until apply) and a normalised :class:`Statement` view.
- Terraform plans and CloudFormation change sets: iterating the few resource types a
  detector cares about (cheap type pre-check first), reading both sides of a change.
- :class:`Risk`: one risky grant found on one side of a change; detectors compute risks
  for the after side and the before side and report only those the change adds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from operator import eq
from typing import Any

from reviewer.detectors.base import Detector
from reviewer.models import Confidence, Finding, Location, Severity
from reviewer.parsers.cloudformation import ChangeSet
from reviewer.parsers.cloudformation import ResourceChange as CfnChange
from reviewer.parsers.kubernetes import Manifest, ManifestSet
from reviewer.parsers.terraform_plan import ResourceChange, TerraformPlan

# --------------------------------------------------------------------------- values


def as_list(value: Any) -> list[Any]:
    """A JSON value as a list: scalars become one-item lists, None an empty list."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def str_list(value: Any) -> list[str]:
    """The string (and number) items of a scalar-or-list value."""
    return [str(v) for v in as_list(value)
            if isinstance(v, str | int) and not isinstance(v, bool)]


def is_true(value: Any) -> bool:
    """True for ``true`` and the CloudFormation string ``"true"``."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def is_false(value: Any) -> bool:
    """True for ``false`` and the CloudFormation string ``"false"``."""
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def clip(text: str, limit: int = 200) -> str:
    """Text on one line, trimmed to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def compact(value: Any, limit: int = 200) -> str:
    """A JSON rendering of a value, trimmed for evidence."""
    if isinstance(value, str):
        return clip(value, limit)
    try:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    except (TypeError, ValueError, RecursionError):
        text = str(value)
    return clip(text, limit)


def first(value: Any) -> dict[str, Any]:
    """The first object of a nested-block list (Terraform renders blocks as lists)."""
    if isinstance(value, dict):
        return value
    if isinstance(value, list) and value and isinstance(value[0], dict):
        item: dict[str, Any] = value[0]
        return item
    return {}


def dig(obj: Any, dotted: str) -> Any:
    """Value at a dotted path; lists of blocks step into their first item."""
    for part in dotted.split("."):
        if isinstance(obj, list):
            obj = obj[0] if obj else None
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


# --------------------------------------------------------------------------- risks


@dataclass(frozen=True, slots=True)
class Risk:
    """One risky grant or setting found on one side of a change."""

    #: Stable identity, compared between the before and after sides.
    key: str
    #: What happens, without the object's name ("grants Action \"*\" on Resource \"*\"").
    message: str
    evidence: str = ""
    severity: Severity | None = None
    confidence: Confidence | None = None
    line: int | None = None
    #: Other lines of the same object, preferred when the change touches them and not
    #: ``line`` (the finding then points at what the diff changed).
    alt_lines: tuple[int, ...] = ()


def new_risks(after: Iterable[Risk], before: Iterable[Risk] | None) -> list[Risk]:
    """Risks of the after side that the before side did not have (deduplicated by key)."""
    old = {r.key for r in before or ()}
    out: list[Risk] = []
    seen: set[str] = set()
    for risk in after:
        if risk.key in old or risk.key in seen:
            continue
        seen.add(risk.key)
        out.append(risk)
    return out


def risk_findings(detector: Detector[Any], subject: str, location: Location,
                  after: Iterable[Risk], before: Iterable[Risk] | None) -> Iterator[Finding]:
    """A finding per risk the change adds (see :func:`new_risks`), its message after
    ``subject`` (the resource, with its separator)."""
    for risk in new_risks(after, before):
        yield detector.finding(f"{subject}{risk.message}", location, evidence=risk.evidence,
                               severity=risk.severity, confidence=risk.confidence)


# --------------------------------------------------------------------------- policies

#: Condition operators that restrict who matches (negated, ``IfExists`` and ``Null`` do not).
_POSITIVE_OPERATORS = frozenset({
    "stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike",
    "ipaddress", "numericequals", "bool",
})


#: Condition keys that pin a wildcard or foreign principal to known callers or networks.
PINNING_KEYS = frozenset({
    "aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn",
    "aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths",
    "aws:sourceowner", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceip", "aws:userid",
    "kms:calleraccount", "aws:principalservicename", "aws:resourceorgid",
    "s3:dataaccesspointaccount", "s3:dataaccesspointarn", "aws:vpcsourceip",
})


def load_document(value: Any) -> dict[str, Any] | None:
    """A policy document from an object or a JSON string; None when unreadable or unknown."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text.startswith("{"):
        return None
    try:
        decoded = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return decoded if isinstance(decoded, dict) else None


@dataclass(frozen=True, slots=True)
class Condition:
    """One ``Condition`` entry: operator, key (lower-cased) and values."""

    operator: str
    key: str
    values: tuple[str, ...]
    #: The key as written (``aws:PrincipalOrgID``).
    name: str = ""

    @property
    def positive(self) -> bool:
        """True when the operator narrows who or what matches."""
        op = self.operator.lower()
        if op.endswith("ifexists") or op.startswith("forallvalues:"):
            return False
        op = op.removeprefix("foranyvalue:")
        return op in _POSITIVE_OPERATORS

    @property
    def open_values(self) -> bool:
        """True when every value matches anything (``*``, ``0.0.0.0/0``)."""
        return not self.values or all(v.strip() in ("*", "0.0.0.0/0", "::/0")
                                      for v in self.values)


@dataclass(frozen=True, slots=True)
class Statement:
    """A normalised IAM policy statement."""

    effect: str
    #: Lower-cased ``Action`` items (empty with ``NotAction``).
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...]
    not_resource: bool
    #: ``(type, value)`` pairs: ``("*", "*")`` for ``Principal: "*"``, ``("AWS", "arn…")``.
    principals: tuple[tuple[str, str], ...]
    not_principal: bool
    conditions: tuple[Condition, ...]
    raw: dict[str, Any] = field(compare=False)

    @property
    def allows(self) -> bool:
        """True for ``Effect: Allow`` (any case)."""
        return self.effect.lower() == "allow"

    @property
    def sid(self) -> str:
        """The statement's ``Sid`` or ``""``."""
        sid = self.raw.get("Sid")
        return sid if isinstance(sid, str) else ""

    @property
    def any_resource(self) -> bool:
        """True when the statement applies to every resource (``*`` or ``NotResource``)."""
        return self.not_resource or any(is_wildcard_resource(r) for r in self.resources)

    @property
    def public_principal(self) -> bool:
        """True when the principal is everyone: ``*``, ``{"AWS": "*"}`` or ``NotPrincipal``."""
        if self.not_principal:
            return True
        return any(value == "*" and kind in ("*", "AWS", "CanonicalUser")
                   for kind, value in self.principals)

    def condition_keys(self) -> set[str]:
        """Condition keys as written."""
        return {c.name or c.key for c in self.conditions}

    @property
    def action_names(self) -> list[str]:
        """``Action`` items as written."""
        return str_list(self.raw.get("Action"))

    def restricted_by(self, keys: Iterable[str]) -> list[Condition]:
        """Positive, non-wildcard conditions on any of ``keys`` (lower-case)."""
        wanted = set(keys)
        return [c for c in self.conditions
                if c.key in wanted and c.positive and not c.open_values]

    def evidence(self) -> str:
        """The statement as compact JSON for a finding (shared secrets masked)."""
        raw = self.raw
        condition = raw.get("Condition")
        if isinstance(condition, dict) and any(
                isinstance(e, dict) and any(str(k).lower() in _MASKED_KEYS for k in e)
                for e in condition.values()):
            masked = {op: {k: (MASK if str(k).lower() in _MASKED_KEYS else v)
                           for k, v in entries.items()} if isinstance(entries, dict)
                      else entries for op, entries in condition.items()}
            raw = {**raw, "Condition": masked}
        return compact(raw)


#: Condition keys whose values are shared secrets, masked in evidence.
_MASKED_KEYS = frozenset({"sts:externalid"})
#: Shown instead of a masked value.
MASK = "…[masked]"

_WILDCARD_ARN = re.compile(r"arn:(\*|aws[\w-]*):[\w*-]*:[\w*-]*:[\w*-]*:\*")


def is_wildcard_resource(resource: str) -> bool:
    """``*`` or an ARN whose resource part is ``*`` (every resource of a service)."""
    return resource == "*" or bool(_WILDCARD_ARN.fullmatch(resource))


def _principals(value: Any) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (("*", value),) if value == "*" else (("AWS", value),)
    if isinstance(value, dict):
        return tuple((str(kind), item) for kind, items in value.items()
                     for item in str_list(items))
    return ()


def _conditions(value: Any) -> tuple[Condition, ...]:
    if not isinstance(value, dict):
        return ()
    out: list[Condition] = []
    for operator, entries in value.items():
        if not isinstance(entries, dict):
            continue
        for key, values in entries.items():
            out.append(Condition(str(operator), str(key).lower(),
                                 tuple(str(v) for v in as_list(values)
                                       if isinstance(v, str | int | bool)), str(key)))
    return tuple(out)


def statement(raw: dict[str, Any]) -> Statement:
    """Normalise one statement object."""
    effect = raw.get("Effect")
    return Statement(
        effect=effect if isinstance(effect, str) else "",
        actions=tuple(a.lower() for a in str_list(raw.get("Action"))),
        not_action="NotAction" in raw,
        resources=tuple(str_list(raw.get("Resource"))),
        not_resource="NotResource" in raw,
        principals=_principals(raw.get("Principal")),
        not_principal="NotPrincipal" in raw,
        conditions=_conditions(raw.get("Condition")),
        raw=raw,
    )


def statements(document: Any) -> list[Statement]:
    """The statements of a policy document (object or JSON string); [] when unreadable."""
    doc = load_document(document)
    if doc is None:
        return []
    return [statement(s) for s in as_list(doc.get("Statement")) if isinstance(s, dict)]


def action_matches(actions: Iterable[str], wanted: str) -> bool:
    """True when an ``Action`` list (lower-case, with wildcards) covers ``wanted``."""
    target = wanted.lower()
    for action in actions:
        if action == target or action in ("*", "*:*"):
            return True
        if "*" in action or "?" in action:
            pattern = re.escape(action).replace(r"\*", ".*").replace(r"\?", ".")
            if re.fullmatch(pattern, target):
                return True
    return False


_ACCOUNT_PRINCIPAL = re.compile(r"^(?:arn:aws[\w-]*:(?:iam|sts)::)?(\d{12})(?::|$)")
_ARN_ACCOUNT = re.compile(r"^arn:aws[\w-]*:[^:]+:[^:]*:(\d{12}):")


def principal_account(value: str) -> str | None:
    """The 12-digit account of an AWS principal (``123…``, ``arn:aws:iam::123…:root``…)."""
    match = _ACCOUNT_PRINCIPAL.match(value.strip())
    return match.group(1) if match else None


def arn_account(value: Any) -> str | None:
    """The account id inside an ARN string, or None."""
    if not isinstance(value, str):
        return None
    match = _ARN_ACCOUNT.match(value)
    return match.group(1) if match else None


# --------------------------------------------------------------------------- Terraform


def tf_location(plan: TerraformPlan, rc: ResourceChange) -> Location:
    """The plan file and the resource address."""
    return Location(path=plan.path, address=rc.address)


def tf_changes(plan: TerraformPlan,
               wanted: Callable[[str], bool]) -> Iterator[ResourceChange]:
    """Managed resources whose type passes ``wanted`` and that exist after the change."""
    for rc in plan.of_types(wanted, changed=True):
        if not rc.is_create and not rc.is_update:
            continue
        if isinstance(rc.after, dict):
            yield rc


def tf_before(rc: ResourceChange) -> dict[str, Any] | None:
    """The before-state of an updated or replaced resource; None for a create."""
    if not (rc.is_update or rc.is_replace):
        return None
    return rc.before if isinstance(rc.before, dict) else None


def unchanged(before: Mapping[str, Any] | None, after: Mapping[str, Any],
              keys: Iterable[str]) -> bool:
    """True when an update leaves every attribute in ``keys`` as it was (cheap pre-check)."""
    if before is None:
        return False
    keys = tuple(keys)
    # map() over the C methods: this runs for every updated resource of a large plan.
    return all(map(eq, map(before.get, keys), map(after.get, keys)))


def type_filter(types: Iterable[str] = (), prefixes: tuple[str, ...] = (),
                suffixes: tuple[str, ...] = ()) -> Callable[[str], bool]:
    """A cheap predicate over resource types: exact names, prefixes or suffixes."""
    exact = frozenset(types)

    def wanted(rtype: str) -> bool:
        if rtype in exact:
            return True
        return bool(prefixes) and rtype.startswith(prefixes) and (
            not suffixes or rtype.endswith(suffixes))

    return wanted


def plan_accounts(plan: TerraformPlan) -> set[str]:
    """AWS account ids the plan's own resources live in (read from their ARNs)."""
    accounts: set[str] = set()
    for rc in plan.resource_changes:
        for side in (rc.before, rc.after):
            if isinstance(side, dict):
                for key in ("arn", "owner_id", "account_id"):
                    value = side.get(key)
                    if not isinstance(value, str):
                        continue
                    if value.startswith("arn:"):
                        account = arn_account(value)
                        if account:
                            accounts.add(account)
                    elif len(value) == 12 and value.isdigit():
                        accounts.add(value)
    return accounts


# --------------------------------------------------------------------------- CloudFormation


def cfn_location(cs: ChangeSet, rc: CfnChange) -> Location:
    """The change-set file and ``LogicalId (Type)``."""
    return Location(path=cs.path, address=rc.address)


def _decode_detail(value: str | None) -> Any:
    if value is None:
        return None
    text = value.strip()
    if text[:1] in "{[":
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            return value
    return value


def cfn_properties(rc: CfnChange, side: str = "after") -> dict[str, Any] | None:
    """``Properties`` of one side: from the context when given, else from ``Details``.

    None when the side does not exist (before of an ``Add``, after of a ``Remove``) or
    nothing is known about it.
    """
    if side == "after" and rc.action == "Remove":
        return None
    if side == "before" and rc.action in ("Add", "Import"):
        return None
    context = rc.after_context if side == "after" else rc.before_context
    if isinstance(context, dict):
        props = context.get("Properties")
        return props if isinstance(props, dict) else {}
    built: dict[str, Any] = {}
    for detail in rc.details:
        if detail.attribute not in (None, "Properties") or not detail.name:
            continue
        if detail.path not in (None, f"/Properties/{detail.name}"):
            continue
        raw = detail.after_value if side == "after" else detail.before_value
        if raw is not None:
            built[detail.name] = _decode_detail(raw)
    return built or None


def cfn_changes(cs: ChangeSet, types: frozenset[str]) -> Iterator[CfnChange]:
    """Added, imported or modified resources of the given types."""
    for rc in cs.changes:
        if rc.resource_type in types and rc.action in ("Add", "Modify", "Import"):
            yield rc


def cfn_accounts(cs: ChangeSet) -> set[str]:
    """The account the stack lives in, from the stack and change-set ARNs."""
    found = {arn_account(cs.stack_id), arn_account(cs.change_set_id)}
    return {a for a in found if a}


# --------------------------------------------------------------------------- Kubernetes


def manifest_index(doc: ManifestSet | None) -> dict[tuple[str, str, str, str], Manifest]:
    """Manifests by identity (group, kind, namespace, name); first one wins."""
    out: dict[tuple[str, str, str, str], Manifest] = {}
    if doc is not None:
        for m in doc.manifests:
            out.setdefault(m.identity, m)
    return out


class ManifestChanges:
    """Decides which risks of a manifest the change under review adds.

    A whole file under review (``changed_lines`` None) reports everything. For a file from a
    diff, an object that existed before reports only risks its old version lacked; a new
    object (or one whose old version cannot be read) reports risks on the lines it adds.
    """

    def __init__(self, doc: ManifestSet) -> None:
        self.doc = doc
        self._old: dict[tuple[str, str, str, str], Manifest] | None = None

    def _previous(self, m: Manifest) -> Manifest | None:
        if self._old is None:
            self._old = manifest_index(self.doc.before())
        return self._old.get(m.identity)

    def added(self, m: Manifest, risks: list[Risk],
              compute: Callable[[Manifest], list[Risk]]) -> list[Risk]:
        """The risks of ``m`` that the change adds."""
        if not risks:
            return []
        if self.doc.changed_lines is None:
            return new_risks(risks, None)
        previous = self._previous(m)
        if previous is not None:
            return new_risks(risks, compute(previous))
        return [r for r in new_risks(risks, None) if self.doc.touches(r.line or m.line)]


def k8s_location(doc: ManifestSet, m: Manifest, risk: Risk) -> Location:
    """The manifest file (its repository path for diffs), a line and ``Kind/ns/name``.

    The line is the risk's own, or one of its alternatives that the change touches.
    """
    line = risk.line or m.line
    if doc.changed_lines is not None and not doc.touches(line):
        line = next((alt for alt in risk.alt_lines if doc.touches(alt)), line)
    return Location(path=doc.path, line=line, address=m.address)
