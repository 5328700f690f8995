"""Kubernetes manifests (multi-document YAML, JSON, ``kind: List``) → :class:`ManifestSet`.

The text is split into YAML documents at ``---`` lines *before* parsing, and each document
is parsed on its own, so one broken document (a typo, unrendered Helm ``{{ … }}``) becomes a
coverage error naming its number and line while every other document is kept. Empty
documents and comment-only documents are skipped. ``kind: List`` (and a JSON array) is
expanded into its items.

Each :class:`Manifest` records the 1-based line where its object starts and, in
``key_lines``, the line of every mapping key (``"spec.replicas"`` → 12), so findings can point
at the offending field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

import yaml

from reviewer.errors import ParseError
from reviewer.models import InputKind
from reviewer.parsers.base import Lazy, Problem, ProblemLevel, lines_touched

_KIND = InputKind.KUBERNETES
_DOC_START = re.compile(r"^---(?:[ \t\r]|$)")
_DOC_END = re.compile(r"^\.\.\.(?:[ \t]*(?:#.*)?)\r?$")
_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{\{-|\{%")
#: Errors a YAML document can raise while being read (constructors raise plain ValueError
#: for e.g. impossible timestamps).
_YAML_FAILURES = (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError)
#: Most key lines recorded per manifest (protects against huge documents).
_MAX_KEY_LINES = 20000
#: libyaml's C parser when PyYAML was built with it (same nodes and marks, much faster).
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)



def _precise_failure(text: str, exc: BaseException) -> BaseException:
    """The pure-Python parser's error for a failing document (its marks point at the line)."""
    if _LOADER is yaml.SafeLoader:
        return exc
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        if node is not None:
            loader.construct_document(node)
    except _YAML_FAILURES as precise:
        return precise
    finally:
        if loader is not None:
            loader.dispose()
    return exc

@dataclass(frozen=True, slots=True)
class Manifest:
    """One Kubernetes object read from the input."""

    api_version: str
    kind: str
    name: str
    namespace: str | None
    labels: dict[str, str]
    annotations: dict[str, str]
    #: The whole object as decoded.
    body: dict[str, Any]
    #: 1-based line where the object starts.
    line: int
    #: 0-based index of the (non-empty) YAML document it came from.
    doc_index: int
    #: 0-based position in ``items`` when the document is a ``List``; None otherwise.
    item_index: int | None = None
    #: Dotted key path (``"spec.template.spec.containers.0.image"``) → 1-based line.
    key_lines: dict[str, int] = field(default_factory=dict)

    @property
    def address(self) -> str:
        """``Kind/namespace/name``, or ``Kind/name`` without a namespace."""
        if self.namespace:
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"

    @property
    def group(self) -> str:
        """API group: ``"apps"`` for ``apps/v1``, ``""`` for the core ``v1``."""
        return self.api_version.rpartition("/")[0]

    @property
    def version(self) -> str:
        """API version without the group: ``"v1"``."""
        return self.api_version.rpartition("/")[2]

    @property
    def identity(self) -> tuple[str, str, str, str]:
        """``(group, kind, namespace, name)``: what identifies the object across revisions."""
        return (self.group, self.kind, self.namespace or "", self.name)

    @property
    def spec(self) -> dict[str, Any]:
        """``spec`` as a mapping (empty when absent or not a mapping)."""
        spec = self.body.get("spec")
        return spec if isinstance(spec, dict) else {}

    def get(self, dotted: str, default: Any = None) -> Any:
        """Value at a dotted path (``"spec.template.spec.containers.0.image"``)."""
        obj: Any = self.body
        for part in dotted.split("."):
            if isinstance(obj, dict) and part in obj:
                obj = obj[part]
            elif isinstance(obj, list) and part.isdigit() and int(part) < len(obj):
                obj = obj[int(part)]
            else:
                return default
        return obj

    def line_of(self, dotted: str) -> int:
        """Line of the key at a dotted path, or of the object when it is not recorded."""
        return self.key_lines.get(dotted, self.line)


