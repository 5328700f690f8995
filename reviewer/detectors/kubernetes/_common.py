"""Helpers shared by the Kubernetes detectors: matching objects across revisions, guards,
locations and value formatting.

A :class:`~reviewer.parsers.kubernetes.ManifestSet` derived from a diff knows the new-side
lines the change touches (``changed_lines``) and the file before the change
(``before()``). :class:`Revisions` pairs every object of the new file with its previous
version so detectors can see removals and field changes; a manifest file reviewed on its own
has no previous version, and detectors then judge only what is present.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from reviewer.detectors.base import Detector
from reviewer.environments import environments_in_tags, environments_in_text, ordered
from reviewer.models import Confidence, Finding, Location, Severity
from reviewer.parsers.kubernetes import Manifest, ManifestSet

#: Kinds that hold data or own everything below them: guards on them matter most.
STATEFUL_KINDS = frozenset({
    "Namespace", "PersistentVolumeClaim", "PersistentVolume", "StatefulSet",
    "CustomResourceDefinition", "StorageClass", "Secret",
})

ARGO_SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
HELM_RESOURCE_POLICY = "helm.sh/resource-policy"
FLUX_PRUNE = "kustomize.toolkit.fluxcd.io/prune"

_CACHE_NAME = re.compile(r"(?<![a-z])(cache|caches|tmp|temp|scratch|buffer|spool)(?![a-z])")
#: ``preview-*``, ``review-*``, ``ephemeral-*``, ``*-preview-*``, ``pr-123``, ``app-pr42``…
_EPHEMERAL_NAME = re.compile(
    r"^(?:review|preview|ephemeral)(?:[-_.]|$)"
    r"|(?:^|[-_.])(?:preview|ephemeral|pr-?\d+|mr-?\d+)(?:[-_.]|$)"
)
_EPHEMERAL_WORDS = frozenset({"preview", "review", "ephemeral"})
_QUANTITY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGTPE]i?|[mk]?)\s*$")
_UNITS = {
    "": 1, "m": 0.001, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
    "P": 10**15, "E": 10**18, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40,
    "Pi": 2**50, "Ei": 2**60,
}


# ---------------------------------------------------------------------------------------------
# The family's base class

#: Appended to findings on an object whose name the diff's hunks do not show.
FRAGMENT_NOTE = (" (the object's name is outside the diff's hunks, so the lines shown may belong "
                 "to more than one object; review with --git for whole files)")


class ManifestDetector(Detector[ManifestSet]):
    """Base of the Kubernetes detectors: findings on partial objects get low confidence.

    Without whole files, a modified manifest is rebuilt from the diff's hunks; when the
    ``---`` lines between documents fall outside the hunks, lines of several objects end up
    in one (YAML keeps the last of duplicate keys) and the object has no visible name. A
    finding on such a fragment keeps its line, which is right, but not the object it names.
    """

    def finding(
        self,
        message: str,
        location: Location,
        *,
        evidence: str = "",
        severity: Severity | None = None,
        confidence: Confidence | None = None,
        remediation: str | None = None,
    ) -> Finding:
        """Build a finding; one on a nameless (partial) object gets low confidence."""
        if location.address and location.address.endswith("/"):
            message += FRAGMENT_NOTE
            confidence = Confidence.LOW
        return super().finding(message, location, evidence=evidence, severity=severity,
                               confidence=confidence, remediation=remediation)


# ---------------------------------------------------------------------------------------------
# Revisions: the new file paired with the old one


class Origin(Enum):
    """Where a manifest of the new file stands relative to the change."""

    #: The object existed before the change (its previous version is known).
    CHANGED = "changed"
    #: The change adds the object (the file came from a diff and the object was not in it).
    NEW = "new"
    #: A manifest file reviewed on its own: nothing to compare with.
    STANDALONE = "standalone"


Key = tuple[str, str, str]


def key_of(m: Manifest) -> Key:
    """``(kind, namespace, name)``: how an object is matched across revisions.

    The API group is left out so that moving a Deployment from ``extensions/v1beta1`` to
    ``apps/v1`` keeps matching the same object.
    """
    return (m.kind, m.namespace or "", m.name)


@dataclass(slots=True)
class _Index:
    exact: dict[Key, Manifest] = field(default_factory=dict)
    by_name: dict[tuple[str, str], list[Manifest]] = field(default_factory=dict)

    @classmethod
    def of(cls, manifests: Iterable[Manifest]) -> _Index:
        index = cls()
        for m in manifests:
            index.exact.setdefault(key_of(m), m)
            index.by_name.setdefault((m.kind, m.name), []).append(m)
        return index

    def match(self, m: Manifest) -> Manifest | None:
        """The same object in this index; a missing namespace on either side matches any."""
        found = self.exact.get(key_of(m))
        if found is not None:
            return found
        for other in self.by_name.get((m.kind, m.name), ()):
            if other.namespace is None or m.namespace is None:
                return other
        return None


class Revisions:
    """One Kubernetes file with its previous version (when it came from a diff)."""

    __slots__ = ("_current", "_previous", "before", "diffed", "doc")

    def __init__(self, doc: ManifestSet) -> None:
        self.doc = doc
        #: True when the file came from a diff (``changed_lines`` is known).
        self.diffed = doc.changed_lines is not None
        self.before: ManifestSet | None = doc.before() if self.diffed else None
        self._current: _Index | None = None
        self._previous: _Index | None = None

    @property
    def current_index(self) -> _Index:
        if self._current is None:
            self._current = _Index.of(self.doc.manifests)
        return self._current

    @property
    def previous_index(self) -> _Index:
        if self._previous is None:
            self._previous = _Index.of(self.before.manifests if self.before else ())
        return self._previous

    def previous(self, m: Manifest) -> Manifest | None:
        """The version of ``m`` before the change, when there is one."""
        if self.before is None:
            return None
        return self.previous_index.match(m)

    def origin(self, m: Manifest) -> tuple[Origin, Manifest | None]:
        """Whether ``m`` is changed, new or reviewed standalone, and its previous version."""
        if not self.diffed:
            return Origin.STANDALONE, None
        old = self.previous(m)
        return (Origin.CHANGED, old) if old is not None else (Origin.NEW, None)

    def removed(self, *kinds: str) -> Iterator[Manifest]:
        """Objects of the previous version (of these kinds, or any) that the change removes."""
        if self.before is None:
            return
        wanted = set(kinds)
        for old in self.before.manifests:
            if wanted and old.kind not in wanted:
                continue
            if self.current_index.match(old) is None:
                yield old

    @property
    def uncertain(self) -> bool:
        """True when the new file has more unreadable parts than the old one had.

        A "removed" object may then still be there, in a document that no longer parses.
        Documents that were already broken before the change do not count.
        """
        before = len(self.before.problems) if self.before is not None else 0
        return len(self.doc.problems) > before

    def all_manifests(self) -> Iterator[Manifest]:
        """Every object of the new file, then every object of the previous one."""
        yield from self.doc.manifests
        if self.before is not None:
            yield from self.before.manifests


# ---------------------------------------------------------------------------------------------
# Locations, lines and formatting


def span(m: Manifest) -> tuple[int, int]:
    """First and last line of a manifest (as far as its keys tell)."""
    last = max(m.key_lines.values(), default=m.line)
    return m.line, max(last, m.line)


def touched(doc: ManifestSet, m: Manifest, dotted: str | None = None) -> bool:
    """True when the change touches the key at ``dotted`` (or any line of the object).

    A key the parser did not record (JSON input) falls back to the whole object.
    """
    if doc.changed_lines is None:
        return True
    if dotted is not None and dotted in m.key_lines:
        return doc.touches(m.key_lines[dotted])
    return doc.touches(*span(m))


def location(doc: ManifestSet, m: Manifest, dotted: str | None = None) -> Location:
    """The file, the line of ``dotted`` (or of the object) and the object's address."""
    line = m.line_of(dotted) if dotted else m.line
    return Location(path=doc.path, line=line, address=m.address)


