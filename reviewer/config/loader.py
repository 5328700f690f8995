"""Read ``.reviewer.toml`` (or ``[tool.reviewer]`` in pyproject.toml) into a ReviewerConfig."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reviewer.config.model import ReviewerConfig
from reviewer.errors import ConfigError

CONFIG_FILE = ".reviewer.toml"
PYPROJECT = "pyproject.toml"


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _validate(data: dict[str, Any], source: str) -> ReviewerConfig:
    try:
        return ReviewerConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _where(first["loc"])
        if first["type"] == "extra_forbidden":
            raise ConfigError(f"{source}: unknown key {where!r}") from None
        message = " ".join(str(first["msg"]).split())
        raise ConfigError(f"{source}: {where}: {message}") from None


def load_config_text(text: str, source: str, *, pyproject: bool = False) -> ReviewerConfig:
    """Parse configuration text. ``pyproject`` reads its ``[tool.reviewer]`` table."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise ConfigError(f"{source}: not valid TOML: nested too deeply") from None
    if pyproject:
        tool = data.get("tool", {})
        data = tool.get("reviewer", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: [tool.reviewer] must be a table")
    return _validate(data, source)


def load_config_file(path: str | Path) -> ReviewerConfig:
    """A configuration file given explicitly: ``.reviewer.toml``-style, or a pyproject.toml.

    Raises:
        ConfigError: the file cannot be read or is not a valid configuration.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{file}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read config: {exc}") from None
    return load_config_text(text, str(file), pyproject=file.name == PYPROJECT)


def load_first_config(read: Callable[[str], str | None],
                      name: Callable[[str], str]) -> tuple[ReviewerConfig, str | None]:
    """The configuration ``read`` finds, and its source: one lookup for every place files
    come from (a folder, a git revision, a repository on GitHub).

    ``read(path)`` returns a file's text, or None when there is no such file; ``name(path)``
    names it in messages. ``.reviewer.toml`` wins over a pyproject.toml with a
    ``[tool.reviewer]`` table; with neither, the defaults and None.
    """
    for path in (CONFIG_FILE, PYPROJECT):
        text = read(path)
        pyproject = path == PYPROJECT
        if text is None or (pyproject and "[tool.reviewer" not in text):
            continue
        source = name(path)
        return load_config_text(text, source, pyproject=pyproject), source
    return ReviewerConfig(), None


def load_config(root: str | Path = ".") -> tuple[ReviewerConfig, str | None]:
    """The configuration of the project at ``root`` and the file it came from.

    ``.reviewer.toml`` wins over ``pyproject.toml``; with neither, the defaults (and None).
    """
    base = Path(root)

    def read(path: str) -> str | None:
        file = base / path
        return file.read_text(encoding="utf-8") if file.is_file() else None

    return load_first_config(read, lambda path: str(base / path))
