"""Helpers shared by the config and feature-flag detectors.

Config files have no parser of their own: these detectors read the diff. For every changed
YAML, JSON, TOML, ``.env``, ``.properties``/``.ini`` or ``.tfvars`` file, each side (old and
new) is rebuilt from the hunks and read line by line by a small tracker that knows the key
path of every ``key: value`` / ``KEY=value`` line (``production.database.pool_size``). Only
the lines the diff shows are known: a tracker that crosses a gap between hunks keeps what
the indentation (or git's hunk heading, for YAML) proves and marks unknown ancestors
``…``. Whole-document parsers are not used because hunks rarely parse on their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath

from reviewer.environments import environments_in_text
from reviewer.models import Environment
from reviewer.parsers.diff import DiffDocument, DiffLine, FileChange, Hunk

#: Placeholder for an ancestor key the diff does not show.
UNKNOWN = "…"
#: Path component of an unlabelled list item.
ITEM = "[]"

_YAML_SUFFIXES = frozenset({".yaml", ".yml"})
_FORMATS = {".json": "json", ".toml": "toml", ".properties": "properties", ".ini": "ini",
            ".cfg": "ini", ".tfvars": "hcl", ".env": "env", ".tf": "hcl"}
_SKIPPED_NAMES = frozenset({
    "package.json", "package-lock.json", "composer.json", "composer.lock", "tsconfig.json",
    "jsconfig.json", "pyproject.toml", "cargo.toml", "cargo.lock", "poetry.lock",
    "pipfile.lock", "yarn.lock", "pnpm-lock.yaml", ".pre-commit-config.yaml", "renovate.json",
    "mkdocs.yml", "mkdocs.yaml", ".golangci.yml", ".golangci.yaml", "codecov.yml",
    "dependabot.yml", ".eslintrc.json", "lerna.json", "nx.json", "angular.json",
    "deno.json", "bun.lockb", ".markdownlint.json", ".prettierrc", ".yamllint.yml",
})
#: Folders of data files that are not configuration (translations, snapshots).
_DATA_PARTS = frozenset({"locales", "locale", "i18n", "l10n", "translations", "lang",
                         "__snapshots__", "snapshots", "node_modules", "vendor"})
_TEST_PARTS = frozenset({"test", "tests", "__tests__", "spec", "specs", "fixtures", "fixture",
                         "testdata", "test-data", "mocks", "__mocks__", "e2e", "examples",
                         "example", "samples", "sample"})
_CODE_SUFFIXES = frozenset({
    ".py", ".pyi", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".go",
    ".java", ".kt", ".kts", ".scala", ".groovy", ".rb", ".erb", ".php", ".cs", ".fs",
    ".swift", ".m", ".mm", ".rs", ".c", ".cc", ".cpp", ".h", ".hpp", ".ex", ".exs", ".dart",
    ".vue", ".svelte", ".lua", ".pl", ".sh", ".bash", ".zsh", ".tpl", ".gotmpl", ".jinja",
    ".j2", ".html", ".hbs", ".twig", ".clj", ".elm", ".r", ".jl",
})
_DOC_SUFFIXES = frozenset({".md", ".rst", ".txt", ".adoc", ".markdown", ""})

_ENV_COMPONENT = re.compile(
    r"^(prod|production|prd|staging|stage|stg|preprod|pre-prod|uat|dev|development|test|"
    r"testing|qa|sandbox|sbx|preview|local)([-_.][a-z0-9-]+)?$"
)
#: Keys whose value names the environment of their siblings.
ENV_KEYS = frozenset({"environment", "env", "envkey", "environmentkey", "environmentname",
                      "stage"})
#: Keys that label a list item (``- name: new-checkout``).
_LABEL_KEYS = frozenset({"name", "key", "id", "featurename", "flagkey", "flag", "flagname"})


_SQUASH = str.maketrans("", "", " _.-\t")


@lru_cache(maxsize=8192)
def squash(text: str) -> str:
    """A key reduced for comparison: lower-case, without ``_``, ``-``, ``.`` and spaces."""
    return text.lower().translate(_SQUASH)


@lru_cache(maxsize=4096)
def is_test_path(path: str) -> bool:
    """True for files under test/fixture/example folders or named like tests."""
    parts = [p.lower() for p in PurePosixPath(path).parts]
    if any(p in _TEST_PARTS for p in parts[:-1]):
        return True
    name = parts[-1] if parts else ""
    return bool(re.match(r"^(test_.*|.*_test\.\w+|.*\.(test|spec)\.\w+)$", name))


@lru_cache(maxsize=4096)
def is_code_path(path: str) -> bool:
    """True for source files that may read config (by extension, or a Helm template)."""
    p = PurePosixPath(path)
    if p.suffix.lower() in _CODE_SUFFIXES:
        return True
    return "templates" in p.parts and p.suffix.lower() in _YAML_SUFFIXES


def is_doc_path(path: str) -> bool:
    """True for prose files (README, CHANGELOG, docs) whose mentions are not references."""
    p = PurePosixPath(path)
    return p.suffix.lower() in _DOC_SUFFIXES or "docs" in p.parts


def config_format(path: str) -> str | None:
    """The line format of a config file (``yaml``, ``json``, ``toml``, ``env``…), or None."""
    norm = path.replace("\\", "/")
    p = PurePosixPath(norm)
    name = p.name.lower()
    if name in _SKIPPED_NAMES or name.endswith(".lock"):
        return None
    if any(part.lower() in _DATA_PARTS for part in p.parts[:-1]):
        return None
    if "/.github/workflows/" in f"/{norm}" or name in (".gitlab-ci.yml", ".gitlab-ci.yaml"):
        return None
    if "templates" in p.parts and p.suffix.lower() in _YAML_SUFFIXES:
        return None  # Helm templates are code, not values
    if name == ".env" or name.startswith(".env.") or name.endswith(".env"):
        return "env"
    suffix = p.suffix.lower()
    if suffix in _YAML_SUFFIXES:
        return "yaml"
    return _FORMATS.get(suffix)


@dataclass(frozen=True, slots=True)
class Entry:
    """One ``key: value`` line of a config file, on one side of the diff."""

    #: Key path from the document root; ``…`` for unknown ancestors, ``[]`` for list items.
    path: tuple[str, ...]
    #: Scalar text without quotes or comments; None for a key that opens a mapping or list.
    value: str | None
    #: Line number on this entry's side.
    line: int
    #: ``+`` added, ``-`` removed, `` `` context.
    kind: str
    #: The line as written.
    text: str
    #: Ids of the containers around the entry (for sibling look-ups such as ``env_key``).
    scopes: tuple[int, ...] = ()
    #: For removed lines: the nearest new-side line (to point a finding at).
    anchor: int | None = None

    @property
    def key(self) -> str:
        """The last key of the path."""
        return self.path[-1] if self.path else ""

    @property
    def dotted(self) -> str:
        """The known part of the path joined with dots (list items and gaps left out)."""
        return ".".join(p for p in self.path if p not in (ITEM, UNKNOWN))


@dataclass(slots=True)
class ConfigFile:
    """One changed config file read on both sides."""

    change: FileChange
    fmt: str
    old: list[Entry] = field(default_factory=list)
    new: list[Entry] = field(default_factory=list)
    #: Container id → value of an environment key inside it (per side).
    old_envs: dict[int, str] = field(default_factory=dict)
    new_envs: dict[int, str] = field(default_factory=dict)
    #: Value of a root-level ``key``/``name`` (a single-flag export names its flag there).
    root_name: str | None = None

    @property
    def path(self) -> str:
        """The repository path of the file."""
        return self.change.path

    @property
    def removed(self) -> list[Entry]:
        """Entries on removed lines."""
        return [e for e in self.old if e.kind == "-"]

    @property
    def added(self) -> list[Entry]:
        """Entries on added lines."""
        return [e for e in self.new if e.kind == "+"]

    def environments(self, entry: Entry, side: str) -> set[Environment]:
        """Environments the entry applies to: from its keys, env siblings, or the file path."""
        envs: set[Environment] = set()
        for comp in entry.path[:-1]:
            if _ENV_COMPONENT.match(comp.lower()):
                envs |= environments_in_text(comp)
        table = self.old_envs if side == "old" else self.new_envs
        for scope in entry.scopes:
            value = table.get(scope)
            if value is not None:
                envs |= environments_in_text(value)
        if not envs:
            envs = environments_in_text(self.path)
        return envs


# ============================================================================ trackers


class _Tracker:
    """Reads one side of a file line by line and yields the entries of each line."""

    def __init__(self) -> None:
        self.serial = 0

    def new_scope(self) -> int:
        self.serial += 1
        return self.serial

    def gap(self, section: str) -> None:
        """The lines that follow are not next to the previous ones."""

    def feed(self, text: str) -> list[tuple[tuple[str, ...], str | None, tuple[int, ...]]]:
        """(path, value, scopes) for each key on the line."""
        raise NotImplementedError


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _strip_comment(value: str, marker: str = "#") -> str:
    """A value without a trailing comment (a marker inside quotes is kept)."""
    value = value.strip()
    if value and value[0] in "\"'":
        quote = value[0]
        end = value.find(quote, 1)
        if end > 0:
            return value[: end + 1]
    cut = value.find(" " + marker)
    return value[:cut].rstrip() if cut >= 0 else value


_YAML_KEY = re.compile(
    r"""^(?P<key>"[^"]*"|'[^']*'|[^\s#"'{}\[\],&*!|>%@`][^#]*?)\s*:(?:[ \t]+(?P<val>.*))?$"""
)