def removed_location(doc: ManifestSet, m: Manifest) -> Location:
    """Where a removed object is reported: the file and its address (it has no new line)."""
    return Location(path=doc.path, address=m.address)


def first_line(m: Manifest, *dotted: str) -> str:
    """The first of ``dotted`` that the parser recorded (for locations), else ``""``."""
    for d in dotted:
        if d in m.key_lines:
            return d
    return ""


def annotation_key(name: str) -> str:
    """Dotted key path of an annotation (its line is in ``key_lines`` under this)."""
    return f"metadata.annotations.{name}"


def fmt(value: Any) -> str:
    """A short JSON-like rendering of a manifest value."""
    if value is None:
        return "(unset)"
    if isinstance(value, str):
        return json.dumps(value)
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def trim(text: str, limit: int = 200) -> str:
    """Evidence trimmed to ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def environment_label(m: Manifest) -> str:
    """``" (prod)"`` when the namespace, name or labels name an environment, else ``""``."""
    envs = environments_in_text(f"{m.namespace or ''} {m.name}")
    envs |= environments_in_tags(m.labels)
    names = [e.value for e in ordered(envs)]
    return f" ({', '.join(names)})" if names else ""


def describe(m: Manifest) -> str:
    """``"Deployment api (prod)"``: kind, name and the environment it names, for messages."""
    return f"{m.kind} {m.name or '(name not in the diff)'}{environment_label(m)}"


def is_ephemeral_name(name: str, labels: dict[str, str]) -> bool:
    """True for preview / review / per-pull-request namespaces (``pr-123``, ``preview-x``)."""
    if name.lower() in _EPHEMERAL_WORDS or _EPHEMERAL_NAME.search(name.lower()):
        return True
    for key, value in labels.items():
        k, v = key.lower().rsplit("/", 1)[-1], value.lower()
        if v in _EPHEMERAL_WORDS and k in {"environment", "env", "type", "lifecycle", "tier"}:
            return True
        if k in _EPHEMERAL_WORDS and v in {"true", "yes", "1"}:
            return True
    return False


def looks_like_cache(*names: str) -> bool:
    """True when a name says the data is disposable (cache, tmp, scratch…)."""
    return any(_CACHE_NAME.search(n.lower()) for n in names if n)


def as_int(value: Any) -> int | None:
    """An integer field value (``3`` or ``"3"``), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def percent(value: Any) -> float | None:
    """``"25%"`` → 25.0; None for anything else."""
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return float(value.strip()[:-1])
        except ValueError:
            return None
    return None


