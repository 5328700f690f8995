"""``reviewer ci``: review a pull request in CI and write every output the platform reads.

The run, in order:

1. find the change (:mod:`reviewer.ci.context`), read the config from the **base** commit,
   diff ``base...head`` with git, read the ``--plan`` files, review it all as one change;
2. look for a senior approval when the verdict needs one (:mod:`reviewer.ci.approval`);
3. write every requested output — the log, JSON verdict, SARIF, GitLab Code Quality,
   annotations, Slack message, sticky PR comment, job summary — even when the review
   failed (they then say so);
4. only then decide the exit code (:mod:`reviewer.ci.gate`).

Posting steps (comment, Slack) never fail the gate: without credentials (fork PRs), or with
a read-only token, they are skipped with a notice; other API failures are warnings. A file
output that cannot be written is a tool error (``--on-error`` decides).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from reviewer.ci.approval import ApprovalStatus
    from reviewer.ci.comment import Sticky
    from reviewer.ci.context import CIContext
    from reviewer.ci.gate import GateDecision
    from reviewer.ci.locate import Locator
    from reviewer.config.model import ReviewerConfig
    from reviewer.github.client import GitHubClient, PullRef
    from reviewer.verdict.model import Verdict

__all__ = ["FAIL_ON", "add_arguments", "run"]

#: ``--fail-on`` levels (kept here, not imported, so ``reviewer --help`` stays light).
FAIL_ON = ("low", "medium", "high", "critical", "never")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``reviewer ci`` flags."""
    src = parser.add_argument_group("what to review (default: from the CI platform)")
    src.add_argument("--repo", default=".", help="the git checkout (default: .)")
    src.add_argument("--base", default="", metavar="REV",
                     help="base revision (default: the PR/MR base from the platform)")
    src.add_argument("--head", default="", metavar="REV",
                     help="head revision (default: the PR/MR head, else HEAD)")
    src.add_argument("--title", default=None, help="the change's title (default: the PR's)")
    src.add_argument("--description", default=None,
                     help="the change's description (default: the PR's body)")
    src.add_argument("--plan", action="append", default=[], metavar="FILE_OR_GLOB",
                     help="plan JSON files to review with the diff (repeatable; globs with "
                          "** allowed; quote them)")
    src.add_argument("--ai-assisted", action="store_true",
                     help="the change was written with an AI assistant or agent")
    src.add_argument("--workspace", metavar="NAME",
                     help="Terraform workspace of the plans (default: $TF_WORKSPACE)")
    src.add_argument("--config", metavar="FILE",
                     help="read the reviewer config from FILE instead of the base commit "
                          "(use a trusted path: the default stops a PR loosening its own gate)")
    gate = parser.add_argument_group("the gate")
    gate.add_argument("--fail-on", choices=FAIL_ON, default="high",
                      help="exit 1 when the risk is at or above this level (default: high)")
    gate.add_argument("--soft-fail", action="store_true",
                      help="exit 0 even when the gate trips (outputs still say so)")
    gate.add_argument("--on-error", choices=("fail", "pass"), default="fail",
                      help="when the review cannot be done: fail (exit 2, default) or pass "
                           "(exit 0 with a notice)")
    outs = parser.add_argument_group("outputs")
    outs.add_argument("--sarif", metavar="FILE", help="write a SARIF 2.1.0 report")
    outs.add_argument("--json", metavar="FILE", dest="json_out",
                      help="write the JSON verdict (an artifact)")
    outs.add_argument("--code-quality", metavar="FILE",
                      help="write a GitLab Code Quality report (JSON array)")
    outs.add_argument("--summary", action=argparse.BooleanOptionalAction, default=None,
                      help="append to $GITHUB_STEP_SUMMARY (default: when it is set)")
    outs.add_argument("--annotations", action=argparse.BooleanOptionalAction, default=None,
                      help="print GitHub annotations (default: on GitHub Actions)")
    outs.add_argument("--comment", action=argparse.BooleanOptionalAction, default=None,
                      help="post one sticky PR comment, updated in place (default: on "
                           "GitHub pull requests when GITHUB_TOKEN is set)")
    outs.add_argument("--slack-channel", metavar="CHANNEL",
                      help="post the verdict to this Slack channel id (SLACK_BOT_TOKEN), "
                           "updating the same thread on later pushes")
    llm = parser.add_argument_group("LLM judge")
    llm.add_argument("--llm", choices=("auto", "off", "openai"), default=None,
                     help="the LLM judge (default: the config's [llm] mode, else auto)")
    llm.add_argument("--llm-model", metavar="NAME", help="model name")
    llm.add_argument("--llm-timeout", type=float, metavar="SECONDS",
                     help="total deadline of the LLM step")


