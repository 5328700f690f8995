"""Glob matching for the configuration: file paths and resource addresses.

Paths (``paths.ignore``, ``environments.paths``) follow the familiar gitignore-like rules:
``*`` and ``?`` stay within one path segment, ``**`` spans any number of segments
(``docs/**``, ``**/generated/*.py``), ``[abc]`` is a character class, and a pattern
without a ``/`` matches the file's name in any folder (``*.md``). A pattern naming a
folder (``vendor`` or ``vendor/``) matches everything under it.

Resource addresses (``protected.resources``) are matched whole, and there ``*`` crosses
dots and slashes (``module.core.*``, ``aws_db_instance.billing*``, ``Deployment/prod/*``).
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from functools import lru_cache


def _segment(pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", i + 2 if pattern[i + 1:i + 2] in ("!", "]") else i + 1)
            if end == -1:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1:end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


@lru_cache(maxsize=1024)
def path_regex(pattern: str) -> re.Pattern[str]:
    """The compiled regular expression for a path glob (see the module docstring)."""
    text = pattern.strip().replace("\\", "/")
    anchored = text.startswith("/")
    text = text.strip("/")
    parts = text.split("/") if text else [""]
    pieces: list[str] = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "**":
            pieces.append(".*" if last else "(?:.*/)?")
        else:
            pieces.append(_segment(part) + ("" if last else "/"))
    body = "".join(pieces)
    prefix = "" if anchored or "/" in text else "(?:.*/)?"
    return re.compile(f"^{prefix}{body}(?:/.*)?$", re.DOTALL)


def match_path(path: str, pattern: str) -> bool:
    """True when a repository-relative ``path`` matches the glob ``pattern``."""
    clean = path.replace("\\", "/").lstrip("/")
    while clean.startswith("./"):
        clean = clean[2:]
    return bool(path_regex(pattern).match(clean))


def first_path_match(path: str, patterns: list[str] | tuple[str, ...]) -> str | None:
    """The first pattern ``path`` matches, or None."""
    return next((p for p in patterns if match_path(path, p)), None)


def match_address(address: str, pattern: str) -> bool:
    """True when a resource address matches an address glob (``*`` crosses dots)."""
    return fnmatchcase(address, pattern.strip())