class _YamlTracker(_Tracker):
    def __init__(self) -> None:
        super().__init__()
        #: (indent, name, is_item, scope)
        self.stack: list[tuple[int, str, bool, int]] = []
        self.block: int | None = None
        self.after_gap = False
        self.unit = 2

    def gap(self, section: str) -> None:
        self.block = None
        self.stack = [e for e in self.stack if e[0] == 0 and not e[2]]
        match = _YAML_KEY.match(section.strip()) if section and not section[0].isspace() \
            else None
        if match and not (match.group("val") or "").strip():
            name = _unquote(match.group("key"))
            if not self.stack or self.stack[0][1] != name:
                self.stack = [(0, name, False, self.new_scope())]
        self.after_gap = True

    def _scopes(self) -> tuple[int, ...]:
        return tuple(e[3] for e in self.stack)

    def _path(self) -> tuple[str, ...]:
        return tuple(e[1] for e in self.stack)

    def feed(self, text: str) -> list[tuple[tuple[str, ...], str | None, tuple[int, ...]]]:
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            return []
        indent = len(text) - len(text.lstrip(" "))
        if self.block is not None:
            if indent > self.block:
                return []
            self.block = None
        if stripped in ("---", "..."):
            self.stack = []
            return []
        if indent and indent < self.unit:
            self.unit = indent
        if self.after_gap:
            self.after_gap = False
            top = self.stack[-1][0] if self.stack else -1
            if indent > top + self.unit and indent > 0:
                self.stack.append((indent - 1, UNKNOWN, False, self.new_scope()))
        body = stripped
        first_in_item = False
        while body == "-" or body.startswith("- "):
            while self.stack and (self.stack[-1][0] > indent
                                  or (self.stack[-1][0] == indent and self.stack[-1][2])):
                self.stack.pop()
            self.stack.append((indent, ITEM, True, self.new_scope()))
            rest = body[1:].lstrip(" ")
            indent += len(body) - len(rest)
            body = rest
            first_in_item = True
        if not body:
            return []
        match = _YAML_KEY.match(body)
        if match is None:
            if first_in_item:  # a scalar list item
                return [(self._path(), _unquote(_strip_comment(body)), self._scopes())]
            return []
        while self.stack and self.stack[-1][0] >= indent:
            self.stack.pop()
        key = _unquote(match.group("key"))
        raw = (match.group("val") or "").strip()
        value = _strip_comment(raw) if raw else ""
        for prefix in ("&", "!"):
            while value.startswith(prefix):
                value = value.split(None, 1)[1] if " " in value else ""
        if first_in_item and squash(key) in _LABEL_KEYS and value and value[:1] not in "|>[{":
            depth, _, is_item, scope = self.stack[-1]
            if is_item:
                self.stack[-1] = (depth, _unquote(value), True, scope)
        if not value:
            scopes = self._scopes()
            path = (*self._path(), key)
            self.stack.append((indent, key, False, self.new_scope()))
            return [(path, None, scopes)]
        if value[:1] in "|>":
            self.block = indent
        return [((*self._path(), key), _unquote(value), self._scopes())]


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')