@dataclass
class _Run:
    """State of one run, filled as it goes."""

    args: argparse.Namespace
    env: Mapping[str, str]
    stdout: TextIO
    stderr: TextIO
    github: bool
    ctx: CIContext | None = None
    config: ReviewerConfig | None = None
    config_source: str | None = None
    verdict: Verdict | None = None
    error: str | None = None
    locator: Locator | None = None
    client: GitHubClient | None = None
    approval: ApprovalStatus | None = None
    notes: list[str] = field(default_factory=list)
    output_errors: list[str] = field(default_factory=list)

    # --- messages to the user ------------------------------------------------------------

    def say(self, level: str, message: str, *, record: bool = True) -> None:
        """A notice/warning/error: a workflow command on GitHub, a stderr line elsewhere."""
        if record:
            self.notes.append(message)
        if self.github:
            from reviewer.ci.annotations import command

            self.stdout.write(command(level, message, title="change risk"))
        else:
            self.stderr.write(f"reviewer ci: {level}: {' '.join(message.split())}\n")


def _error_text(exc: BaseException) -> str:
    from reviewer.errors import ReviewerError

    if isinstance(exc, ReviewerError):
        return str(exc)
    return f"internal error: {type(exc).__name__}: {exc}"


def _load_config(run: _Run) -> None:
    from reviewer.config import load_config_at, load_config_file

    assert run.ctx is not None  # noqa: S101 - set by the caller
    if run.args.config:
        run.config = load_config_file(run.args.config)
        run.config_source = run.args.config
        return
    run.config, run.config_source = load_config_at(run.ctx.repo_root, run.ctx.base)


def _llm_settings(run: _Run) -> Any:
    """Flags over the environment over the config's ``[llm]`` (the base branch's: trusted)."""
    from reviewer.config import llm_environment
    from reviewer.llm.judge import JudgeSettings

    assert run.config is not None  # noqa: S101 - set by the caller
    env, warnings = llm_environment(run.env, run.config.llm, trust_base_url=True)
    for warning in warnings:
        run.say("warning", warning)
    overrides: dict[str, Any] = {}
    if run.args.llm:
        overrides["mode"] = run.args.llm
    if run.args.llm_model:
        overrides["model"] = run.args.llm_model
    if run.args.llm_timeout is not None:
        overrides["timeout_s"] = run.args.llm_timeout
    return JudgeSettings.from_env(env, **overrides)


def _review(run: _Run) -> None:
    """Steps 1 and 2: context, config, diff, plans, review, approval."""
    from reviewer.ci.context import Overrides, detect_context
    from reviewer.ci.gitdiff import DiffIndex, load_change
    from reviewer.ci.locate import Locator
    from reviewer.ci.plans import find_plans, read_plans
    from reviewer.service import ReviewRequest, review

    args = run.args
    flags = Overrides(base=args.base, head=args.head, title=args.title,
                      description=args.description, repo=args.repo)
    run.ctx = detect_context(flags, run.env, run.client)
    for note in run.ctx.notes:
        run.say("notice", note)
    _load_config(run)
    change = load_change(run.ctx.repo_root, run.ctx.base, run.ctx.head)
    doc = change.document()
    plans = find_plans(args.plan)
    for note in plans.notes:
        run.say("notice", note)
    index = DiffIndex.from_change(doc, change.contents.new, change.contents.old)
    run.locator = Locator(index, run.ctx.repo_root, plans.paths)
    request = ReviewRequest(
        artifacts=read_plans(plans.paths), title=run.ctx.title,
        description=run.ctx.description, ai_assisted=args.ai_assisted,
        contents=change.contents, documents=[doc], config=run.config,
        labels=run.ctx.labels, raise_on_input_error=True,
        workspace=args.workspace or run.env.get("TF_WORKSPACE", "").strip() or None)
    request.llm = _llm_settings(run)
    run.verdict = review(request)
    _approval(run)


def _approval(run: _Run) -> None:
    from reviewer.ci.approval import check_senior_approval

    if run.ctx is None or run.verdict is None or run.config is None:
        return
    run.approval = check_senior_approval(
        run.verdict, run.config, subject=run.ctx.subject, head_sha=_resolved_head(run),
        env=run.env, client=run.client, pull=run.ctx.pull)
    for note in run.approval.notes:
        run.say("notice", note)


