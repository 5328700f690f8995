"""What a Slack message asks to review: a pull request, a pasted diff, or attached files.

Slack text arrives with ``&``, ``<`` and ``>`` escaped and links wrapped as ``<url|label>``;
both are undone here before anything is parsed. Attached files are described by Slack's
file objects; they are downloaded later (see :mod:`reviewer.slack.files`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reviewer.github.client import PullRef, parse_pull_url

#: File name endings the reviewer reads from Slack attachments.
SUPPORTED_SUFFIXES = (".diff", ".patch", ".json", ".sql", ".yaml", ".yml", ".sh", ".bash",
                      ".tf", ".hcl", ".txt")

_CODE_BLOCK = re.compile(r"```(.*?)```", re.DOTALL)
_SLACK_LINK = re.compile(r"<((?:https?|mailto):[^>|]+)(?:\|[^>]*)?>")
_MENTION = re.compile(r"<[@#!][^>]*>")


@dataclass(frozen=True)
class SlackFile:
    """An attached file as Slack describes it."""

    id: str
    name: str
    size: int
    url: str
    mimetype: str = ""

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> SlackFile:
        """Read a Slack file object (event, shortcut or ``files.info`` answer)."""
        return cls(
            id=str(data.get("id", "")),
            name=str(data.get("name") or data.get("title") or data.get("id") or "file"),
            size=int(data.get("size") or 0),
            url=str(data.get("url_private_download") or data.get("url_private") or ""),
            mimetype=str(data.get("mimetype") or ""),
        )

    @property
    def supported(self) -> bool:
        """Whether the name ends in a suffix the reviewer reads."""
        return self.name.lower().endswith(SUPPORTED_SUFFIXES)


@dataclass(frozen=True)
class Target:
    """One thing to review, found in a message."""

    #: A pull request to fetch from GitHub.
    pull: PullRef | None = None
    #: Text pasted into the message (a diff in a code block, or the whole text).
    text: str = ""
    files: tuple[SlackFile, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        """Nothing reviewable was found."""
        return self.pull is None and not self.text and not self.files

    def describe(self) -> str:
        """A few words for the placeholder message."""
        if self.pull is not None:
            return self.pull.slug
        if self.files:
            return ", ".join(f"`{f.name}`" for f in self.files)
        return "the pasted change"

    def content_sha(self) -> str:
        """A digest of pasted text and file ids: the "head" an approval is bound to."""
        digest = hashlib.sha256(self.text.encode("utf-8"))
        for f in self.files:
            digest.update(f"\0{f.id}:{f.name}:{f.size}".encode())
        return digest.hexdigest()


def unescape(text: str) -> str:
    """Undo Slack's escaping of ``&``, ``<`` and ``>``."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def plain_links(text: str) -> str:
    """Replace ``<url|label>`` with ``url`` and drop user/channel mentions."""
    return _MENTION.sub("", _SLACK_LINK.sub(lambda m: m.group(1), text))


def _code_blocks(text: str) -> str:
    blocks = [m.group(1).strip("\n") for m in _CODE_BLOCK.finditer(text)]
    return "\n".join(b for b in blocks if b.strip())


def find_target(text: str, files: Sequence[Any] = (),
                *, whole_text: bool = False) -> Target:
    """The reviewable thing in a message.

    A code block wins (its content is reviewed); then attached files; then a pull-request
    link or ``owner/repo#123``; with ``whole_text`` (a slash command's argument), any other
    non-empty text is reviewed as pasted input.
    """
    code = unescape(_code_blocks(text))
    if code.strip():
        return Target(text=code + ("\n" if not code.endswith("\n") else ""))
    slack_files = tuple(SlackFile.from_payload(f) for f in files if isinstance(f, Mapping))
    if slack_files:
        return Target(files=slack_files)
    linked = plain_links(text)
    pull = parse_pull_url(linked)
    if pull is not None:
        return Target(pull=pull)
    if whole_text:
        rest = unescape(linked).strip()
        if rest:
            return Target(text=rest + "\n")
    return Target()
