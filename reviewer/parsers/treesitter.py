"""Tree-sitter languages, loaded lazily from the grammar wheels and cached.

Each grammar is its own PyPI wheel (``tree-sitter-python``, ``tree-sitter-hcl``…); this
module is the only place that knows their import names.

A tree parsed for one reader can be handed to the next :func:`parse` of the same text
with :func:`share`: the diff parser reads a ``.tf`` file's hunks from the same text the
whole-file HCL document is parsed from later, and one parse serves both. A shared tree is
taken once; at most ``_SHARED_ENTRIES`` trees (``_SHARED_CHARS`` characters of text) wait
at a time, the oldest dropped first, so texts nobody parses again cost only a bounded
amount of memory.
"""

from __future__ import annotations

import importlib
import threading
from collections import OrderedDict
from functools import cache
from pathlib import PurePosixPath

from tree_sitter import Language, Parser, Tree

#: language name -> (module, function returning the language pointer)
_GRAMMARS: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "java": ("tree_sitter_java", "language"),
    "hcl": ("tree_sitter_hcl", "language"),
    "yaml": ("tree_sitter_yaml", "language"),
    "sql": ("tree_sitter_sql", "language"),
    "bash": ("tree_sitter_bash", "language"),
}

_EXTENSIONS: dict[str, str] = {
    ".py": "python", ".pyi": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".go": "go",
    ".java": "java",
    ".tf": "hcl", ".hcl": "hcl", ".tofu": "hcl", ".tfvars": "hcl",
    ".yaml": "yaml", ".yml": "yaml",
    ".sql": "sql",
    ".sh": "bash", ".bash": "bash", ".zsh": "bash", ".ksh": "bash", ".bats": "bash",
}

LANGUAGES: tuple[str, ...] = tuple(_GRAMMARS)


def language_for_path(path: str) -> str | None:
    """The tree-sitter language for a file name, or None when none applies."""
    p = PurePosixPath(path.replace("\\", "/"))
    if p.name in {"Dockerfile"}:
        return None
    return _EXTENSIONS.get(p.suffix.lower())


@cache
def language(name: str) -> Language:
    """The tree-sitter Language object for ``name`` (one of :data:`LANGUAGES`)."""
    module_name, func = _GRAMMARS[name]
    module = importlib.import_module(module_name)
    return Language(getattr(module, func)())


def parser(name: str) -> Parser:
    """A new parser for ``name``; parsers are cheap, languages are cached."""
    return Parser(language(name))


_SHARED_ENTRIES = 1024
_SHARED_CHARS = 4_000_000
_shared: OrderedDict[tuple[str, str], Tree] = OrderedDict()
_shared_chars = 0
_shared_lock = threading.Lock()


def share(name: str, text: str, tree: Tree) -> None:
    """Hand ``tree`` (``text`` parsed with ``name``) to the next :func:`parse` of that text."""
    global _shared_chars
    if len(text) > _SHARED_CHARS:
        return
    key = (name, text)
    with _shared_lock:
        if _shared.pop(key, None) is not None:
            _shared_chars -= len(text)
        _shared[key] = tree
        _shared_chars += len(text)
        while len(_shared) > _SHARED_ENTRIES or _shared_chars > _SHARED_CHARS:
            (_, dropped), _ = _shared.popitem(last=False)
            _shared_chars -= len(dropped)


def _take(name: str, text: str) -> Tree | None:
    global _shared_chars
    with _shared_lock:
        tree = _shared.pop((name, text), None)
        if tree is not None:
            _shared_chars -= len(text)
    return tree


def parse(name: str, text: str) -> Tree:
    """Parse text (UTF-8) with the grammar ``name`` (or take the tree shared for it)."""
    tree = _take(name, text) if _shared else None
    return tree if tree is not None else parser(name).parse(text.encode("utf-8"))
