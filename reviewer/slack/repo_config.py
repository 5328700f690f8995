"""The reviewed repository's own settings, read at the pull request's base commit.

As in the CI gate (:mod:`reviewer.ci.command`), a pull request is reviewed with the settings
of the branch it merges into, so a change to ``.reviewer.toml`` in the pull request never
applies to its own review. The file is read through GitHub's contents API at the base
commit: ``.reviewer.toml`` first, else the ``[tool.reviewer]`` table of ``pyproject.toml``;
with neither, the defaults.

Two parts of a repository's settings do not apply in Slack, because the app's operator,
not the reviewed repository, decides them:

- ``[approvals]``: who may approve, the senior group and the review channel come from the
  app's own settings (:class:`reviewer.slack.settings.SlackSettings`) only;
- ``[llm] base_url``: taken only when it points at loopback (see
  :func:`reviewer.config.llm_environment`), so a repository cannot send the app's API key
  elsewhere.

A file that cannot be read or is not a valid configuration is not ignored: the caller gets
the one-line reason, reviews with the defaults and records the gap in the verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from reviewer.config import ReviewerConfig, llm_environment
from reviewer.config.loader import load_first_config
from reviewer.config.model import ApprovalSettings
from reviewer.errors import ConfigError, GitHubError
from reviewer.github.client import GitHubClient, PullRequest

#: The coverage entry's path when the repository's settings could not be applied.
CONFIG_COVERAGE_PATH = "reviewer config"


@dataclass(frozen=True)
class RepoConfig:
    """The settings a pull request is reviewed with, and where they came from."""

    config: ReviewerConfig = field(default_factory=ReviewerConfig)
    #: ``owner/repo@<base>:<file>``; None for the defaults.
    source: str | None = None
    #: Why the repository's settings could not be applied (one line); "" when they were.
    problem: str = ""


def _load(github: GitHubClient, pull: PullRequest) -> tuple[ReviewerConfig, str | None]:
    rev = pull.base_sha
    if not rev:
        raise ConfigError(f"{pull.ref.slug}: GitHub named no base commit, so the "
                          "repository's reviewer config cannot be read")
    return load_first_config(lambda path: github.file_at(pull.ref, path, rev),
                             lambda path: f"{pull.ref.full_name}@{rev[:12]}:{path}")


def llm_env(environ: Mapping[str, str],
            config: ReviewerConfig) -> tuple[dict[str, str], list[str]]:
    """The environment for the LLM judge: ``environ`` over the repository's ``[llm]``.

    A ``base_url`` that is not loopback is left out (the app's API key goes only where the
    operator points it); the second value says so, for the verdict's coverage notes.
    """
    env, warnings = llm_environment(environ, config.llm, trust_base_url=False)
    notes = [f"the repository's [llm] base_url {config.llm.base_url!r} was not used: the "
             "Slack app sends its LLM API key only where its operator points it"
             ] if warnings and config.llm.base_url else []
    return env, notes


def read_repo_config(github: GitHubClient, pull: PullRequest) -> RepoConfig:
    """The repository's settings at the pull request's base commit, without ``[approvals]``.

    Never raises for a bad or unreadable file: the defaults come back with ``problem`` set.
    """
    try:
        config, source = _load(github, pull)
    except ConfigError as exc:
        return RepoConfig(problem=" ".join(str(exc).split()))
    except GitHubError as exc:
        return RepoConfig(problem=" ".join(
            f"{pull.ref.full_name}: the reviewer config at {pull.base_sha[:12]} could not be "
            f"read ({exc})".split()))
    return RepoConfig(config.model_copy(update={"approvals": ApprovalSettings()}), source)
