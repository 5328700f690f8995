"""CFG004: a config key or environment variable is removed while code still reads it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from reviewer.detectors.base import Detector
from reviewer.detectors.config._common import (
    ITEM,
    UNKNOWN,
    config_files,
    is_code_path,
    is_test_path,
    new_side_lines,
    trim,
)
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.diff import DiffDocument

_Q = r"""(?P<q>["'`])"""
_N = r"""(?P<name>[A-Za-z_][\w.\-:]*)(?P=q)"""
#: Reads of configuration in code. ``default`` matches when the read supplies a fallback.
_READS: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p in (
    # Python
    r"os\.environ\[\s*" + _Q + _N + r"\s*\]",
    r"(?:os\.environ\.get|os\.getenv|(?<![\w.])getenv)\(\s*" + _Q + _N + r"\s*(?P<default>,)?",
    r"(?<![\w.$])env(?:\.\w+)?\(\s*" + _Q + _N + r"\s*(?P<default>,)?",
    # JavaScript / TypeScript
    r"process\.env\.(?P<name>[A-Za-z_]\w*)(?P<default>\s*(?:\|\||\?\?))?",
    r"process\.env\[\s*" + _Q + _N + r"\s*\](?P<default>\s*(?:\|\||\?\?))?",
    r"import\.meta\.env\.(?P<name>[A-Za-z_]\w*)(?P<default>\s*(?:\|\||\?\?))?",
    # Java / Kotlin / Spring
    r"System\.getenv\(\s*" + _Q + _N + r"\s*\)",
    r"getProperty\(\s*" + _Q + _N + r"\s*(?P<default>,)?",
    r"@Value\(\s*\"\$\{(?P<name>[\w.\-]+)(?P<default>:[^}]*)?\}",
    # Go
    r"os\.Getenv\(\s*" + _Q + _N + r"\s*\)",
    r"viper\.(?:Get|MustGet)\w*\(\s*" + _Q + _N + r"\s*\)",
    # Ruby
    r"ENV\[\s*" + _Q + _N + r"\s*\](?P<default>\s*\|\|)?",
    r"ENV\.fetch\(\s*" + _Q + _N + r"\s*(?P<default>,|\)\s*\{)?",
    # Rust
    r"env::var(?:_os)?\(\s*" + _Q + _N + r"\s*\)(?P<default>\s*\.unwrap_or)?",
    # C# / .NET
    r"Environment\.GetEnvironmentVariable\(\s*" + _Q + _N + r"\s*\)(?P<default>\s*\?\?)?",
    r"Configuration\[\s*" + _Q + _N + r"\s*\](?P<default>\s*\?\?)?",
    r"GetValue<[\w?]+>\(\s*" + _Q + _N + r"\s*(?P<default>,)?",
    # PHP
    r"\$_ENV\[\s*" + _Q + _N + r"\s*\](?P<default>\s*\?\?)?",
    # Helm templates
    r"(?P<default>default\s+\S+\s+)?\.Values\.(?P<name>[\w.]+)(?P<default2>\s*\|\s*default)?",
    # node-config
    r"config\.get\(\s*" + _Q + _N + r"\s*\)",
))
_SHELL_READ = re.compile(r"\$\{(?P<name>[A-Za-z_]\w*)(?P<default>:?[-=+?][^}]*)?\}")
_SHELL_SUFFIXES = frozenset({".sh", ".bash", ".zsh"})
_SET_DEFAULT = re.compile(r"SetDefault\(\s*\"(?P<name>[\w.\-]+)\"")
_EXAMPLE = re.compile(r"(example|sample|template|dist)$", re.IGNORECASE)


def normalize(name: str) -> str:
    """A key as compared: ``spring.datasource.url`` == ``SPRING_DATASOURCE_URL``."""
    return re.sub(r"[.\-:]", "_", name).upper()


@dataclass(slots=True)
class _Removed:
    name: str
    path: str
    example: bool


def _reads(path: str, text: str) -> Iterator[tuple[str, bool]]:
    """(key, has a default) for each config read on a code line."""
    for pattern in _READS:
        for match in pattern.finditer(text):
            groups = match.groupdict()
            default = bool(groups.get("default")) or bool(groups.get("default2"))
            yield match.group("name"), default
    if PurePosixPath(path).suffix.lower() in _SHELL_SUFFIXES:
        for match in _SHELL_READ.finditer(text):
            yield match.group("name"), bool(match.group("default"))


class ConfigKeyRemovedStillRead(Detector[DiffDocument]):
    """A config key or environment variable is removed while code in the change still reads it.

    ## What it detects
    A key deleted from a `.env` file, a `.properties`/`.ini`/TOML/YAML/JSON config file or a
    Helm values file (and present in no other config file of the change) while added or
    unchanged code lines of the same diff read it without a default:
    `os.environ["X"]`, `os.getenv("X")`, `process.env.X`, `System.getenv("X")`,
    `viper.GetString("x.y")`, `ENV["X"]`, `env::var("X")`, `Configuration["a:b"]`,
    `@Value("${a.b}")`, `.Values.a.b` in Helm templates, `${X}` in shell scripts. Dotted keys
    match their environment-variable spelling (`spring.datasource.url` ~
    `SPRING_DATASOURCE_URL`). Reads with a fallback (`os.getenv("X", "d")`,
    `process.env.X ?? "d"`, `| default`) are not reported; keys removed only from
    `.env.example`-style files are `low`.

    ## Why is this risky?
    The code deploys fine and fails when it reaches the read: a `KeyError` at startup, an
    `undefined` URL at the first request, or a Helm chart that renders an empty value. Config
    and code often ship through different pipelines, so the mismatch shows up only in
    production.

    ## Example
    ```diff
    diff --git a/.env.production b/.env.production
    --- a/.env.production
    +++ b/.env.production
    @@ -1,3 +1,2 @@
     DATABASE_URL=postgres://db.internal/app
    -REDIS_URL=redis://cache.internal:6379
     LOG_LEVEL=info
    diff --git a/app/cache.py b/app/cache.py
    --- a/app/cache.py
    +++ b/app/cache.py
    @@ -1,3 +1,3 @@
     import os
    -client = Redis.from_url(os.environ["REDIS_URL"], timeout=5)
    +client = Redis.from_url(os.environ["REDIS_URL"], timeout=2)
     log = logging.getLogger(__name__)
    ```

    ## Safer alternative
    Stop reading the key first (or give the read a default), then remove it:
    ```diff
    diff --git a/.env.production b/.env.production
    --- a/.env.production
    +++ b/.env.production
    @@ -1,3 +1,2 @@
     DATABASE_URL=postgres://db.internal/app
    -REDIS_URL=redis://cache.internal:6379
     LOG_LEVEL=info
    diff --git a/app/cache.py b/app/cache.py
    --- a/app/cache.py
    +++ b/app/cache.py
    @@ -1,3 +1,3 @@
     import os
    -client = Redis.from_url(os.environ["REDIS_URL"], timeout=5)
    +client = Redis.from_url(os.getenv("REDIS_URL", "redis://localhost:6379"), timeout=2)
     log = logging.getLogger(__name__)
    ```

    ## References
    - Heuristic; django-migration-linter's "old code against the new schema" principle
      applied to configuration
    - The Twelve-Factor App, III. Config
    """

    code = "CFG004"
    name = "config-key-removed-still-read"
    family = "config"
    kinds = (InputKind.DIFF,)
    severity = Severity.MEDIUM
    remediation = (
        "Keep the key until no deployed code reads it, or make the code tolerate its absence "
        "(a default) in an earlier change; rename keys with a fallback to the old name."
    )

    def detect(self, doc: DiffDocument) -> Iterator[Finding]:
        removed: dict[str, _Removed] = {}
        present: set[str] = set()
        config_paths: list[str] = []
        for cfg in config_files(doc):
            if is_test_path(cfg.path) or cfg.path.endswith(".tf"):
                continue
            config_paths.append(cfg.path)
            example = bool(_EXAMPLE.search(PurePosixPath(cfg.path).name.split(".")[-1])) or \
                bool(_EXAMPLE.search(PurePosixPath(cfg.path).stem))
            for entry in cfg.new:
                present.add(normalize(entry.dotted))
            for entry in cfg.removed:
                if UNKNOWN in entry.path or not entry.dotted:
                    continue
                if cfg.fmt not in ("env", "properties", "ini") and entry.path[0] == ITEM:
                    continue
                key = normalize(entry.dotted)
                if key not in removed or (removed[key].example and not example):
                    removed[key] = _Removed(entry.dotted, cfg.path, example)
        for key in present:
            removed.pop(key, None)
        if not removed:
            return
        yield from self._reads(doc, removed, config_paths)

    def _reads(self, doc: DiffDocument, removed: dict[str, _Removed],
               config_paths: list[str]) -> Iterator[Finding]:
        names = {r.name.lower() for r in removed.values()} | {k.lower() for k in removed}
        defaults: set[str] = set()
        hits: dict[str, tuple[str, int, str]] = {}
        for change, line in new_side_lines(doc, skip=config_paths):
            text = line.text
            if not is_code_path(change.path) or is_test_path(change.path) \
                    or line.new_lineno is None:
                continue
            lowered = text.lower()
            if not any(n in lowered for n in names):
                continue
            for match in _SET_DEFAULT.finditer(text):
                defaults.add(normalize(match.group("name")))
            for name, default in _reads(change.path, text):
                key = normalize(name)
                if key not in removed:
                    continue
                if default:
                    defaults.add(key)
                    continue
                hits.setdefault(key, (change.path, line.new_lineno, text))
        for key, (path, line_no, text) in hits.items():
            if key in defaults:
                continue
            gone = removed[key]
            yield self.finding(
                f"{path}: reads {gone.name}, which the change removes from {gone.path}",
                Location(path=path, line=line_no), evidence=trim(text.strip()),
                severity=Severity.LOW if gone.example else None,
                confidence=Confidence.LOW if gone.example else None)
