"""Where ``reviewer ci`` runs and what it reviews: GitHub Actions, GitLab CI or plain flags.

* GitHub Actions (``GITHUB_EVENT_PATH``): the pull request's number, title, body, labels and
  base/head SHAs come from the event payload. When a token is present the pull request is
  fetched again through the API, because the payload is stale on re-runs (an edited title);
  the re-fetched SHAs are used only when the commits exist in the checkout.
* GitLab CI (``GITLAB_CI`` with ``CI_MERGE_REQUEST_IID``): ``CI_MERGE_REQUEST_*`` variables,
  the diff base ``CI_MERGE_REQUEST_DIFF_BASE_SHA`` and ``CI_COMMIT_SHA``.
* Anywhere else: ``--base`` / ``--head`` / ``--title`` / ``--description``.

Flags always win over what the platform says. Nothing here trusts the PR's text: it is
carried as data and escaped or fenced by whoever prints it.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from reviewer.errors import GitHubError, UsageError
from reviewer.github.client import GitHubClient, PullRef

Platform = Literal["github", "gitlab", "local"]
_PR_EVENTS = ("pull_request", "pull_request_target")
_NULL_SHA = "0" * 40


@dataclass(frozen=True, slots=True)
class Overrides:
    """What the command line says (empty strings: not given)."""

    base: str = ""
    head: str = ""
    title: str | None = None
    description: str | None = None
    repo: str = "."


@dataclass(frozen=True, slots=True)
class CIContext:
    """The change under review and the platform it came from."""

    platform: Platform
    repo_root: str
    base: str
    head: str
    title: str = ""
    description: str = ""
    labels: tuple[str, ...] = ()
    #: The pull request on GitHub (None elsewhere, and on push events).
    pull: PullRef | None = None
    #: GitLab merge request IID (None elsewhere).
    merge_request: int | None = None
    #: ``owner/repo`` (GitHub) or ``group/project`` (GitLab) of the base.
    project: str = ""
    #: The head branch lives in another repository (a fork).
    from_fork: bool = False
    event_name: str = ""
    url: str = ""
    #: Things worth telling the user (re-fetch failed, stale SHAs kept…).
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def subject(self) -> str:
        """The key under which approvals and Slack threads are kept: ``owner/repo#12``."""
        if self.pull is not None:
            return self.pull.slug
        if self.merge_request is not None:
            return f"{self.project}!{self.merge_request}"
        return f"{self.project or Path(self.repo_root).resolve().name}@{self.head[:12]}"

    @property
    def label(self) -> str:
        """A short human name: ``owner/repo#12``, ``group/project!3`` or ``base...head``."""
        if self.pull is not None or self.merge_request is not None:
            return self.subject
        return f"{self.base[:12]}...{self.head[:12]}"