@dataclass(frozen=True, slots=True)
class ManifestSet:
    """All Kubernetes objects of one input, in document order."""

    kind: ClassVar[InputKind] = InputKind.KUBERNETES

    path: str
    manifests: tuple[Manifest, ...]
    #: Number of non-empty YAML documents read (a List counts once).
    documents: int = 0
    problems: tuple[Problem, ...] = ()
    #: New-side lines the change touches when this file came from a diff (None: the whole
    #: file is under review).
    changed_lines: frozenset[int] | None = None
    #: The file before the change (parsed on first use), when it came from a diff.
    previous: Lazy[ManifestSet | None] | None = field(default=None, compare=False, repr=False)
    #: The diff this file came from, when it did.
    origin: str | None = None

    def touches(self, start: int | None, end: int | None = None) -> bool:
        """True when lines ``start``..``end`` are part of the change under review."""
        return lines_touched(self.changed_lines, start, end)

    def before(self) -> ManifestSet | None:
        """The file before the change, when it came from a diff and existed before."""
        return self.previous.get() if self.previous is not None else None

    def by_kind(self, *kinds: str) -> tuple[Manifest, ...]:
        """Manifests whose kind is one of ``kinds``."""
        return tuple(m for m in self.manifests if m.kind in kinds)

    def find(self, kind: str, name: str, namespace: str | None = None) -> Manifest | None:
        """The first manifest with this kind and name (and namespace when given)."""
        for m in self.manifests:
            if m.kind == kind and m.name == name and namespace in (None, m.namespace):
                return m
        return None

    def describe(self) -> str:
        """One phrase saying what was analysed."""
        return (f"{len(self.manifests)} Kubernetes objects in {self.documents} YAML "
                f"document{'s' if self.documents != 1 else ''}")


@dataclass(slots=True)
class _Chunk:
    """The lines of one YAML document and where it starts (1-based)."""

    start: int
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    @property
    def first_line(self) -> int:
        """1-based line of the first line that is not blank, a comment or a bare ``---``."""
        for i, raw in enumerate(self.lines):
            stripped = raw.strip()
            if stripped and not stripped.startswith("#") and stripped != "---":
                return self.start + i
        return self.start

    @property
    def has_content(self) -> bool:
        for raw in self.lines:
            line = raw.strip()
            if not line or line.startswith("#") or raw.startswith("%"):
                continue
            if _DOC_START.match(raw):
                rest = raw[3:].strip()
                if not rest or rest.startswith("#"):
                    continue
            if _DOC_END.match(raw):
                continue
            return True
        return False


def _split(text: str) -> list[_Chunk]:
    """Split YAML text into documents at ``---`` / ``...`` lines, keeping line numbers."""
    chunks: list[_Chunk] = [_Chunk(start=1)]
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        current = chunks[-1]
        if _DOC_START.match(line):
            # Directives (``%YAML 1.2``) belong to the document their ``---`` opens.
            directives_only = not current.has_content and any(
                raw.startswith("%") for raw in current.lines)
            if directives_only:
                current.lines.append(line)
            else:
                chunks.append(_Chunk(start=number, lines=[line]))
        elif _DOC_END.match(line):
            current.lines.append(line)
            chunks.append(_Chunk(start=number + 1))
        elif line.startswith("%") and not current.has_content and any(
                _DOC_START.match(raw) for raw in current.lines):
            chunks.append(_Chunk(start=number, lines=[line]))  # directives of the next document
        else:
            current.lines.append(line)
    return chunks


def _key_lines(node: yaml.Node, offset: int) -> dict[str, int]:
    """Dotted key path → 1-based line for every mapping key under ``node``."""
    out: dict[str, int] = {}
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(node, "")]
    while stack and len(out) < _MAX_KEY_LINES:
        current, prefix = stack.pop()
        if id(current) in seen:  # an alias: do not walk the same node twice
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.value == "<<":
                    continue
                dotted = f"{prefix}{key_node.value}"
                out.setdefault(dotted, key_node.start_mark.line + offset)
                stack.append((value_node, f"{dotted}."))
        elif isinstance(current, yaml.SequenceNode):
            for i, item in enumerate(current.value):
                dotted = f"{prefix}{i}"
                out.setdefault(dotted, item.start_mark.line + offset)
                stack.append((item, f"{dotted}."))
    return out


