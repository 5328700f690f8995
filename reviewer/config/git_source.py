"""Read the configuration as it is at a git revision (the base branch of a pull request).

The CI gate reviews a pull request with the settings of the branch it merges into, so a
change cannot weaken its own gate: ``.reviewer.toml`` (or ``[tool.reviewer]`` in
pyproject.toml) is read with ``git show <rev>:<path>``, never from the working tree.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from reviewer.config.loader import load_first_config
from reviewer.config.model import ReviewerConfig
from reviewer.errors import GitError

_GIT_TIMEOUT_S = 60.0


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", str(repo), *args],
            capture_output=True, check=False, timeout=_GIT_TIMEOUT_S,
        )
    except FileNotFoundError:
        raise GitError("git is not installed (needed to read the config at a revision)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} in {repo} timed out") from None


def _exists(repo: Path, rev: str, path: str) -> bool:
    done = _git(repo, "ls-tree", "--name-only", rev, "--", path)
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"cannot read revision {rev!r} in {repo}: "
                       f"{err[0] if err else 'git ls-tree failed'}")
    return bool(done.stdout.strip())


def _show(repo: Path, rev: str, path: str) -> str:
    done = _git(repo, "show", f"{rev}:{path}")
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"cannot read {rev}:{path}: {err[0] if err else 'git show failed'}")
    try:
        return done.stdout.decode("utf-8")
    except UnicodeDecodeError:
        from reviewer.errors import ConfigError

        raise ConfigError(f"{rev}:{path}: not UTF-8 text") from None


def load_config_at(repo: str | Path, rev: str) -> tuple[ReviewerConfig, str | None]:
    """The configuration committed at ``rev`` in ``repo``, and where it came from.

    ``.reviewer.toml`` wins over ``[tool.reviewer]`` in pyproject.toml, as in
    :func:`reviewer.config.load_config`. With neither at ``rev``: the defaults and None.
    The source is named ``"<rev>:<path>"``.

    Raises:
        ConfigError: the file at ``rev`` is not valid (the message names ``rev:path`` and
            the key).
        GitError: ``rev`` is not a revision of ``repo`` or git cannot run.
    """
    if not rev or rev.startswith("-"):
        raise GitError(f"bad revision {rev!r} for reading the reviewer config")
    base = Path(repo)
    return load_first_config(
        lambda path: _show(base, rev, path) if _exists(base, rev, path) else None,
        lambda path: f"{rev}:{path}")