def _resolved_head(run: _Run) -> str:
    """The head as a full SHA (approvals are keyed by it)."""
    import subprocess

    assert run.ctx is not None  # noqa: S101
    head = run.ctx.head
    if len(head) == 40 and all(c in "0123456789abcdef" for c in head):
        return head
    done = subprocess.run(
        ["git", "-C", run.ctx.repo_root, "rev-parse", "--verify", "--quiet",
         f"{head}^{{commit}}"], capture_output=True, check=False, timeout=30)
    return done.stdout.decode("ascii", "replace").strip() or head


# --- outputs -------------------------------------------------------------------------------


def _write_file(run: _Run, path: str, what: str, text: str) -> None:
    try:
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        message = f"cannot write the {what} to {path}: {exc.strerror or exc}"
        run.output_errors.append(message)
        run.say("error", message)


def _locator(run: _Run) -> Locator:
    from reviewer.ci.locate import Locator

    return run.locator or Locator(None, run.ctx.repo_root if run.ctx else run.args.repo,
                                  [p for p in run.args.plan if os.path.isfile(p)])


def _write_log(run: _Run) -> None:
    from reviewer.ci.annotations import fenced
    from reviewer.render import render_terminal

    with fenced(run.stdout, enabled=run.github):
        if run.ctx is not None:
            run.stdout.write(f"Reviewing {run.ctx.label}: {run.ctx.title}\n")
            if run.config_source:
                run.stdout.write(f"Config: {run.config_source}\n")
        if run.verdict is not None:
            run.stdout.write(render_terminal(run.verdict, colour=False))
        if run.error:
            run.stdout.write(f"The review failed: {run.error}\n")


def _write_files(run: _Run) -> None:
    from reviewer import __version__

    args = run.args
    if args.json_out and run.verdict is not None:
        from reviewer.render import render_json

        _write_file(run, args.json_out, "JSON verdict", render_json(run.verdict))
    elif args.json_out:
        import json

        _write_file(run, args.json_out, "JSON verdict",
                    json.dumps({"error": run.error or "no verdict"}, indent=2) + "\n")
    if args.sarif:
        from reviewer.ci.sarif import render_sarif

        _write_file(run, args.sarif, "SARIF report",
                    render_sarif(run.verdict, _locator(run), version=__version__,
                                 error=run.error))
    if args.code_quality:
        from reviewer.ci.codequality import render_code_quality

        _write_file(run, args.code_quality, "Code Quality report",
                    render_code_quality(run.verdict, _locator(run), run.error))


def _annotate(run: _Run) -> None:
    enabled = run.args.annotations if run.args.annotations is not None else run.github
    if not enabled or run.verdict is None:
        return
    from reviewer.ci.annotations import annotate_findings

    annotate_findings(list(run.verdict.findings), _locator(run), run.stdout)


def _can_comment(run: _Run) -> bool:
    wanted = run.args.comment
    ctx = run.ctx
    auto = wanted is None
    if wanted is False or ctx is None:
        return False
    if ctx.pull is None:
        if not auto:
            run.say("notice", "PR comment skipped: this run is not for a GitHub pull request")
        return False
    if run.client is None or not run.client.has_token:
        if not auto or ctx.platform == "github":
            run.say("notice", "PR comment skipped: no GITHUB_TOKEN (fork pull requests get no "
                              "secrets); the review and the exit code are unaffected")
        return False
    if ctx.from_fork and ctx.event_name != "pull_request_target":
        run.say("notice", "PR comment skipped: a pull request from a fork gets a read-only "
                          "token; the review and the exit code are unaffected")
        return False
    return True


def _load_sticky(run: _Run, client: GitHubClient, pull: PullRef) -> Sticky | None:
    from reviewer.ci.comment import load_sticky
    from reviewer.errors import GitHubError

    try:
        return load_sticky(client, pull)
    except GitHubError as exc:
        run.say("warning", f"cannot list the PR's comments: {exc}")
        return None


def _post_comment(run: _Run, target: tuple[GitHubClient, PullRef], report: str,
                  sticky: Sticky | None, state: dict[str, str]) -> None:
    from reviewer.ci.comment import post_sticky
    from reviewer.errors import GitHubAuthError, GitHubError, GitHubNotFoundError

    try:
        result = post_sticky(target[0], target[1], report, state, sticky)
    except (GitHubAuthError, GitHubNotFoundError) as exc:
        run.say("notice", f"PR comment skipped: the token may not comment here "
                          f"(read-only or fork): {exc}")
        return
    except GitHubError as exc:
        run.say("warning", f"PR comment failed: {exc}")
        return
    run.stdout.write(f"PR comment {result.action} (id {result.comment_id})\n")