def _child(node: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                found: yaml.Node = value_node
                return found
    return None


def _str_map(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in raw.items()}


def _manifest(obj: dict[str, Any], line: int, doc_index: int, item_index: int | None,
              key_lines: dict[str, int]) -> Manifest:
    metadata = obj.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    name = metadata.get("name") or metadata.get("generateName") or ""
    namespace = metadata.get("namespace")
    return Manifest(
        api_version=str(obj.get("apiVersion", "")),
        kind=str(obj.get("kind", "")),
        name=str(name),
        namespace=str(namespace) if namespace not in (None, "") else None,
        labels=_str_map(metadata.get("labels")),
        annotations=_str_map(metadata.get("annotations")),
        body=obj,
        line=line,
        doc_index=doc_index,
        item_index=item_index,
        key_lines=key_lines,
    )


def _type_name(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return f"a {type(value).__name__}"


class _Reader:
    """Turns documents into manifests and problems for one input."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.manifests: list[Manifest] = []
        self.problems: list[Problem] = []
        self.documents = 0
        self.non_objects = 0

    def error(self, message: str, line: int) -> None:
        self.problems.append(Problem(self.path, message, ProblemLevel.ERROR, line=line))

    def add_object(self, obj: Any, line: int, doc_index: int, item_index: int | None,
                   node: yaml.Node | None, offset: int) -> None:
        where = f"document {doc_index + 1}"
        if item_index is not None:
            where += f" item {item_index + 1}"
        where += f" (line {line})"
        if not isinstance(obj, dict):
            self.non_objects += 1
            self.error(f"{where} is {_type_name(obj)}, not a Kubernetes object; it was not "
                       "reviewed", line)
            return
        missing = [k for k in ("apiVersion", "kind") if not obj.get(k)]
        if missing:
            self.non_objects += 1
            self.error(f"{where} has no {' or '.join(repr(k) for k in missing)}; it is not a "
                       "Kubernetes object and was not reviewed", line)
            return
        lines = _key_lines(node, offset) if node is not None else {}
        self.manifests.append(_manifest(obj, line, doc_index, item_index, lines))

    def add_document(self, data: Any, node: yaml.Node | None, line: int, doc_index: int,
                     offset: int) -> None:
        items: list[Any] | None = None
        items_node: yaml.Node | None = None
        if isinstance(data, dict) and str(data.get("kind", "")).endswith("List") \
                and isinstance(data.get("items"), list):
            items = data["items"]
            items_node = _child(node, "items") if node is not None else None
        elif isinstance(data, list):
            items, items_node = data, node
        if items is None:
            self.add_object(data, line, doc_index, None, node, offset)
            return
        nodes = items_node.value if isinstance(items_node, yaml.SequenceNode) else []
        for i, item in enumerate(items):
            item_node = nodes[i] if i < len(nodes) else None
            item_line = item_node.start_mark.line + offset if item_node is not None else line
            self.add_object(item, item_line, doc_index, i, item_node, offset)

    def read_chunk(self, chunk: _Chunk, doc_index: int) -> None:
        text = chunk.text
        offset = chunk.start  # mark lines are 0-based within the chunk
        loader: yaml.SafeLoader | None = None
        try:
            loader = _LOADER(text)
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        except _YAML_FAILURES as exc:
            self.chunk_failed(chunk, doc_index, _precise_failure(text, exc))
            return
        finally:
            if loader is not None:
                loader.dispose()
        if node is None:
            return
        self.add_document(data, node, node.start_mark.line + offset, doc_index, offset)

    def chunk_failed(self, chunk: _Chunk, doc_index: int, exc: BaseException) -> None:
        text = chunk.text
        stripped = text.strip()
        if stripped[:1] in "{[":
            try:
                data = json.loads(text)
            except (json.JSONDecodeError, RecursionError):
                pass
            else:
                self.add_document(data, None, chunk.first_line, doc_index, chunk.start)
                return
        line = chunk.start
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        if isinstance(mark, yaml.Mark):
            line = chunk.start + mark.line
        where = f"document {doc_index + 1} (starting line {chunk.first_line})"
        if _TEMPLATE.search(text):
            self.error(f"{where} contains template syntax; render it with helm template "
                       "first", line)
            return
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0] or type(exc).__name__
        if isinstance(exc, RecursionError):
            reason = "nested too deeply"
        self.error(f"{where} is not valid YAML: {reason}; it was not reviewed", line)


def parse_manifests(text: str, path: str) -> ManifestSet:
    """Parse Kubernetes manifests: multi-document YAML, a JSON object or array, or a List.

    Raises:
        ParseError: nothing in the input could be read as a Kubernetes object (every
            document is broken or none has ``apiVersion`` and ``kind``).
    """
    if "\x00" in text:
        raise ParseError(path, "not YAML: contains NUL bytes", kind=_KIND)
    reader = _Reader(path)
    for chunk in _split(text):
        if not chunk.has_content:
            continue
        reader.read_chunk(chunk, reader.documents)
        reader.documents += 1
    if not reader.manifests and reader.problems:
        first = reader.problems[0]
        message = first.message.replace("; it was not reviewed", "").replace(
            " and was not reviewed", "")
        if reader.non_objects == len(reader.problems):
            reason = ("not Kubernetes manifests: no document has 'apiVersion' and 'kind' "
                      f"({message})")
        else:
            reason = message
        raise ParseError(path, reason, kind=_KIND, line=first.line)
    problems = reader.problems
    if reader.documents == 0:
        problems.append(Problem(path, "no YAML documents found (nothing to review)",
                                ProblemLevel.NOTE))
    return ManifestSet(path=path, manifests=tuple(reader.manifests), documents=reader.documents,
                       problems=tuple(problems))