class _JsonTracker(_Tracker):
    def __init__(self) -> None:
        super().__init__()
        #: [name, kind '{' or '[', content indent or -1, scope]
        self.stack: list[list[object]] = []
        self.after_gap = False

    def gap(self, section: str) -> None:
        self.after_gap = True

    def _path(self) -> tuple[str, ...]:
        return tuple(str(e[0]) for e in self.stack)

    def _scopes(self) -> tuple[int, ...]:
        return tuple(int(str(e[3])) for e in self.stack)

    def _align(self, indent: int) -> None:
        """Re-synchronise the stack with the indentation after a gap."""
        while len(self.stack) > 1 and int(str(self.stack[-1][2])) > indent >= 0:
            self.stack.pop()
        top = self.stack[-1] if self.stack else None
        if top is None or 0 <= int(str(top[2])) < indent:
            self.stack.append([UNKNOWN, "{", indent, self.new_scope()])

    def feed(self, text: str) -> list[tuple[tuple[str, ...], str | None, tuple[int, ...]]]:
        stripped = text.strip()
        if not stripped or stripped.startswith("//"):
            return []
        indent = len(text) - len(text.lstrip())
        if self.after_gap:
            self.after_gap = False
            if stripped[0] not in "}]":
                self._align(indent)
        if self.stack and int(str(self.stack[-1][2])) < 0 and stripped[0] not in "}]":
            self.stack[-1][2] = indent
        out: list[tuple[tuple[str, ...], str | None, tuple[int, ...]]] = []
        tokens = _JSON_TOKEN.findall(stripped)
        pending: str | None = None
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok in "{[":
                top = self.stack[-1] if self.stack else None
                name = pending if pending is not None else (ITEM if top is not None else "")
                if pending is not None:
                    out.append(((*self._path(), pending), None, self._scopes()))
                if name:
                    self.stack.append([name, tok, -1, self.new_scope()])
                else:
                    self.stack.append(["", tok, -1, self.new_scope()])
                pending = None
            elif tok in "}]":
                if self.stack:
                    self.stack.pop()
                pending = None
            elif tok in ":,":
                pass
            elif i + 1 < len(tokens) and tokens[i + 1] == ":" and tok.startswith('"'):
                pending = _unquote(tok)
                i += 1
            else:
                value = _unquote(tok)
                key = pending if pending is not None else ITEM
                out.append(((*self._path(), key), value, self._scopes()))
                if pending is not None and squash(pending) in _LABEL_KEYS and len(self.stack) \
                        >= 2 and self.stack[-1][0] == ITEM:
                    self.stack[-1][0] = value
                pending = None
            i += 1
        return [(tuple(p for p in path if p), value, scopes) for path, value, scopes in out]


