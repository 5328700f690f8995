"""SH006: git commands that rewrite or delete history (force push, reset --hard, filter-repo)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from reviewer.detectors.base import Detector
from reviewer.detectors.shell._common import Cli, commands, parse_cli
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.shell import ShellScript
from reviewer.parsers.workflow import Workflow

_GIT_GLOBAL_VALUE_OPTS = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace",
                                    "--exec-path", "--config-env"})
_PUSH_VALUE_OPTS = frozenset({"-o", "--push-option", "--repo", "--receive-pack", "--exec"})
#: Branches whose history others build on.
_PROTECTED = re.compile(r"^(refs/heads/)?(main|master|trunk|develop|production|prod"
                        r"|release([/-].*)?|releases/.*|stable)$")
#: Branches that tooling rewrites by design (published docs and sites).
_PUBLISHED = re.compile(r"^(refs/heads/)?(gh-pages|pages|docs-site|site)$")


@dataclass(frozen=True, slots=True)
class _Op:
    what: str
    severity: Severity
    confidence: Confidence = Confidence.HIGH


def _short_flag(cli: Cli, letter: str) -> bool:
    return f"-{letter}" in cli.options


def _refspec_target(spec: str) -> str:
    """The remote ref of a refspec (``+a:b`` → ``b``; ``:b`` → ``b``; ``HEAD`` → ``HEAD``)."""
    spec = spec.lstrip("+")
    return spec.split(":", 1)[1] if ":" in spec else spec


def _push(cli: Cli) -> _Op | None:
    if cli.has("-n", "--dry-run"):
        return None
    words = cli.positionals
    refspecs = words[2:]
    lease = cli.has("--force-with-lease", "--force-if-includes")
    force = cli.has("--force") or _short_flag(cli, "f") or any(r.startswith("+")
                                                              for r in refspecs)
    if cli.has("--mirror"):
        return _Op("git push --mirror overwrites and deletes every remote ref to match the "
                   "local repository", Severity.HIGH)
    deleted = [_refspec_target(r) for r in refspecs if r.startswith(":")]
    if cli.has("--delete", "-d"):
        deleted += refspecs
    protected_deleted = [r for r in deleted if _PROTECTED.match(r)]
    if protected_deleted:
        return _Op(f"git push deletes the protected branch {', '.join(protected_deleted)}",
                   Severity.HIGH)
    if not force or (lease and not cli.has("--force") and not _short_flag(cli, "f")
                     and not any(r.startswith("+") for r in refspecs)):
        return None
    targets = [_refspec_target(r) for r in refspecs if not r.startswith(":")]
    if cli.has("--tags") or any(t.startswith("refs/tags/") for t in targets):
        return _Op("git push --force rewrites tags on the remote", Severity.MEDIUM,
                   Confidence.MEDIUM)
    if targets and all(_PUBLISHED.match(t) for t in targets):
        return _Op(f"git push --force rewrites the published branch {', '.join(targets)}",
                   Severity.MEDIUM, Confidence.MEDIUM)
    protected = [t for t in targets if _PROTECTED.match(t)]
    if protected:
        return _Op(f"git push --force rewrites the history of {', '.join(protected)}",
                   Severity.HIGH)
    where = ", ".join(targets) if targets else "the current branch"
    return _Op(f"git push --force (not --force-with-lease) overwrites the remote history of "
               f"{where}", Severity.HIGH)


def _operation(rest: Cli, in_ci: bool) -> _Op | None:
    """The risky git operation; ``rest``: the whole command line after ``git`` (global and
    sub-command options together, which git's own option names never confuse here)."""
    words = rest.positionals
    if not words:
        return None
    sub = words[0]
    if sub == "push":
        return _push(rest)
    if sub in ("filter-branch", "filter-repo"):
        if rest.has("--analyze", "--dry-run"):
            return None
        return _Op(f"git {sub} rewrites every commit of the repository's history", Severity.HIGH)
    if in_ci:
        return None  # reset/clean/branch -D only touch the runner's throw-away checkout
    if sub == "reset" and rest.has("--hard"):
        return _Op("git reset --hard discards uncommitted work and moves the branch",
                   Severity.HIGH)
    if sub == "clean" and (rest.has("--force") or _short_flag(rest, "f")) \
            and not rest.has("-n", "--dry-run"):
        extra = " including ignored files" if _short_flag(rest, "x") else ""
        return _Op(f"git clean -f deletes untracked files{extra}", Severity.HIGH)
    if sub == "branch" and (_short_flag(rest, "D") or (
            rest.has("-d", "--delete") and (rest.has("--force") or _short_flag(rest, "f")))):
        names = rest.positionals[1:]
        return _Op(f"git branch -D force-deletes {', '.join(names) or 'a branch'} with its "
                   "unmerged commits", Severity.HIGH)
    return None


class GitHistoryDestruction(Detector[ShellScript | Workflow]):
    """A script or CI step force-pushes, deletes protected branches or rewrites git history.

    ## What it detects
    `git push --force`/`-f`/`+refspec` without `--force-with-lease`, `git push --mirror`,
    `git push --delete`/`:branch` of `main`, `master`, `release*`, `develop`,
    `production`; `git filter-branch` and `git filter-repo`; and, in scripts (not in CI
    steps, where they only touch the runner's fresh checkout), `git reset --hard`,
    `git clean -f`, `git branch -D`. Force-pushing tags or a published branch
    (`gh-pages`) is reported at `medium`. `--force-with-lease` and `--dry-run` are not
    reported.

    ## Why is this risky?
    A force push replaces the remote branch with the local one: commits others pushed in
    the meantime disappear from the branch, and CI/CD that deploys from it ships the
    rewritten history. `reset --hard` and `clean -f` delete uncommitted work with no undo.

    ## Example
    ```sh
    #!/bin/bash
    git rebase origin/main
    git push --force origin main
    ```

    ## Safer alternative
    Refuse to overwrite commits you have not seen:
    ```sh
    #!/bin/bash
    git rebase origin/main
    git push --force-with-lease origin my-feature
    ```

    ## References
    - destructive_command_guard `core.git:push-force-long`, `push-force-short`,
      `reset-hard`, `clean-force`, `branch-force-delete` (`--force-with-lease` is safe)
    - git docs, `git push --force-with-lease`
    """

    code = "SH006"
    name = "git-history-destruction"
    family = "shell"
    kinds = (InputKind.SHELL, InputKind.WORKFLOW)
    severity = Severity.HIGH
    remediation = (
        "Use `git push --force-with-lease` on your own branches only, never rewrite or "
        "delete protected branches from a script, and stash or commit before resetting."
    )

    def detect(self, doc: ShellScript | Workflow) -> Iterator[Finding]:
        for script, command, argv in commands(doc, ("git",), ("git",)):
            cli = parse_cli(argv[1:], _GIT_GLOBAL_VALUE_OPTS | _PUSH_VALUE_OPTS)
            op = _operation(cli, script.in_ci)
            if op is None:
                continue
            yield self.finding(
                script.message(op.what, command),
                Location(path=script.path, line=command.line),
                evidence=script.evidence(command), severity=op.severity,
                confidence=op.confidence,
            )
