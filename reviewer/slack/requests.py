"""Turn what a Slack message names into a :class:`ReviewRequest`.

A pull request is fetched from GitHub (title, body, diff, commits, head SHA) and reviewed
with its repository's settings at the base commit (:mod:`reviewer.slack.repo_config`). Its
diff is parsed with the PR's commits attached, so the commit messages' trailers mark
AI-assisted changes exactly as they do for ``reviewer review --git``. Pasted text and attached files
are decoded like standard input and files on the command line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reviewer.errors import InputError
from reviewer.github.client import GitHubClient
from reviewer.parsers.diff import commit_from_message, parse_diff
from reviewer.parsers.reading import decode
from reviewer.service import ReviewRequest
from reviewer.slack.inputs import SlackFile, Target
from reviewer.slack.repo_config import CONFIG_COVERAGE_PATH, read_repo_config

#: Downloads one Slack file: (its name, its bytes) (see :func:`reviewer.slack.files.download`).
Downloader = Callable[[SlackFile], tuple[str, bytes]]


@dataclass(frozen=True)
class Prepared:
    """A request ready for the service, and what it is about."""

    request: ReviewRequest
    #: "owner/repo#123" for a pull request, else "slack:<channel>:<ts>".
    subject: str
    #: The PR's head commit, or a digest of the pasted content.
    head_sha: str
    link: str | None = None
    title: str = ""
    #: Why the repository's settings were not applied (reviewed with the defaults), or "".
    config_problem: str = ""


def prepare(target: Target, *, github: GitHubClient, download: Downloader,
            fallback_subject: str) -> Prepared:
    """Fetch or read the target's content and build the request.

    Raises:
        GitHubError: the pull request cannot be fetched (not found, no access, too large).
        InputError: a pasted text or file cannot be read.
    """
    if target.pull is not None:
        return _pull_request(target, github)
    request = ReviewRequest(raise_on_input_error=True)
    if target.text:
        request.artifacts.append(decode(target.text.encode("utf-8"), "pasted-change"))
    for file in target.files:
        name, data = download(file)
        request.artifacts.append(decode(data, name))
    if not request.artifacts:
        raise InputError("message", "nothing to review")
    return Prepared(request=request, subject=fallback_subject, head_sha=target.content_sha())


def _pull_request(target: Target, github: GitHubClient) -> Prepared:
    assert target.pull is not None  # noqa: S101 - checked by the caller
    pull = github.pull_request(target.pull)
    commits = [commit_from_message(c.sha, c.author, "", c.message) for c in pull.commits]
    settings = read_repo_config(github, pull)
    request = ReviewRequest(title=pull.title, description=pull.body, labels=pull.labels,
                            raise_on_input_error=False, config=settings.config)
    if settings.problem:
        request.input_errors.append(InputError(
            CONFIG_COVERAGE_PATH, f"{settings.problem}; reviewed with the default settings"))
    path = f"{pull.ref.slug}.diff"
    try:
        request.documents.append(parse_diff(pull.diff, path, commits=commits))
    except InputError as exc:
        request.input_errors.append(exc)
    return Prepared(request=request, subject=pull.ref.slug, head_sha=pull.head_sha,
                    link=pull.html_url or None, title=pull.title,
                    config_problem=settings.problem)