_ASSIGN = re.compile(r"""^(?P<key>"[^"]+"|'[^']+'|[\w.\-/$@]+)\s*(?P<op>=|:)\s*(?P<val>.*)$""")
_TOML_TABLE = re.compile(r"^\[\[?\s*(?P<name>[^\]]+?)\s*\]\]?\s*(#.*)?$")
_HCL_BLOCK = re.compile(r"""^(?P<type>[\w-]+)((?:\s+"[^"]*"|\s+[\w-]+)*)\s*\{\s*$""")


def _split_dotted(key: str) -> tuple[str, ...]:
    parts = re.findall(r'"[^"]*"|\'[^\']*\'|[^.]+', key)
    return tuple(_unquote(p.strip()) for p in parts if p.strip())


class _TomlTracker(_Tracker):
    def __init__(self) -> None:
        super().__init__()
        self.prefix: tuple[str, ...] = ()
        self.scope = 0
        self.multiline: str | None = None

    def feed(self, text: str) -> list[tuple[tuple[str, ...], str | None, tuple[int, ...]]]:
        stripped = text.strip()
        if self.multiline is not None:
            if self.multiline in stripped:
                self.multiline = None
            return []
        if not stripped or stripped.startswith("#"):
            return []
        table = _TOML_TABLE.match(stripped)
        if table:
            self.prefix = _split_dotted(table.group("name"))
            if stripped.startswith("[["):
                self.prefix = (*self.prefix, ITEM)
            self.scope = self.new_scope()
            return [(self.prefix, None, (self.scope,))]
        match = _ASSIGN.match(stripped)
        if match is None or match.group("op") != "=":
            return []
        value = _strip_comment(match.group("val"))
        for opener, closer in (('"""', '"""'), ("'''", "'''"), ("[", "]")):
            if value.startswith(opener) and closer not in value[len(opener):]:
                self.multiline = closer
                break
        path = (*self.prefix, *_split_dotted(match.group("key")))
        return [(path, _unquote(value), (self.scope,))]


