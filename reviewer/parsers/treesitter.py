"""Tree-sitter languages, loaded lazily from the grammar wheels and cached.

Each grammar is its own PyPI wheel (``tree-sitter-python``, ``tree-sitter-hcl``…); this
module is the only place that knows their import names.
"""

from __future__ import annotations

import importlib
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


def parse(name: str, text: str) -> Tree:
    """Parse text (UTF-8) with the grammar ``name``."""
    return parser(name).parse(text.encode("utf-8"))