def quantity(value: Any) -> float | None:
    """A resource quantity (``10Gi``, ``500M``, ``1.5Ti``) in bytes/units, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        return None
    match = _QUANTITY.match(value)
    if not match or match.group(2) not in _UNITS:
        return None
    return float(match.group(1)) * _UNITS[match.group(2)]


# ---------------------------------------------------------------------------------------------
# Deletion guards (Helm, Argo CD, Flux)


def sync_options(m: Manifest) -> set[str]:
    """Argo CD ``sync-options`` of an object, lower-cased (``{"prune=false", …}``)."""
    raw = m.annotations.get(ARGO_SYNC_OPTIONS, "")
    return {part.strip().lower().replace(" ", "") for part in raw.split(",") if part.strip()}


def deletion_guards(m: Manifest) -> dict[str, str]:
    """Guards that stop a tool from deleting the object: category → what it says.

    Categories: ``helm-keep``, ``argo-prune``, ``argo-delete``, ``flux-prune``.
    """
    guards: dict[str, str] = {}
    if m.annotations.get(HELM_RESOURCE_POLICY, "").strip().lower() == "keep":
        guards["helm-keep"] = f"{HELM_RESOURCE_POLICY}: keep"
    options = sync_options(m)
    for option in ("prune=false", "prune=confirm"):
        if option in options:
            guards["argo-prune"] = f"{ARGO_SYNC_OPTIONS}: {option.replace('prune', 'Prune')}"
            break
    for option in ("delete=false", "delete=confirm"):
        if option in options:
            guards["argo-delete"] = f"{ARGO_SYNC_OPTIONS}: {option.replace('delete', 'Delete')}"
            break
    flux = (m.annotations.get(FLUX_PRUNE) or m.labels.get(FLUX_PRUNE) or "").strip().lower()
    if flux == "disabled":
        guards["flux-prune"] = f"{FLUX_PRUNE}: disabled"
    return guards


def keeps_on_removal(m: Manifest) -> str:
    """The guard that makes removing ``m`` from the manifests leave the live object alone.

    ``Prune=confirm`` / ``Delete=confirm`` only ask for a confirmation, so they do not count.
    """
    for guard in deletion_guards(m).values():
        if "confirm" not in guard:
            return guard
    return ""


# ---------------------------------------------------------------------------------------------
# Workloads, selectors and autoscalers


def template_labels(m: Manifest) -> dict[str, str]:
    """Pod labels of a workload's template."""
    labels = m.get("spec.template.metadata.labels")
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def selector_matches(selector: Any, labels: dict[str, str]) -> bool:
    """True when a label selector (``matchLabels`` / ``matchExpressions``) selects ``labels``."""
    if not isinstance(selector, dict):
        return False
    match_labels = selector.get("matchLabels")
    expressions = selector.get("matchExpressions")
    if not match_labels and not expressions:
        return False
    if isinstance(match_labels, dict):
        for k, v in match_labels.items():
            if labels.get(str(k)) != str(v):
                return False
    if isinstance(expressions, list):
        for expr in expressions:
            if not isinstance(expr, dict):
                continue
            key = str(expr.get("key", ""))
            op = str(expr.get("operator", ""))
            values = {str(v) for v in expr.get("values") or []}
            if op == "In" and labels.get(key) not in values:
                return False
            if op == "NotIn" and labels.get(key) in values:
                return False
            if op == "Exists" and key not in labels:
                return False
            if op == "DoesNotExist" and key in labels:
                return False
    return True


