"""Helpers shared by the Pulumi detectors: naming steps, reading inputs, protections.

Bridged providers (``aws``, ``gcp``, ``azure``…) expose Terraform's attributes in camelCase
(``skipFinalSnapshot`` for ``skip_final_snapshot``), so the Terraform protection table of
:mod:`reviewer.resources` serves Pulumi inputs once the keys are converted.
"""

from __future__ import annotations

import json
import re
from typing import Any

from reviewer.models import Location
from reviewer.parsers.pulumi import PulumiPreview, ResourceState, Step
from reviewer.resources import PROTECTION_ATTRIBUTES, PROTECTION_STRING_ATTRIBUTES

#: Stateful types whose loss hurts less than a database's (logs, queues, registries,
#: streams): their deletion is high rather than critical.
SECONDARY_TYPES: frozenset[str] = frozenset({
    "aws:cloudwatch/logGroup:LogGroup", "aws:sqs/queue:Queue", "aws:ecr/repository:Repository",
    "aws:kinesis/stream:Stream",
})

#: Pulumi's marker for a secret value inside a state (``4dabf18193072939515e22adb298388d``).
_SECRET_SIG = "4dabf18193072939515e22adb298388d"  # noqa: S105 - a marker, not a secret
_SECRET_NAME = re.compile(
    r"(?i)(passw|secret|token|credential|private.?key|api.?key|connection.?string)")
MASK = "(masked)"

_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")

#: Top-level protections (snake_case) → the value that switches them off.
_UNSAFE: dict[str, tuple[object, ...]] = {}
for _attr, _unsafe in (*PROTECTION_ATTRIBUTES, *PROTECTION_STRING_ATTRIBUTES):
    if "." not in _attr:
        _UNSAFE.setdefault(_attr, ())
        _UNSAFE[_attr] = (*_UNSAFE[_attr], _unsafe)


def snake(name: str) -> str:
    """``skipFinalSnapshot`` → ``skip_final_snapshot``."""
    return _CAMEL.sub(r"_\1", name).lower()


def location(preview: PulumiPreview, step: Step) -> Location:
    """Where a step is: the preview file and the resource's URN."""
    return Location(path=preview.path, address=step.urn)


def one_line(text: str, limit: int = 200) -> str:
    """Text on one line, trimmed to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def clip(parts: list[str], limit: int = 240) -> str:
    """Evidence parts joined with ``; `` and trimmed."""
    return one_line("; ".join(p for p in parts if p), limit)


def subject(step: Step) -> str:
    """``name (type) in stack s``, naming the resource in messages."""
    stack = f" in stack {one_line(step.stack, 60)}" if step.stack else ""
    return f"{one_line(step.name, 120)} ({step.type}){stack}"


def is_secret(name: str, value: Any) -> bool:
    """True when a property's name or value marks it secret."""
    if _SECRET_NAME.search(name):
        return True
    if isinstance(value, str):
        return value == "[secret]"
    return isinstance(value, dict) and _SECRET_SIG in value


def show(name: str, value: Any) -> str:
    """An input value for evidence: masked when secret, JSON, trimmed."""
    if value is None:
        return "(unset)"
    if is_secret(name, value):
        return MASK
    try:
        text = json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):  # pragma: no cover - decoded JSON always dumps
        text = str(value)
    return one_line(text, 60)


def _top(path: str) -> str:
    """The top-level property of a diff path (``tags.Name`` → ``tags``, ``a[0]`` → ``a``)."""
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def inputs(state: ResourceState | None) -> dict[str, Any]:
    """The inputs of a state ({} without one)."""
    return state.inputs if state is not None else {}


def replace_evidence(step: Step) -> list[str]:
    """``replaceReasons`` and ``*-replace`` diff paths, with before → after input values."""
    paths = list(dict.fromkeys((*step.replace_reasons, *step.replacing_paths)))
    old, new = inputs(step.old_state), inputs(step.new_state)
    out: list[str] = []
    for path in paths[:5]:
        top = _top(path)
        kind = step.detailed_diff.get(path)
        text = path + (f" ({kind.kind})" if kind is not None and kind.kind else "")
        if top in old or top in new:
            text += f": {show(top, old.get(top))} → {show(top, new.get(top))}"
        out.append(text)
    if len(paths) > 5:
        out.append(f"and {len(paths) - 5} more")
    return out


def missing_recovery(state: ResourceState | None) -> list[str]:
    """Protections a deleted object lacked (``skipFinalSnapshot = true``…), from its inputs."""
    gaps: list[str] = []
    for key, value in inputs(state).items():
        unsafe = _UNSAFE.get(snake(key))
        if unsafe and any(type(value) is type(u) and value == u for u in unsafe):
            gaps.append(f"{key} = {show(key, value)}")
    return gaps


def weakened_inputs(step: Step) -> list[tuple[str, Any, Any]]:
    """(input, before, after) for resource-level protections switched off by the step."""
    old, new = inputs(step.old_state), inputs(step.new_state)
    out: list[tuple[str, Any, Any]] = []
    for key, after in new.items():
        unsafe = _UNSAFE.get(snake(key))
        if not unsafe or key not in old:
            continue
        before = old[key]
        if before != after and any(type(after) is type(u) and after == u for u in unsafe):
            out.append((key, before, after))
    return out