def _post_slack(run: _Run, previous: tuple[str, str] | None) -> dict[str, str]:
    """Post to Slack; the state to remember in the sticky comment."""
    channel = run.args.slack_channel
    if not channel:
        return {}
    if run.verdict is None or run.ctx is None:
        run.say("notice", "Slack message skipped: there is no verdict to post")
        return {}
    if not run.env.get("SLACK_BOT_TOKEN"):
        run.say("notice", "Slack message skipped: SLACK_BOT_TOKEN is not set (fork pull "
                          "requests get no secrets)")
        return {}
    from reviewer.ci.slack_notify import post_verdict

    try:
        post = post_verdict(run.verdict, channel=channel, subject=run.ctx.subject,
                            head=_resolved_head(run), title=run.ctx.title,
                            link=run.ctx.url or None, env=run.env, previous=previous)
    except Exception as exc:  # noqa: BLE001 - a boundary: a Slack outage must not block
        run.say("warning", f"Slack message failed: {_slack_error(exc)}")
        return {}
    run.stdout.write(f"Slack message {post.action} in {post.channel} (ts {post.ts})\n")
    return {"slack_channel": post.channel, "slack_ts": post.ts}


def _slack_error(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    error = None
    if response is not None and callable(getattr(response, "get", None)):
        error = response.get("error")
    if error:
        return f"Slack API error {error}"
    return _error_text(exc)


def _post(run: _Run, report: str) -> None:
    target = None
    if _can_comment(run) and run.client is not None and run.ctx is not None \
            and run.ctx.pull is not None:
        target = (run.client, run.ctx.pull)
    sticky = _load_sticky(run, *target) if target is not None else None
    previous = None
    if sticky is not None and sticky.state.get("slack_channel") and \
            sticky.state.get("slack_ts"):
        previous = (sticky.state["slack_channel"], sticky.state["slack_ts"])
    state = _post_slack(run, previous)
    if not state and previous is not None:
        state = {"slack_channel": previous[0], "slack_ts": previous[1]}
    if target is not None:
        _post_comment(run, target, report, sticky, state)


def _report(run: _Run, gate: GateDecision) -> str:
    from reviewer.ci.summary import GateReport, render_report

    head = run.ctx.head if run.ctx else ""
    return render_report(run.verdict, GateReport(
        outcome=gate.outcome, reason=gate.reason,
        subject=run.ctx.label if run.ctx else "", head=head,
        notes=tuple(run.notes)), run.error)


def _write_summary(run: _Run, gate: GateDecision) -> None:
    path = run.env.get("GITHUB_STEP_SUMMARY", "")
    wanted = run.args.summary
    if wanted is False or (wanted is None and not path):
        return
    if not path:
        run.say("notice", "job summary skipped: GITHUB_STEP_SUMMARY is not set")
        return
    from reviewer.ci.summary import write_step_summary

    try:
        write_step_summary(path, _report(run, gate))
    except OSError as exc:
        message = f"cannot write the job summary to {path}: {exc.strerror or exc}"
        run.output_errors.append(message)
        run.say("error", message)


def _decide(run: _Run) -> GateDecision:
    from reviewer.ci.gate import decide_gate

    error = run.error
    if error is None and run.output_errors:
        error = "; ".join(run.output_errors)
    return decide_gate(run.verdict, error, fail_on=run.args.fail_on,
                       soft_fail=run.args.soft_fail, on_error=run.args.on_error,
                       approval=run.approval)


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO,
        env: Mapping[str, str] | None = None) -> int:
    """Run ``reviewer ci`` and return its exit code (0 pass, 1 tripped, 2 could not review)."""
    from reviewer.github.client import GitHubClient

    environ = os.environ if env is None else env
    github = bool(environ.get("GITHUB_ACTIONS") == "true" or environ.get("GITHUB_EVENT_PATH"))
    state = _Run(args=args, env=environ, stdout=stdout, stderr=stderr, github=github)
    if github or environ.get("GITHUB_TOKEN"):
        state.client = GitHubClient.from_env(environ)
    try:
        _review(state)
    except Exception as exc:  # noqa: BLE001 - the CI boundary: record, report, exit 2
        state.error = _error_text(exc)
        state.say("error", f"the review could not be completed: {state.error}", record=False)
    provisional = _decide(state)
    _write_log(state)
    _write_files(state)
    _annotate(state)
    _post(state, _report(state, provisional))
    final = _decide(state)
    _write_summary(state, final)
    final = _decide(state)
    level = "notice" if final.exit_code == 0 else "error"
    if final.outcome == "passed":
        level = "notice"
    state.say(level, f"change-risk gate {final.outcome}: {final.reason}", record=False)
    return final.exit_code
