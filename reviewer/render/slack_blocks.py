"""The verdict as a Slack Block Kit message: header, summary, fields, findings, buttons.

Slack's limits are enforced here, not by the caller: at most 50 blocks, 150 characters in a
header, 3,000 characters in a section, 2,000 in a field, and about 10,000 characters of
block text in all (larger messages are refused with ``msg_blocks_too_long``). Whatever does
not fit is cut and :attr:`SlackMessage.truncated` says so; the caller then uploads the full
Markdown report. The top-level ``text`` is always set: notifications and screen readers
show it instead of the blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reviewer.render._common import RISK_ICONS, blast_lines
from reviewer.verdict.model import Verdict

#: Slack's hard limits (Block Kit reference; slack_sdk's model validators).
MAX_BLOCKS = 50
HEADER_LIMIT = 150
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
MAX_FIELDS = 10
CONTEXT_ELEMENT_LIMIT = 2000
BUTTON_VALUE_LIMIT = 2000
#: Budget for all block text in one message (Slack refuses at roughly 11–13 k characters).
TOTAL_TEXT_BUDGET = 10_000
#: Top-level fallback text budget (notifications show only the beginning anyway).
FALLBACK_LIMIT = 3000

#: Action ids of the verdict's buttons; their value is the review id.
ACTION_ACK = "risk_ack"
ACTION_ESCALATE = "risk_escalate"
ACTION_APPROVE = "risk_approve"
ACTION_REPORT = "risk_report"
ACTIONS_BLOCK_PREFIX = "verdict_actions"

_SUMMARY_LIMIT = 1500
_FINDINGS_SHOWN = 10
_INTENT_LIMIT = 2000
_STATUS_LIMIT = 500


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """A message ready for ``chat.postMessage`` / ``chat.update``."""

    text: str
    blocks: list[dict[str, Any]]
    #: Something was left out to respect Slack's limits: upload the full report too.
    truncated: bool


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Clipper:
    """Cuts text to a limit and remembers whether anything was cut."""

    def __init__(self) -> None:
        self.cut = False

    def __call__(self, text: str, limit: int) -> str:
        if len(text) <= limit:
            return text
        self.cut = True
        return text[: max(limit - 1, 0)].rstrip() + "…"


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _link(url: str, label: str) -> str:
    safe_url = url.replace(">", "%3E").replace("|", "%7C").replace(" ", "%20")
    return f"<{safe_url}|{escape(label)}>"


def _header(verdict: Verdict, subject: str, clip: _Clipper) -> dict[str, Any]:
    risk = verdict.risk.value
    text = f"{RISK_ICONS[risk]} {risk.upper()} risk"
    if subject:
        text += f" — {subject}"
    return {"type": "header", "text": _plain(clip(text, HEADER_LIMIT))}


def _summary(verdict: Verdict, clip: _Clipper) -> dict[str, Any]:
    lines = [escape(verdict.summary)]
    if verdict.requires_senior_approval:
        lines.append("*Requires senior approval:* AI-assisted change at high risk or above.")
    if verdict.escalations:
        lines.append("*Why the risk is raised:*")
        lines += [f"• {escape(reason)}" for reason in verdict.escalations]
    return {"type": "section", "text": _mrkdwn(clip("\n".join(lines), _SUMMARY_LIMIT))}


def _fields(verdict: Verdict, clip: _Clipper) -> dict[str, Any]:
    blast = blast_lines(verdict.blast_radius) or ["nothing measurable"]
    fields = [
        f"*Risk*\n{verdict.risk.value.upper()} (score {verdict.score}/100)",
        f"*Decision*\n{verdict.decision.value}",
        "*Blast radius*\n" + escape("\n".join(blast)),
        f"*Findings*\n{len(verdict.findings)}",
    ]
    if verdict.intent.ai_assisted:
        reasons = "; ".join(verdict.intent.ai_assisted_reasons) or "yes"
        fields.append("*AI-assisted*\n" + escape(reasons))
    return {"type": "section",
            "fields": [_mrkdwn(clip(f, 500)) for f in fields[:MAX_FIELDS]]}


def _finding_line(verdict: Verdict, index: int, clip: _Clipper) -> str:
    f = verdict.findings[index]
    line = (f"• *{f.severity.value.upper()}* `{escape(f.code)}` {escape(f.message)} "
            f"(`{escape(str(f.location))}`)")
    return clip(line, 400)


def _findings(verdict: Verdict, clip: _Clipper, shown: int) -> dict[str, Any] | None:
    if not verdict.findings:
        return None
    total = len(verdict.findings)
    lines = ["*Top findings*"]
    used = len(lines[0])
    count = 0
    for i in range(min(shown, total)):
        line = _finding_line(verdict, i, clip)
        if used + len(line) + 1 > SECTION_LIMIT - 80:
            break
        lines.append(line)
        used += len(line) + 1
        count += 1
    if count < total:
        clip.cut = True
        lines.append(f"_…and {total - count} more in the full report._")
    return {"type": "section", "text": _mrkdwn("\n".join(lines))}


def _intent_vs_effect(verdict: Verdict, clip: _Clipper) -> dict[str, Any] | None:
    if verdict.llm.status != "used":
        return None
    extra = verdict.llm.model_extra or {}
    stated = str(extra.get("stated_intent") or "")
    observed = str(extra.get("observed_effect") or "")
    if not stated and not observed:
        return None
    lines = ["*Intent vs effect* (LLM judge)",
             f"*Says:* {escape(stated) or '—'}",
             f"*Does:* {escape(observed) or '—'}"]
    mismatches = extra.get("mismatches") or []
    for m in mismatches if isinstance(mismatches, list) else []:
        if isinstance(m, dict) and m.get("description"):
            lines.append(f"• mismatch ({escape(str(m.get('certainty', '')))}): "
                         f"{escape(str(m['description']))}")
    return {"type": "section", "text": _mrkdwn(clip("\n".join(lines), _INTENT_LIMIT))}


def _button(action_id: str, label: str, review_id: str, *, style: str | None = None,
            confirm: dict[str, Any] | None = None, accessible: str = "") -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "action_id": action_id, "text": _plain(label),
                              "value": review_id[:BUTTON_VALUE_LIMIT]}
    if style:
        button["style"] = style
    if confirm:
        button["confirm"] = confirm
    if accessible:
        button["accessibility_label"] = accessible[:75]
    return button


def _actions(verdict: Verdict, review_id: str) -> dict[str, Any]:
    confirm = {
        "title": _plain("Acknowledge this risk?"),
        "text": _plain(f"You accept the {verdict.risk.value.upper()} risk of this change; "
                       "your name and the time are recorded."),
        "confirm": _plain("Acknowledge"),
        "deny": _plain("Cancel"),
    }
    return {
        "type": "actions",
        "block_id": f"{ACTIONS_BLOCK_PREFIX}:{review_id}"[:255],
        "elements": [
            _button(ACTION_ACK, "Acknowledge risk", review_id, confirm=confirm,
                    accessible="Acknowledge the risk of this change"),
            _button(ACTION_ESCALATE, "Request senior review", review_id,
                    accessible="Ask a senior reviewer to look at this change"),
            _button(ACTION_APPROVE, "Approve", review_id, style="primary",
                    accessible="Approve this change as a senior approver"),
            _button(ACTION_REPORT, "Full report", review_id,
                    accessible="Upload the full risk report into the thread"),
        ],
    }


def _context(verdict: Verdict, review_id: str | None, link: str | None,
             commit: str | None, clip: _Clipper) -> dict[str, Any]:
    cov = verdict.coverage
    parts: list[str] = []
    if commit:
        parts.append(f"commit `{escape(commit[:12])}`")
    parts.append(f"{len(cov.detectors_run)} detectors run")
    gaps = len(cov.errors)
    parts.append(f"{gaps} coverage gap{'' if gaps == 1 else 's'}" if gaps else "full coverage")
    if cov.skipped:
        parts.append(f"{len(cov.skipped)} skipped")
    parts.append(f"LLM judge: {verdict.llm.status}")
    if review_id:
        parts.append(f"review `{escape(review_id)}`")
    elements = [_mrkdwn(clip(" · ".join(parts), CONTEXT_ELEMENT_LIMIT))]
    if link and len(link) <= 400:  # a cut URL is a broken link: leave out absurd ones
        elements.append(_mrkdwn(_link(link, "open the change")))
    if gaps:
        first = cov.errors[0]
        elements.append(_mrkdwn(clip(f"gap: `{escape(first.path)}` ({first.stage}): "
                                     f"{escape(first.message)}", 300)))
    return {"type": "context", "elements": elements}


def _fallback(verdict: Verdict, subject: str, status_line: str) -> str:
    head = f"{verdict.risk.value.upper()} risk (score {verdict.score}/100, decision " \
           f"{verdict.decision.value})"
    if subject:
        head += f": {subject}"
    text = f"{head}. {verdict.summary}"
    if status_line:
        text += f" {status_line}"
    return _Clipper()(text, FALLBACK_LIMIT)


def block_text_length(blocks: list[dict[str, Any]]) -> int:
    """Characters of text in the blocks, counted the way Slack's total limit counts them."""
    total = 0

    def walk(node: Any) -> None:
        nonlocal total
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    total += len(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return total


def _assemble(verdict: Verdict, clip: _Clipper, shown: int, *, review_id: str | None,
              subject: str, link: str | None, commit: str | None, buttons: bool,
              status_line: str) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [_header(verdict, subject, clip), _summary(verdict, clip),
                                    _fields(verdict, clip)]
    findings = _findings(verdict, clip, shown)
    if findings:
        blocks += [{"type": "divider"}, findings]
    intent = _intent_vs_effect(verdict, clip)
    if intent:
        blocks.append(intent)
    if status_line:
        blocks.append({"type": "context",
                       "elements": [_mrkdwn(clip(status_line, _STATUS_LIMIT))]})
    if buttons and review_id:
        blocks.append(_actions(verdict, review_id))
    blocks.append(_context(verdict, review_id, link, commit, clip))
    return blocks[:MAX_BLOCKS]


def verdict_message(verdict: Verdict, *, review_id: str | None = None, subject: str = "",
                    link: str | None = None, commit: str | None = None, buttons: bool = True,
                    status_line: str = "") -> SlackMessage:
    """The verdict as a Slack message within Slack's limits.

    ``status_line`` (mrkdwn, e.g. "Approved by <@U1>") is shown above the buttons;
    ``buttons`` are added only with a ``review_id`` (their value).
    """
    shown = _FINDINGS_SHOWN
    while True:
        clip = _Clipper()
        blocks = _assemble(verdict, clip, shown, review_id=review_id, subject=subject,
                           link=link, commit=commit, buttons=buttons, status_line=status_line)
        if block_text_length(blocks) <= TOTAL_TEXT_BUDGET or shown == 0:
            break
        shown = max(shown - 3, 0)
    return SlackMessage(text=_fallback(verdict, subject, status_line), blocks=blocks,
                        truncated=clip.cut or shown < _FINDINGS_SHOWN)