def _commit_exists(repo: str, sha: str) -> bool:
    if not sha or sha.startswith("-"):
        return False
    try:
        done = subprocess.run(
            ["git", "-C", repo, "cat-file", "-e", f"{sha}^{{commit}}"],
            capture_output=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _read_event(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise UsageError(f"GITHUB_EVENT_PATH {path}: no such file") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"GITHUB_EVENT_PATH {path}: not a readable JSON event ({exc})") \
            from None
    if not isinstance(data, dict):
        raise UsageError(f"GITHUB_EVENT_PATH {path}: the event is not a JSON object")
    return data


def _github(env: Mapping[str, str], flags: Overrides,
            client: GitHubClient | None) -> CIContext:
    event_name = env.get("GITHUB_EVENT_NAME", "")
    event = _read_event(env["GITHUB_EVENT_PATH"])
    project = env.get("GITHUB_REPOSITORY", "")
    pr = event.get("pull_request")
    notes: list[str] = []
    if isinstance(pr, dict):
        base_obj = pr.get("base") or {}
        head_obj = pr.get("head") or {}
        base_repo = _str((base_obj.get("repo") or {}).get("full_name")) or project
        head_repo = _str((head_obj.get("repo") or {}).get("full_name"))
        project = project or base_repo
        owner, _, name = project.partition("/")
        number = pr.get("number", event.get("number"))
        if not isinstance(number, int) or not owner or not name:
            raise UsageError(f"GITHUB_EVENT_PATH: the {event_name or 'pull_request'} event "
                             "lacks the pull request number or repository")
        ctx = CIContext(
            platform="github", repo_root=flags.repo,
            base=_str(base_obj.get("sha")), head=_str(head_obj.get("sha")),
            title=_str(pr.get("title")), description=_str(pr.get("body")),
            labels=tuple(_str(lb.get("name")) for lb in pr.get("labels") or []
                         if isinstance(lb, dict)),
            pull=PullRef(owner, name, number), project=project,
            from_fork=bool(head_repo) and head_repo.lower() != base_repo.lower(),
            event_name=event_name, url=_str(pr.get("html_url")),
        )
        return _refetch(ctx, client, notes)
    # push and other events: review what the push added
    before, after = _str(event.get("before")), _str(event.get("after"))
    if before == _NULL_SHA:
        before = ""
    head = after or env.get("GITHUB_SHA", "")
    return CIContext(platform="github", repo_root=flags.repo, base=before, head=head,
                     project=project, event_name=event_name,
                     title=_str((event.get("head_commit") or {}).get("message")).split("\n")[0]
                     if isinstance(event.get("head_commit"), dict) else "")


def _refetch(ctx: CIContext, client: GitHubClient | None, notes: list[str]) -> CIContext:
    """The pull request as the API has it now (the event payload is stale on re-runs)."""
    if client is None or not client.has_token or ctx.pull is None:
        return ctx
    try:
        pull = client.pull_request(ctx.pull, with_diff=False)
    except GitHubError as exc:
        notes.append(f"could not re-fetch {ctx.pull.slug} ({exc}); using the event payload")
        return replace(ctx, notes=(*ctx.notes, *notes))
    base, head = ctx.base, ctx.head
    if pull.head_sha and pull.head_sha != head:
        if _commit_exists(ctx.repo_root, pull.head_sha) \
                and _commit_exists(ctx.repo_root, pull.base_sha or base):
            base, head = pull.base_sha or base, pull.head_sha
        else:
            notes.append(f"{ctx.pull.slug} has moved to {pull.head_sha[:12]}, which is not in "
                         f"the checkout; reviewing {head[:12]} from the event")
    return replace(ctx, base=base, head=head, title=pull.title, description=pull.body,
                   labels=pull.labels or ctx.labels,
                   from_fork=ctx.from_fork or pull.from_fork,
                   url=pull.html_url or ctx.url, notes=(*ctx.notes, *notes))


def _gitlab(env: Mapping[str, str], flags: Overrides) -> CIContext:
    project = env.get("CI_MERGE_REQUEST_PROJECT_PATH") or env.get("CI_PROJECT_PATH", "")
    iid = env.get("CI_MERGE_REQUEST_IID", "")
    head = env.get("CI_COMMIT_SHA", "") or env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", "")
    if iid:
        base = (env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA")
                or env.get("CI_MERGE_REQUEST_TARGET_BRANCH_SHA", ""))
        source = env.get("CI_MERGE_REQUEST_SOURCE_PROJECT_PATH", "")
        labels = tuple(x.strip() for x in env.get("CI_MERGE_REQUEST_LABELS", "").split(",")
                       if x.strip())
        url = ""
        if env.get("CI_MERGE_REQUEST_PROJECT_URL"):
            url = f"{env['CI_MERGE_REQUEST_PROJECT_URL']}/-/merge_requests/{iid}"
        return CIContext(
            platform="gitlab", repo_root=flags.repo, base=base, head=head,
            title=env.get("CI_MERGE_REQUEST_TITLE", ""),
            description=env.get("CI_MERGE_REQUEST_DESCRIPTION", ""),
            labels=labels, merge_request=int(iid) if iid.isdigit() else None,
            project=project, from_fork=bool(source) and source != project,
            event_name=env.get("CI_PIPELINE_SOURCE", "merge_request_event"), url=url)
    before = env.get("CI_COMMIT_BEFORE_SHA", "")
    if before == _NULL_SHA:
        before = ""
    return CIContext(platform="gitlab", repo_root=flags.repo, base=before, head=head,
                     title=env.get("CI_COMMIT_TITLE", ""), project=project,
                     event_name=env.get("CI_PIPELINE_SOURCE", ""))


def detect_context(flags: Overrides, env: Mapping[str, str],
                   client: GitHubClient | None = None) -> CIContext:
    """The change to review, from the platform's environment and the command line.

    Raises:
        UsageError: the event file is unreadable, or no base revision can be found.
    """
    if env.get("GITHUB_EVENT_PATH"):
        ctx = _github(env, flags, client)
    elif env.get("GITLAB_CI"):
        ctx = _gitlab(env, flags)
    else:
        ctx = CIContext(platform="local", repo_root=flags.repo, base="", head="")
    ctx = replace(
        ctx,
        base=flags.base or ctx.base,
        head=flags.head or ctx.head or "HEAD",
        title=ctx.title if flags.title is None else flags.title,
        description=ctx.description if flags.description is None else flags.description,
    )
    if not ctx.base:
        where = {"github": "the GitHub event", "gitlab": "the GitLab variables",
                 "local": "the environment"}[ctx.platform]
        raise UsageError(f"no base revision: {where} names none; give --base REV "
                         "(e.g. --base origin/main)")
    return ctx
