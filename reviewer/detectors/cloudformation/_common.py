"""Helpers shared by the CloudFormation detectors: what happens to the old physical resource,
the protections a resource carries, and how changes are named and shown.

The change set says what happens to a removed or replaced resource in ``PolicyAction``. Older
change sets (and some tools' output) lack it; the fate is then read from the resource's
``DeletionPolicy`` / ``UpdateReplacePolicy`` in ``BeforeContext``/``AfterContext`` and, failing
that, from CloudFormation's defaults (``Delete``, except ``Snapshot`` for RDS clusters and for
DB instances outside a cluster).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from reviewer.environments import environments_in_tags, environments_in_text
from reviewer.models import Environment, Location
from reviewer.parsers.cloudformation import ChangeDetail, ChangeSet, ResourceChange

#: Types for which ``Snapshot`` is a valid DeletionPolicy/UpdateReplacePolicy (cfn-lint
#: E3035); on any other type it would behave like ``Delete``.
SNAPSHOT_TYPES: frozenset[str] = frozenset({
    "AWS::DocDB::DBCluster", "AWS::EC2::Volume", "AWS::ElastiCache::CacheCluster",
    "AWS::ElastiCache::ReplicationGroup", "AWS::Neptune::DBCluster", "AWS::RDS::DBCluster",
    "AWS::RDS::DBInstance", "AWS::Redshift::Cluster",
})

#: Stateful types whose loss hurts less than a database's (logs, queues, streams): their
#: deletion is high rather than critical (as TERRAFORM_STATEFUL_SECONDARY for Terraform).
SECONDARY_TYPES: frozenset[str] = frozenset({
    "AWS::Logs::LogGroup", "AWS::SQS::Queue", "AWS::Kinesis::Stream",
})

#: A nested stack: a container whose own resources are not visible in this change set.
NESTED_STACK = "AWS::CloudFormation::Stack"

#: Policy values that keep the old physical resource (or a snapshot of it).
PROTECTIVE_POLICIES = frozenset({"Retain", "RetainExceptOnCreate", "Snapshot"})

#: Resource properties that guard against deletion: name → values meaning "protected".
#: ``DeletionProtection`` (RDS, DocDB, Neptune, QLDB; Cognito uses ACTIVE/INACTIVE),
#: ``DeletionProtectionEnabled`` (DynamoDB, Logs), ``DisableApiTermination`` (EC2),
#: ``TerminationProtected`` (EMR ``Instances``), ``deletion_protection.enabled`` (ELBv2
#: ``LoadBalancerAttributes``). Each defaults to unprotected when absent.
PROTECTION_PROPERTIES: frozenset[str] = frozenset({
    "DeletionProtection", "DeletionProtectionEnabled", "DisableApiTermination",
    "TerminationProtected", "deletion_protection.enabled",
})
_PROTECTED_VALUES = frozenset({"true", "active"})
_UNPROTECTED_VALUES = frozenset({"false", "inactive"})
#: Properties whose value is a structure holding one of the protections above.
_CONTAINERS = frozenset({"Instances", "LoadBalancerAttributes"})

_SECRET_NAME = re.compile(
    r"(?i)(passw|secret|token|credential|private.?key|api.?key|connection.?string)")
MASK = "(masked)"


def location(cs: ChangeSet, rc: ResourceChange) -> Location:
    """Where a resource change is: the change set file and the logical id."""
    return Location(path=cs.path, address=rc.logical_id)


def subject(cs: ChangeSet, rc: ResourceChange) -> str:
    """``LogicalId (Type) in stack name``, naming the resource in messages."""
    stack = f" in stack {one_line(cs.stack_name, 80)}" if cs.stack_name else ""
    return f"{one_line(rc.logical_id, 120)} ({rc.resource_type or 'unknown type'}){stack}"


def one_line(text: str, limit: int = 200) -> str:
    """Text on one line, trimmed to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def clip(parts: list[str], limit: int = 240) -> str:
    """Evidence parts joined with ``; `` and trimmed."""
    return one_line("; ".join(p for p in parts if p), limit)


def stack_environments(cs: ChangeSet) -> set[Environment]:
    """Environments named by the stack name or an Environment/Env/Stage parameter."""
    envs = environments_in_text(cs.stack_name or "")
    envs |= environments_in_tags(cs.parameters)
    return envs


def dev_only(cs: ChangeSet) -> bool:
    """True when the stack is named as a development/test stack and as nothing else."""
    envs = stack_environments(cs)
    return bool(envs) and envs <= {Environment.DEV}


def properties(context: Any) -> dict[str, Any] | None:
    """The ``Properties`` of a decoded Before/AfterContext; None when not known."""
    if not isinstance(context, dict):
        return None
    props = context.get("Properties")
    if isinstance(props, dict):
        return props
    return {} if props is None else None