def _target(ref: Any, default_kind: str) -> tuple[str, str] | None:
    if not isinstance(ref, dict) or not ref.get("name"):
        return None
    return str(ref.get("kind") or default_kind), str(ref["name"])


class Autoscalers:
    """HorizontalPodAutoscalers and KEDA ScaledObjects of a file (and its previous version)."""

    __slots__ = ("hpa", "keda")

    def __init__(self, manifests: Iterable[Manifest]) -> None:
        self.hpa: set[tuple[str, str, str]] = set()
        self.keda: set[tuple[str, str, str]] = set()
        for m in manifests:
            if m.kind == "HorizontalPodAutoscaler":
                target = _target(m.get("spec.scaleTargetRef"), "Deployment")
                if target:
                    self.hpa.add((m.namespace or "", *target))
            elif m.kind == "ScaledObject" and m.group == "keda.sh":
                target = _target(m.get("spec.scaleTargetRef"), "Deployment")
                if target:
                    self.keda.add((m.namespace or "", *target))

    @staticmethod
    def _has(targets: set[tuple[str, str, str]], m: Manifest) -> bool:
        if (m.namespace or "", m.kind, m.name) in targets:
            return True
        # A namespace-less manifest (kustomize sets it later) matches any namespace.
        return any(kind == m.kind and name == m.name and (not ns or not m.namespace)
                   for ns, kind, name in targets)

    def keda_managed(self, m: Manifest) -> bool:
        """True when a KEDA ScaledObject scales ``m`` (it may legitimately scale to zero)."""
        return bool(self.keda) and self._has(self.keda, m)

    def hpa_managed(self, m: Manifest) -> bool:
        """True when an HPA in the file targets ``m``, or its annotations say one manages it."""
        if self.hpa and self._has(self.hpa, m):
            return True
        return any("autoscal" in k.lower() or "hpa" in k.lower().split("/")[0].split(".")
                   for k in m.annotations)