class _LineTracker(_Tracker):
    """``.env``, ``.properties`` and ``.ini``: one ``KEY=value`` per line, ini sections."""

    def __init__(self, fmt: str) -> None:
        super().__init__()
        self.fmt = fmt
        self.section: tuple[str, ...] = ()
        self.scope = 0

    def feed(self, text: str) -> list[tuple[tuple[str, ...], str | None, tuple[int, ...]]]:
        stripped = text.strip()
        if not stripped or stripped[0] in "#;!":
            return []
        if self.fmt == "ini" and stripped.startswith("[") and stripped.endswith("]"):
            self.section = (stripped[1:-1].strip(),)
            self.scope = self.new_scope()
            return [(self.section, None, (self.scope,))]
        if self.fmt == "env" and stripped.startswith("export "):
            stripped = stripped[7:].lstrip()
        match = _ASSIGN.match(stripped)
        if match is None or (self.fmt == "env" and match.group("op") != "="):
            return []
        key = _unquote(match.group("key"))
        value = _unquote(_strip_comment(match.group("val")))
        path = (*self.section, *key.split(".")) if self.fmt == "properties" else \
            (*self.section, key)
        return [(path, value, (self.scope,))]


class _HclTracker(_Tracker):
    """``.tfvars`` and the few ``.tf`` blocks the flag detectors read."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, int]] = []

    def gap(self, section: str) -> None:
        self.stack = []
        match = _HCL_BLOCK.match(section.strip()) if section else None
        if match:
            self.stack = [(self._block_name(section.strip()), self.new_scope())]

    @staticmethod
    def _block_name(line: str) -> str:
        words = re.findall(r'"([^"]*)"|([\w-]+)', line.rstrip("{ ").strip())
        names = [a or b for a, b in words]
        if names and names[0] in ("resource", "data", "module") and len(names) >= 2:
            return ".".join(names[1:])
        return ".".join(names)

    def feed(self, text: str) -> list[tuple[tuple[str, ...], str | None, tuple[int, ...]]]:
        stripped = text.strip()
        if not stripped or stripped.startswith(("#", "//")):
            return []
        path = tuple(name for name, _ in self.stack)
        scopes = tuple(scope for _, scope in self.stack)
        if stripped[0] in "}]":
            if self.stack:
                self.stack.pop()
            return []
        if _HCL_BLOCK.match(stripped) and "=" not in stripped:
            self.stack.append((self._block_name(stripped), self.new_scope()))
            return [((*path, self.stack[-1][0]), None, scopes)]
        match = _ASSIGN.match(stripped)
        if match is None or match.group("op") != "=":
            return []
        key = _unquote(match.group("key"))
        value = _strip_comment(match.group("val"), "#")
        if value in ("{", "["):
            self.stack.append((key, self.new_scope()))
            return [((*path, key), None, scopes)]
        return [((*path, key), _unquote(value), scopes)]


def _tracker(fmt: str) -> _Tracker:
    if fmt == "yaml":
        return _YamlTracker()
    if fmt == "json":
        return _JsonTracker()
    if fmt == "toml":
        return _TomlTracker()
    if fmt == "hcl":
        return _HclTracker()
    return _LineTracker(fmt)


# ============================================================================ reading


def _side_lines(hunk: Hunk, side: str) -> Iterator[tuple[DiffLine, int, int | None]]:
    """(line, number on the side, anchor new-side line) for one side of a hunk."""
    wanted = (" ", "+") if side == "new" else (" ", "-")
    lines = hunk.lines
    next_new: list[int | None] = [None] * len(lines)
    following: int | None = None
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].new_lineno is not None:
            following = lines[index].new_lineno
        next_new[index] = following
    previous_new: int | None = None
    for index, line in enumerate(lines):
        if line.new_lineno is not None:
            previous_new = line.new_lineno
        if line.kind not in wanted:
            continue
        number = line.new_lineno if side == "new" else line.old_lineno
        if number is None:
            continue
        anchor = line.new_lineno if line.new_lineno is not None else (
            next_new[index] if next_new[index] is not None else previous_new)
        yield line, number, anchor


def _read_side(change: FileChange, fmt: str, side: str) -> tuple[list[Entry], dict[int, str]]:
    tracker = _tracker(fmt)
    entries: list[Entry] = []
    envs: dict[int, str] = {}
    last: int | None = None
    for hunk in change.hunks:
        for line, number, anchor in _side_lines(hunk, side):
            if (last is None and number > 1) or (last is not None and number != last + 1):
                tracker.gap(hunk.section)
            last = number
            for path, value, scopes in tracker.feed(line.text):
                entry = Entry(path, value, number, line.kind, line.text, scopes, anchor)
                entries.append(entry)
                if value is not None and squash(entry.key) in ENV_KEYS and scopes:
                    envs[scopes[-1]] = value
    return entries, envs


def read_config_file(change: FileChange, fmt: str | None = None) -> ConfigFile | None:
    """Both sides of one changed config file, or None when it is not a config file."""
    fmt = fmt or config_format(change.path)
    if fmt is None or change.is_binary or not change.hunks:
        return None
    if fmt == "yaml" and _looks_like_manifest(change):
        return None
    old, old_envs = _read_side(change, fmt, "old")
    new, new_envs = _read_side(change, fmt, "new")
    root_name = next((e.value for e in (*new, *old)
                      if len(e.path) == 1 and e.value and e.path[0] in ("key", "name")), None)
    return ConfigFile(change, fmt, old, new, old_envs, new_envs, root_name)


def _looks_like_manifest(change: FileChange) -> bool:
    """Kubernetes manifests belong to the kubernetes detectors."""
    name = PurePosixPath(change.path).name.lower()
    if name.startswith("values") or "chart" in name:
        return False
    head = [line.text for hunk in change.hunks[:2] for line in hunk.lines[:40]]
    if any(t.startswith("apiVersion:") for t in head) and any(
            t.startswith("kind:") for t in head):
        return True
    return any(h.section.startswith(("spec:", "kind:", "apiVersion:", "metadata:"))
               for h in change.hunks)


#: The last diff read and its config files: the four detectors of this family read the same
#: diff one after the other, so it is read once. Documents are immutable; the slot is
#: checked by identity.
_LAST: list[tuple[DiffDocument, tuple[ConfigFile, ...]]] = []


def _read_all(diff: DiffDocument) -> tuple[ConfigFile, ...]:
    slot = _LAST[0] if _LAST else None
    if slot is not None and slot[0] is diff:
        return slot[1]
    found: list[ConfigFile] = []
    for change in diff.files:
        fmt = config_format(change.path)
        if fmt is None:
            continue
        if change.path.endswith(".tf") and not _mentions_flags(change):
            continue
        cfg = read_config_file(change, fmt)
        if cfg is not None:
            found.append(cfg)
    result = tuple(found)
    _LAST[:] = [(diff, result)]
    return result


def config_files(diff: DiffDocument, *, include_tf: bool = False) -> Iterator[ConfigFile]:
    """Every changed config file of the diff, read on both sides (``.tf`` files only for
    ``include_tf``, and only when they hold LaunchDarkly flag resources)."""
    for cfg in _read_all(diff):
        if include_tf or not cfg.path.endswith(".tf"):
            yield cfg


def _mentions_flags(change: FileChange) -> bool:
    return any("launchdarkly_feature_flag" in line.text or
               "launchdarkly_feature_flag" in hunk.section
               for hunk in change.hunks for line in hunk.lines)


def pair_changes(cfg: ConfigFile) -> Iterator[tuple[Entry, Entry]]:
    """(removed, added) entries with the same key path and different scalar values."""
    removed: dict[tuple[str, ...], list[Entry]] = {}
    for entry in cfg.removed:
        if entry.value is not None:
            removed.setdefault(entry.path, []).append(entry)
    for entry in cfg.added:
        if entry.value is None:
            continue
        olds = removed.get(entry.path)
        if not olds:
            continue
        old = olds.pop(0)
        if old.value != entry.value:
            yield old, entry


def new_side_lines(diff: DiffDocument,
                   skip: Iterable[str] = ()) -> Iterator[tuple[FileChange, DiffLine]]:
    """Added and context lines of every file (new side), except the paths in ``skip``."""
    skipped = set(skip)
    for change in diff.files:
        if change.path in skipped or change.is_binary or change.status == "deleted":
            continue
        for hunk in change.hunks:
            for line in hunk.lines:
                if line.kind != "-" and line.new_lineno is not None:
                    yield change, line


def env_class(envs: set[Environment]) -> str:
    """``prod``, ``nonprod`` or ``unknown`` for a set of environments."""
    if Environment.PROD in envs:
        return "prod"
    return "nonprod" if envs else "unknown"


_TOKEN = re.compile(
    r"\b(AKIA|ASIA)[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}"
    r"|\bxox[abprs]-[A-Za-z0-9-]{10,}|\b[sr]k_(live|test)_[A-Za-z0-9]{10,}"
    r"|\bglpat-[A-Za-z0-9_-]{16,}"
    r"|(?<![A-Za-z0-9+/=_-])(?=[A-Za-z0-9+/_-]*?\d)(?=[A-Za-z0-9+/_-]*?[a-z])"
    r"(?=[A-Za-z0-9+/_-]*?[A-Z])[A-Za-z0-9+/_-]{32,}={0,2}(?![A-Za-z0-9+/=_-])"
)


def mask(text: str) -> str:
    """Text with token-like values (cloud keys, PATs, long random strings) masked."""
    return _TOKEN.sub(lambda m: m.group(0)[:4] + "…[masked]", text)


def trim(text: str, limit: int = 200) -> str:
    """One line of evidence, at most ``limit`` characters, token-like values masked."""
    text = mask(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


_SECRET_KEY = re.compile(r"(secret|password|passwd|pwd|token|api[-_]?key|private[-_]?key|"
                         r"credential|auth)", re.IGNORECASE)
_PLAIN = re.compile(r"^(-?\d+(\.\d+)?[a-zA-Z%]{0,3}|true|false|yes|no|on|off|null|none)$",
                    re.IGNORECASE)
_URL_CREDENTIALS = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")


def safe_value(key: str, value: str | None) -> str:
    """A value fit for evidence: secrets masked, credentials in URLs removed."""
    if value is None:
        return "(mapping)"
    if _SECRET_KEY.search(key) and value and not _PLAIN.match(value) \
            and not value.startswith(("${", "{{", "$(")):
        return value[:2] + "…[masked]" if len(value) > 4 else "[masked]"
    return _URL_CREDENTIALS.sub(r"\1[masked]@", value)