def context_attribute(context: Any, attribute: str) -> str | None:
    """A resource attribute (``DeletionPolicy``…) of a decoded context, when a string."""
    if not isinstance(context, dict):
        return None
    value = context.get(attribute)
    return value if isinstance(value, str) and value else None


def is_secret_name(name: str) -> bool:
    """True when a property name suggests its value is a secret."""
    return bool(_SECRET_NAME.search(name))


def show(name: str, value: str | None) -> str:
    """A before/after value for evidence: masked for secret-looking names, trimmed."""
    if value is None:
        return "(unset)"
    if is_secret_name(name):
        return MASK
    text = json.dumps(value) if not value.startswith(("{", "[")) else value
    return one_line(text, 60)


def detail_text(d: ChangeDetail, *, values: bool = True) -> str:
    """One detail for evidence: ``/Properties/Engine (Always, Static): "a" → "b"``."""
    why = ", ".join(x for x in (d.requires_recreation, d.evaluation, d.change_source) if x)
    text = d.label + (f" ({why})" if why else "")
    if d.causing_entity:
        text += f" via {one_line(d.causing_entity, 60)}"
    if values and (d.before_value is not None or d.after_value is not None):
        text += f": {show(d.label, d.before_value)} → {show(d.label, d.after_value)}"
    return text


# --------------------------------------------------------------------------- the old resource


@dataclass(frozen=True, slots=True)
class Fate:
    """What happens to the old physical resource of a removal or replacement."""

    #: ``delete``, ``retain`` or ``snapshot``.
    outcome: str
    #: Where the outcome comes from, for evidence (``PolicyAction Delete``…).
    source: str
    #: False when only CloudFormation's default could be assumed (template not visible).
    known: bool = True


def _outcome(policy: str) -> str:
    if policy.endswith("Delete"):
        return "delete"
    if policy.endswith("Snapshot"):
        return "snapshot"
    return "retain"


def default_deletion_policy(resource_type: str, props: dict[str, Any] | None) -> str:
    """CloudFormation's DeletionPolicy when the template sets none.

    ``Snapshot`` for ``AWS::RDS::DBCluster`` and for ``AWS::RDS::DBInstance`` without
    ``DBClusterIdentifier`` (assumed when the properties are unknown), else ``Delete``.
    """
    if resource_type == "AWS::RDS::DBCluster":
        return "Snapshot"
    if resource_type == "AWS::RDS::DBInstance" and (
            props is None or "DBClusterIdentifier" not in props):
        return "Snapshot"
    return "Delete"


def _snapshot_checked(fate: Fate, resource_type: str) -> Fate:
    if fate.outcome == "snapshot" and resource_type not in SNAPSHOT_TYPES:
        return Fate("delete", f"{fate.source} (not snapshot-capable: behaves as Delete)",
                    fate.known)
    return fate


def removal_fate(rc: ResourceChange) -> Fate:
    """What a ``Remove`` does to the physical resource (PolicyAction, else DeletionPolicy)."""
    pa = rc.policy_action
    if pa in ("Delete", "Retain", "Snapshot"):
        fate = Fate(_outcome(pa), f"PolicyAction {pa}")
    else:
        policy = context_attribute(rc.before_context, "DeletionPolicy")
        if policy:
            fate = Fate(_outcome(policy), f"DeletionPolicy {policy}")
        else:
            props = properties(rc.before_context)
            default = default_deletion_policy(rc.resource_type, props)
            fate = Fate(_outcome(default), f"no PolicyAction; default DeletionPolicy {default}",
                        known=props is not None)
    return _snapshot_checked(fate, rc.resource_type)


def replacement_fate(rc: ResourceChange) -> Fate:
    """What a replacement does to the old resource (PolicyAction, else UpdateReplacePolicy)."""
    pa = rc.policy_action
    if pa in ("ReplaceAndDelete", "ReplaceAndRetain", "ReplaceAndSnapshot"):
        fate = Fate(_outcome(pa), f"PolicyAction {pa}")
    else:
        policy = context_attribute(rc.after_context, "UpdateReplacePolicy") or \
            context_attribute(rc.before_context, "UpdateReplacePolicy")
        if policy:
            fate = Fate(_outcome(policy), f"UpdateReplacePolicy {policy}")
        else:
            seen = properties(rc.after_context) is not None or \
                properties(rc.before_context) is not None
            fate = Fate("delete", "no PolicyAction; default UpdateReplacePolicy Delete",
                        known=seen)
    return _snapshot_checked(fate, rc.resource_type)


# --------------------------------------------------------------------------- protections


