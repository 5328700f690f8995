"""What the Slack app does: start reviews, run them in the pool, answer the buttons.

Every Slack entry point is acknowledged before anything slow happens (see
:mod:`reviewer.slack.app`). The placeholder message is posted from the listener thread after
the ack; the review itself (GitHub fetch, parsing, detectors, the LLM judge) runs on the
review pool, sized for slow model calls. Each method is a boundary: any failure ends as a
short message in the thread, never as silence or a stack trace.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from reviewer.config import ReviewerConfig
from reviewer.errors import InputError, ReviewerError
from reviewer.github.client import GitHubClient, parse_pull_url
from reviewer.llm.judge import JudgeSettings
from reviewer.render.markdown import render_markdown
from reviewer.render.slack_blocks import verdict_message
from reviewer.service import ReviewRequest
from reviewer.service import review as run_service
from reviewer.slack import messages
from reviewer.slack.files import download
from reviewer.slack.inputs import SlackFile, Target, find_target
from reviewer.slack.repo_config import llm_env
from reviewer.slack.requests import Prepared, prepare
from reviewer.slack.settings import SlackSettings
from reviewer.store import ReviewRecord, Store
from reviewer.verdict.model import Verdict

log = logging.getLogger(__name__)
_T = TypeVar("_T")


def _with_notes(verdict: Verdict, notes: Sequence[str]) -> Verdict:
    """``verdict`` with ``notes`` added to its coverage notes."""
    if not notes:
        return verdict
    coverage = verdict.coverage.model_copy(update={"notes": [*verdict.coverage.notes,
                                                             *notes]})
    return verdict.model_copy(update={"coverage": coverage})


@dataclass(frozen=True)
class Job:
    """One review to run: what, for whom, and where its message lives."""

    target: Target
    channel: str
    #: The message the placeholder (then the verdict) is; None when it could not be posted.
    placeholder_ts: str
    #: Root of the thread the review belongs to (None: the verdict is a channel message).
    thread_ts: str | None
    requested_by: str
    source: str
    #: Subject for pasted text and files: "slack:<channel>:<ts>".
    fallback_subject: str


@dataclass
class ReviewerBot:
    """The Slack app's behaviour, with every collaborator injectable."""

    settings: SlackSettings
    client: WebClient
    store: Store
    github: GitHubClient
    #: Where reviews run (a thread pool sized for LLM calls; inline in tests).
    reviews: Executor
    #: Where post-ack Slack work runs (placeholders, button effects), off the ack threads.
    io: Executor
    review_fn: Callable[[ReviewRequest], Verdict] = run_service
    #: The LLM judge's settings from an environment (the process's, with the reviewed
    #: repository's ``[llm]`` filled in where it leaves a value unset).
    judge_settings: Callable[[Mapping[str, str]], JudgeSettings | None] = JudgeSettings.from_env
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)

    # ------------------------------------------------------------------ posting

    def _scrub(self, text: str) -> str:
        return self.settings.scrub(text)

    def post(self, channel: str, text: str, *, thread_ts: str | None = None,
             blocks: Sequence[dict[str, Any]] | None = None) -> str | None:
        """Post a message; its ts, or None when Slack refused (logged)."""
        try:
            answer = self.client.chat_postMessage(channel=channel, text=self._scrub(text),
                                                  thread_ts=thread_ts,
                                                  blocks=list(blocks) if blocks else None)
        except SlackApiError as exc:
            log.warning("chat.postMessage to %s failed: %s", channel,
                        exc.response.get("error", "?"))
            return None
        ts = answer.get("ts")
        return str(ts) if ts else None

    def ephemeral(self, channel: str, user: str, text: str,
                  thread_ts: str | None = None) -> None:
        """A message only ``user`` sees (refusals, notes); failures are logged."""
        try:
            self.client.chat_postEphemeral(channel=channel, user=user, text=self._scrub(text),
                                           thread_ts=thread_ts)
        except SlackApiError as exc:
            log.warning("chat.postEphemeral failed: %s", exc.response.get("error", "?"))

    def _update(self, channel: str, ts: str, text: str,
                blocks: Sequence[dict[str, Any]] | None = None) -> bool:
        try:
            self.client.chat_update(channel=channel, ts=ts, text=self._scrub(text),
                                    blocks=list(blocks) if blocks is not None else [])
        except SlackApiError as exc:
            log.warning("chat.update failed: %s", exc.response.get("error", "?"))
            return False
        return True

    def _say_error(self, job: Job, text: str) -> None:
        if job.placeholder_ts and self._update(job.channel, job.placeholder_ts, text):
            return
        self.post(job.channel, text, thread_ts=job.thread_ts)

    # ------------------------------------------------------------------ starting reviews

    def start(self, target: Target, *, channel: str, thread_ts: str | None, user: str,
              source: str, origin_ts: str | None) -> bool:
        """Post the "Reviewing…" placeholder and queue the review; False if Slack refused."""
        text = (f":hourglass_flowing_sand: Reviewing {target.describe()} for <@{user}>… "
                "the verdict will replace this message.")
        ts = self.post(channel, text, thread_ts=thread_ts)
        if ts is None:
            return False
        subject = f"slack:{channel}:{origin_ts or ts}"
        job = Job(target=target, channel=channel, placeholder_ts=ts, thread_ts=thread_ts,
                  requested_by=user, source=source, fallback_subject=subject)
        self.reviews.submit(self.run, job)
        return True

    def find_in_thread(self, channel: str, thread_ts: str) -> Target:
        """The newest reviewable message of a thread (for a bare mention in a thread)."""
        try:
            answer = self.client.conversations_replies(channel=channel, ts=thread_ts,
                                                       limit=200)
        except SlackApiError as exc:
            log.warning("conversations.replies failed: %s", exc.response.get("error", "?"))
            return Target()
        found = answer.get("messages") or []
        for message in reversed(found if isinstance(found, list) else []):
            if message.get("bot_id"):
                continue
            target = find_target(str(message.get("text") or ""), message.get("files") or [])
            if not target.empty:
                return target
        return Target()

    # ------------------------------------------------------------------ running reviews

    def _download(self, file: SlackFile) -> tuple[str, bytes]:
        if not file.url and file.id:
            try:
                info = self.client.files_info(file=file.id)
            except SlackApiError as exc:
                raise InputError(file.name, "Slack would not describe the file "
                                            f"({exc.response.get('error', '?')})") from None
            data = info.get("file")
            if isinstance(data, Mapping):
                file = SlackFile.from_payload(data)
        return file.name, download(file, token=self.settings.bot_token,
                                   api_url=self.settings.api_url,
                                   limit=self.settings.max_file_bytes)

    def run(self, job: Job) -> ReviewRecord | None:
        """Review, store, and replace the placeholder with the verdict (a boundary)."""
        what = job.target.describe()
        try:
            prepared = prepare(job.target, github=self.github, download=self._download,
                               fallback_subject=job.fallback_subject)
            if prepared.config_problem:
                self.post(job.channel, f":warning: {prepared.config_problem}. Reviewing "
                          f"{what} with the default settings; the verdict records the gap.",
                          thread_ts=job.thread_ts or job.placeholder_ts)
            env, llm_notes = llm_env(self.environ,
                                     prepared.request.config or ReviewerConfig())
            prepared.request.llm = self.judge_settings(env)
            verdict = _with_notes(self.review_fn(prepared.request), llm_notes)
            record = self.store.create_review(
                subject=prepared.subject, head_sha=prepared.head_sha,
                requested_by=job.requested_by, source=job.source, verdict=verdict,
                channel=job.channel, message_ts=job.placeholder_ts,
                thread_ts=job.thread_ts or job.placeholder_ts)
        except ReviewerError as exc:
            log.info("review of %s failed: %s", what, self._scrub(str(exc)))
            self._say_error(job, self._scrub(messages.error_text(
                exc, what, max_diff_bytes=self.settings.max_diff_bytes)))
            return None
        except Exception:
            incident = secrets.token_hex(4)
            log.exception("review of %s crashed (incident %s)", what, incident)
            self._say_error(job, messages.error_text(
                RuntimeError(), what, max_diff_bytes=self.settings.max_diff_bytes,
                incident=incident))
            return None
        self.show(record, prepared)
        return record

    def _display(self, record: ReviewRecord, title: str = "") -> str:
        if parse_pull_url(record.subject) is not None:
            return f"{record.subject} {title}".strip()
        names = list(dict.fromkeys(a.path for a in record.verdict.coverage.analysed))
        names = [n for n in names if n != "pasted-change"][:3]
        return ", ".join(names) if names else "pasted change"

    def show(self, record: ReviewRecord, prepared: Prepared | None = None) -> None:
        """Put the verdict (with its current status) into the review's message."""
        verdict = record.verdict
        link = prepared.link if prepared else None
        title = prepared.title if prepared else verdict.intent.title
        is_pull = parse_pull_url(record.subject) is not None
        msg = verdict_message(verdict, review_id=record.id, subject=self._display(record, title),
                              link=link, commit=record.head_sha if is_pull else None,
                              status_line=self.status(record.id))
        if record.channel and record.message_ts:
            self._update(record.channel, record.message_ts, msg.text, msg.blocks)
        if prepared is not None and msg.truncated:
            self.upload_report(record, note="The verdict was too long for one Slack message; "
                                            "here is the full report.")

    def status(self, review_id: str) -> str:
        """The review's status line from the store."""
        senior_rows = self.store.senior_request(review_id)
        return messages.status_line(self.store.approvals(review_id),
                                    self.store.acknowledgements(review_id), senior_rows)

    def upload_report(self, record: ReviewRecord, *, note: str) -> None:
        """Upload the Markdown report into the review's thread."""
        if not record.channel:
            return
        try:
            self.client.files_upload_v2(
                channel=record.channel, thread_ts=record.thread_ts or record.message_ts,
                content=render_markdown(record.verdict),
                filename=f"risk-report-{record.id}.md",
                title=f"Change risk report: {record.subject}", initial_comment=note)
        except SlackApiError as exc:
            log.warning("files_upload_v2 failed: %s", exc.response.get("error", "?"))
            self.post(record.channel, ":warning: I couldn't upload the full report "
                      f"({exc.response.get('error', '?')}).",
                      thread_ts=record.thread_ts or record.message_ts)

    # ------------------------------------------------------------------ buttons

    def _record(self, review_id: str, channel: str, user: str) -> ReviewRecord | None:
        record = self.store.review(review_id)
        if record is None:
            self.ephemeral(channel, user, "I can't find this review any more; run a new one.")
        return record

    def _first_time(self, channel: str, user: str, stored: tuple[_T, bool],
                    repeated: Callable[[_T], str]) -> bool:
        """Whether a store write was new; if not, tell ``user`` why nothing changed."""
        row, created = stored
        if not created:
            self.ephemeral(channel, user, repeated(row))
        return created

    def acknowledge(self, review_id: str, user: str, channel: str) -> None:
        """The *Acknowledge risk* button (after its confirm dialog)."""
        record = self._record(review_id, channel, user)
        if record is not None and self._first_time(
                channel, user, self.store.acknowledge(review_id, user),
                lambda ack: f"You already acknowledged this risk ({messages.when(ack.at)})."):
            self.show(record)

    def escalate(self, review_id: str, user: str, channel: str) -> None:
        """The *Request senior review* button."""
        record = self._record(review_id, channel, user)
        if record is None or not self._first_time(
                channel, user, self.store.request_senior_review(review_id, user),
                lambda request: "Senior review was already requested by "
                                f"<@{request.requested_by}> ({messages.when(request.at)})."):
            return
        s = self.settings
        mention = f"<!subteam^{s.senior_group}>" if s.senior_group else " ".join(
            f"<@{u}>" for u in sorted(s.senior_approvers) if u[:1] in ("U", "W"))
        verdict = record.verdict
        text = (f"{mention} senior review requested by <@{user}>: "
                f"{verdict.risk.value.upper()} risk, {record.subject}.").strip()
        thread = record.thread_ts or record.message_ts
        if s.review_channel:
            msg = verdict_message(verdict, review_id=record.id, subject=record.subject,
                                  commit=record.head_sha, status_line=self.status(record.id))
            blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}},
                      *msg.blocks][:50]
            self.post(s.review_channel, text, blocks=blocks)
            if record.channel:
                self.post(record.channel, f"Senior review requested in <#{s.review_channel}> "
                                          f"by <@{user}>.", thread_ts=thread)
        elif record.channel:
            self.post(record.channel, text, thread_ts=thread)
        self.show(record)

    def approve(self, review_id: str, user: str, channel: str) -> None:
        """The *Approve* button: senior approvers only, for the reviewed head commit only."""
        if not self.settings.is_senior(user):
            group = (f" Use *Request senior review* to ask <!subteam^{self.settings.senior_group}>."
                     if self.settings.senior_group else
                     " Use *Request senior review* to ask one.")
            self.ephemeral(channel, user, f"Sorry <@{user}>, only senior approvers can approve "
                                          f"this change.{group}")
            return
        record = self._record(review_id, channel, user)
        if record is None:
            return
        moved = self._head_moved(record)
        if moved:
            self.ephemeral(channel, user, moved)
            return
        if self._first_time(
                channel, user, self.store.approve(review_id, user, source="slack"),
                lambda approval: f"You already approved this change "
                                 f"({messages.when(approval.at)})."):
            self.show(record)

    def _head_moved(self, record: ReviewRecord) -> str:
        """Why the approval cannot be given now (the PR moved on), or ""."""
        ref = parse_pull_url(record.subject)
        if ref is None:
            return ""
        try:
            pull = self.github.pull_request(ref, with_diff=False)
        except ReviewerError as exc:
            return self._scrub("Not approved: I couldn't check the pull request's current "
                               f"head commit ({exc}). Try again later.")
        if pull.head_sha and pull.head_sha != record.head_sha:
            return (f"Not approved: {record.subject} has new commits since this review "
                    f"(`{record.head_sha[:12]}` → `{pull.head_sha[:12]}`). Run a new review "
                    "and approve that one.")
        return ""

    def report(self, review_id: str, user: str, channel: str) -> None:
        """The *Full report* button."""
        record = self._record(review_id, channel, user)
        if record is None:
            return
        self.upload_report(record, note=f"Full risk report, requested by <@{user}>.")