def _normal(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value:
        return value.strip().lower()
    return None


def _from_container(name: str, value: Any) -> dict[str, str]:
    """Protections held inside ``Instances`` (EMR) or ``LoadBalancerAttributes`` (ELBv2)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, RecursionError):
            return {}
    found: dict[str, str] = {}
    if name == "Instances" and isinstance(value, dict):
        norm = _normal(value.get("TerminationProtected"))
        if norm is not None:
            found["TerminationProtected"] = norm
    elif name == "LoadBalancerAttributes" and isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item.get("Key") == "deletion_protection.enabled":
                norm = _normal(item.get("Value"))
                if norm is not None:
                    found["deletion_protection.enabled"] = norm
    return found


def protections(props: dict[str, Any] | None) -> dict[str, str]:
    """Protection property → normalised value (``true``/``active``…) present in properties."""
    if not props:
        return {}
    found: dict[str, str] = {}
    for key, value in props.items():
        if key in PROTECTION_PROPERTIES:
            norm = _normal(value)
            if norm is not None:
                found[key] = norm
        elif key in _CONTAINERS:
            found.update(_from_container(key, value))
    return found


def is_protected(value: str | None) -> bool:
    """True for a normalised protection value that means "on"."""
    return value in _PROTECTED_VALUES


def is_unprotected(value: str | None) -> bool:
    """True for a normalised protection value that means "off"."""
    return value in _UNPROTECTED_VALUES


@dataclass(frozen=True, slots=True)
class Transition:
    """A protection's before and after value; ``None`` after means unknown."""

    name: str
    before: str | None
    after: str | None
    #: The after value is CloudFormation's default because the setting was removed.
    defaulted: bool = False


def _detail_key(d: ChangeDetail) -> str | None:
    if d.attribute != "Properties":
        return None
    if d.name in PROTECTION_PROPERTIES or d.name in _CONTAINERS:
        return d.name
    last = (d.path or "").rstrip("/").rsplit("/", 1)[-1]
    return last if last in PROTECTION_PROPERTIES else None


def property_transitions(rc: ResourceChange) -> list[Transition]:
    """Protection properties whose value changes.

    Details say which property changes (a ``Remove`` means back to the unprotected default);
    the contexts fill in values the Details lack, and show changes of properties both
    contexts hold.
    """
    out: dict[str, Transition] = {}
    for d in rc.details:
        key = _detail_key(d)
        if key is None:
            continue
        if key in _CONTAINERS:
            before = _from_container(key, d.before_value)
            after = _from_container(key, d.after_value)
            for name in before.keys() | after.keys():
                out[name] = Transition(name, before.get(name), after.get(name),
                                       defaulted=name not in after and d.after_value is not None)
            continue
        removed = d.attribute_change_type == "Remove"
        out[key] = Transition(key, _normal(d.before_value), _normal(d.after_value),
                              defaulted=removed)
    before_p = protections(properties(rc.before_context))
    after_p = protections(properties(rc.after_context))
    for name in before_p.keys() | after_p.keys():
        known = out.get(name)
        if known is None:
            if name in before_p and name in after_p:
                out[name] = Transition(name, before_p[name], after_p[name])
            continue
        out[name] = Transition(
            name,
            known.before if known.before is not None else before_p.get(name),
            known.after if known.after is not None or known.defaulted else after_p.get(name),
            defaulted=known.defaulted,
        )
    return [t for t in out.values() if t.before != t.after]


def policy_transition(rc: ResourceChange, attribute: str) -> Transition | None:
    """How ``DeletionPolicy``/``UpdateReplacePolicy`` changes; None when it does not.

    The change must be signalled by ``Scope`` or a Detail, or both contexts must hold
    different values. A policy that is added had CloudFormation's default before; one that
    is removed falls back to the default.
    """
    details = [d for d in rc.details if d.attribute == attribute]
    ctx_before = context_attribute(rc.before_context, attribute)
    ctx_after = context_attribute(rc.after_context, attribute)
    signalled = bool(details) or attribute in rc.scope
    if not signalled and not (ctx_before and ctx_after and ctx_before != ctx_after):
        return None
    before = next((d.before_value for d in details if d.before_value), None) or ctx_before
    after = next((d.after_value for d in details if d.after_value), None) or ctx_after
    default = "Delete"
    if attribute == "DeletionPolicy":
        default = default_deletion_policy(
            rc.resource_type, properties(rc.after_context) or properties(rc.before_context))
    if before is None and signalled and (
            any(d.attribute_change_type == "Add" for d in details)
            or (isinstance(rc.before_context, dict) and ctx_after)):
        before = default
    defaulted = False
    if after is None and signalled and (
            any(d.attribute_change_type == "Remove" for d in details)
            or (isinstance(rc.after_context, dict) and ctx_before)):
        after, defaulted = default, True
    if before == after:
        return None
    return Transition(attribute, before, after, defaulted=defaulted)
