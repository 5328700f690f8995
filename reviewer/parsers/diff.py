"""Unified diffs and git patches → :class:`DiffDocument`.

Reads, in one parser:

* ``git diff`` / ``git show`` output and GitHub ``.diff`` downloads;
* ``git format-patch`` mails, one or several (GitHub ``.patch`` downloads are the same):
  each mail becomes a :class:`Commit` with its sha, author, date, subject, body and
  trailers (``Signed-off-by:``, ``Co-authored-by:``, ``Assisted-by:``…); the ``---``
  separator, the diffstat and the ``-- `` signature are skipped. ``quoted-printable`` and
  ``base64`` mail bodies are decoded;
* ``git log -p`` output (``commit <sha>`` / ``Author:`` / indented message);
* plain ``diff -u`` / ``diff -ruN`` output without ``diff --git`` lines, and ``svn diff``.

Git's extended headers are honoured: renames and copies (with their similarity), new and
deleted files, mode changes, binary files (``Binary files … differ`` and ``GIT binary
patch``, recorded with ``is_binary=True`` and a SKIPPED problem, never decoded), quoted
C-style path names, ``\\ No newline at end of file`` markers. Combined diffs of merges
(``diff --cc``) are skipped with a SKIPPED problem.

CRLF line endings are normalised. When a diff mixes line endings, a block of removed lines
re-added with only their line ending changed is folded back into context lines (with a NOTE)
instead of showing as a change.

Hunks are counted the way ``patch`` counts them: a header's line counts decide where a hunk
ends. Well-formed files are read as :mod:`unidiff` reads them (the few whose marker lines
unidiff treats specially are read with it); a file with a broken hunk (header
promising more lines than follow, text cut mid-hunk, lines past the promised count) is
read by a small reader here that keeps every readable line, and the document records an
ERROR problem naming the file and hunk. Text between files that is not part of any
diff is skipped with an ERROR problem. Only input with no file header, no hunk and no
commit at all raises :class:`~reviewer.errors.ParseError`.

Each hunk is annotated with its enclosing symbol (see :mod:`reviewer.parsers.syntax`),
read from the full file text when ``contents`` supplies it.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import quopri
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from difflib import SequenceMatcher
from email.errors import MessageError
from email.header import decode_header, make_header
from email.utils import parseaddr, parsedate_to_datetime
from typing import ClassVar, Literal

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

from reviewer.errors import ParseError
from reviewer.models import InputKind
from reviewer.parsers.base import Problem, ProblemLevel
from reviewer.parsers.sources import FileContents
from reviewer.parsers.syntax import annotate_hunks
from reviewer.parsers.treesitter import language_for_path

__all__ = [
    "Commit",
    "DiffDocument",
    "DiffLine",
    "FileChange",
    "FileStatus",
    "Hunk",
    "LineKind",
    "commit_from_message",
    "parse_diff",
    "split_trailers",
]

LineKind = Literal["+", "-", " "]
FileStatus = Literal["added", "deleted", "modified", "renamed", "copied"]

_SYMLINK_MODE = "120000"
#: Longest run of removed or added lines examined for line-ending-only changes.
_FOLD_LIMIT = 5000
_SUBMODULE_MODE = "160000"
#: Suffixes of the files reviewer.parsers.derive also reads as whole-file HCL documents.
_DERIVED_HCL = (".tf", ".tofu")
#: What git writes after a line without a line ending (unidiff knows only this text).
_NO_NEWLINE = "\\ No newline at end of file"


# =========================================================================== data model


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One line of a hunk: added (``+``), removed (``-``) or context (`` ``)."""

    kind: LineKind
    text: str
    old_lineno: int | None
    new_lineno: int | None
    #: The line is the last of its file and has no line ending (``\\ No newline…``).
    no_newline_at_eof: bool = False


@dataclass(frozen=True, slots=True)
class Hunk:
    """One ``@@ -a,b +c,d @@`` block of a file's diff.

    The four numbers are the header's; ``lines`` holds what was actually read, which is
    fewer lines when the hunk is truncated (an ERROR problem then says so).
    """

    old_start: int
    old_len: int
    new_start: int
    new_len: int
    #: Git's hunk heading: the text after the second ``@@`` (often the enclosing function).
    section: str
    lines: tuple[DiffLine, ...]
    #: Enclosing symbol of the first changed line, e.g. ``PaymentService.refund``.
    symbol: str | None = None
    #: Kind of ``symbol``: ``method``, ``resource``, ``key``, ``statement``, ``heading``…
    symbol_kind: str | None = None

    @property
    def header(self) -> str:
        """The hunk header as git prints it, without the heading."""
        return f"@@ -{self.old_start},{self.old_len} +{self.new_start},{self.new_len} @@"

    @property
    def added(self) -> tuple[DiffLine, ...]:
        """The added lines."""
        return tuple(line for line in self.lines if line.kind == "+")

    @property
    def removed(self) -> tuple[DiffLine, ...]:
        """The removed lines."""
        return tuple(line for line in self.lines if line.kind == "-")

    @property
    def first_changed_line(self) -> int | None:
        """New-side number of the first added line, else old-side number of the first removed."""
        first_removed: int | None = None
        for line in self.lines:
            if line.kind == "+" and line.new_lineno is not None:
                return line.new_lineno
            if line.kind == "-" and first_removed is None:
                first_removed = line.old_lineno
        return first_removed


@dataclass(frozen=True, slots=True)
class FileChange:
    """What the diff does to one file. Paths carry no ``a/`` / ``b/`` prefix."""

    old_path: str | None
    new_path: str | None
    status: FileStatus
    hunks: tuple[Hunk, ...] = ()
    is_binary: bool = False
    old_mode: str | None = None
    new_mode: str | None = None
    #: Git's similarity index (percent) of a rename or copy.
    similarity: int | None = None
    #: Tree-sitter language of the file (``python``, ``hcl``…), None when none applies.
    language: str | None = None

    @property
    def path(self) -> str:
        """The file's path after the change (before it, for a deleted file)."""
        return self.new_path or self.old_path or ""

    @property
    def added_lines(self) -> int:
        """Number of added lines."""
        return sum(1 for hunk in self.hunks for line in hunk.lines if line.kind == "+")

    @property
    def removed_lines(self) -> int:
        """Number of removed lines."""
        return sum(1 for hunk in self.hunks for line in hunk.lines if line.kind == "-")

    @property
    def mode_changed(self) -> bool:
        """True when both modes are known and differ (e.g. ``100644`` → ``100755``)."""
        return (self.old_mode is not None and self.new_mode is not None
                and self.old_mode != self.new_mode)

    @property
    def is_symlink(self) -> bool:
        """True when the file is (or was) a symbolic link."""
        return _SYMLINK_MODE in (self.old_mode, self.new_mode)

    @property
    def is_submodule(self) -> bool:
        """True when the entry is (or was) a git submodule."""
        return _SUBMODULE_MODE in (self.old_mode, self.new_mode)


@dataclass(frozen=True, slots=True)
class Commit:
    """One commit of a patch series or a git range."""

    sha: str
    author: str
    #: ISO 8601 when the source date could be read, else as given.
    date: str
    subject: str
    body: str = ""
    #: ``(key, value)`` pairs of the message's trailer block, keys as written.
    trailers: tuple[tuple[str, str], ...] = ()

    @property
    def message(self) -> str:
        """The whole message: subject, body and trailers."""
        parts = [self.subject]
        if self.body:
            parts.append(self.body)
        if self.trailers:
            parts.append("\n".join(f"{key}: {value}" for key, value in self.trailers))
        return "\n\n".join(parts)

    def trailer_values(self, key: str) -> tuple[str, ...]:
        """Values of the trailers named ``key`` (case-insensitive)."""
        wanted = key.lower()
        return tuple(value for name, value in self.trailers if name.lower() == wanted)


@dataclass(frozen=True, slots=True)
class DiffDocument:
    """A parsed diff: the files it changes, the commits it carries, what was unreadable."""

    kind: ClassVar[InputKind] = InputKind.DIFF

    path: str
    files: tuple[FileChange, ...]
    commits: tuple[Commit, ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def added_lines(self) -> int:
        """Added lines over all files."""
        return sum(f.added_lines for f in self.files)

    @property
    def removed_lines(self) -> int:
        """Removed lines over all files."""
        return sum(f.removed_lines for f in self.files)

    def iter_added(self) -> Iterator[tuple[FileChange, DiffLine]]:
        """Every added line with its file, in diff order (binary files have none)."""
        for change in self.files:
            for hunk in change.hunks:
                for line in hunk.lines:
                    if line.kind == "+":
                        yield change, line

    def iter_removed(self) -> Iterator[tuple[FileChange, DiffLine]]:
        """Every removed line with its file, in diff order."""
        for change in self.files:
            for hunk in change.hunks:
                for line in hunk.lines:
                    if line.kind == "-":
                        yield change, line

    def file(self, path: str) -> FileChange | None:
        """The change to ``path`` (new or old path), if the diff touches it."""
        for change in self.files:
            if path in (change.new_path, change.old_path):
                return change
        return None

    def describe(self) -> str:
        """One phrase saying what was analysed, e.g. ``diff of 3 files (+120 −40 lines)``."""
        count = len(self.files)
        text = (f"diff of {count} file{'' if count == 1 else 's'} "
                f"(+{self.added_lines} −{self.removed_lines} lines)")
        if self.commits:
            n = len(self.commits)
            text += f" in {n} commit{'' if n == 1 else 's'}"
        return text


# =========================================================================== commits

_TRAILER = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*:[ \t]+(\S.*)$")
_CHERRY_PICK = re.compile(r"^\(cherry picked from commit [0-9a-f]+\)$")
_SUBJECT_PREFIX = re.compile(r"^(?:\s*(?:\[[^\]]*\]|re:|fwd?:))+\s*", re.IGNORECASE)
_GIT_LOG_DATE = "%a %b %d %H:%M:%S %Y %z"


def split_trailers(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Split a commit body into (body, trailers).

    The trailer block is the last paragraph when every line of it is ``Key: value`` (or a
    continuation line starting with whitespace, or git's cherry-pick note).
    """
    stripped = text.strip("\n")
    if not stripped.strip():
        return "", ()
    paragraphs = re.split(r"\n[ \t]*\n", stripped)
    last = paragraphs[-1].split("\n")
    trailers: list[tuple[str, str]] = []
    for line in last:
        match = _TRAILER.match(line)
        if match is not None:
            trailers.append((match.group(1), match.group(2).strip()))
        elif line[:1] in (" ", "\t") and trailers:
            key, value = trailers[-1]
            trailers[-1] = (key, f"{value} {line.strip()}")
        elif _CHERRY_PICK.match(line.strip()):
            continue
        else:
            return stripped.strip(), ()
    body = "\n\n".join(paragraphs[:-1]).strip()
    return body, tuple(trailers)


def commit_from_message(sha: str, author: str, date: str, message: str) -> Commit:
    """Build a :class:`Commit` from a raw message (subject paragraph, body, trailers)."""
    text = message.replace("\r\n", "\n").strip("\n")
    parts = re.split(r"\n[ \t]*\n", text, maxsplit=1)
    subject = " ".join(parts[0].split())
    body, trailers = split_trailers(parts[1]) if len(parts) > 1 else ("", ())
    return Commit(sha=sha, author=author.strip(), date=_iso_date(date), subject=subject,
                  body=body, trailers=trailers)


def _iso_date(raw: str) -> str:
    text = raw.strip()
    if not text:
        return ""
    try:
        return parsedate_to_datetime(text).isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.strptime(text, _GIT_LOG_DATE).isoformat()
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        return text


def _decode_header(value: str) -> str:
    try:
        return str(make_header(decode_header(value)))
    except (MessageError, ValueError, LookupError):
        return value


def _author(value: str) -> str:
    decoded = " ".join(_decode_header(value).split())
    name, address = parseaddr(decoded)
    if name and address:
        return f"{name} <{address}>"
    return address or decoded


# =========================================================================== lines

_HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")
_BINARY_FILES = re.compile(r"^Binary files (.+?) and (.+?) differ$")
_MBOX_FROM = re.compile(r"^From ([0-9a-f]{7,64}) ")
_LOG_COMMIT = re.compile(r"^commit ([0-9a-f]{7,64})(?:\s|$)")
_MAIL_HEADER = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:")
_SIMILARITY = re.compile(r"^(\d+)%$")
_INDEX_MODE = re.compile(r"^index [0-9a-fA-F]+\.\.[0-9a-fA-F]+ ([0-7]{6})$")
_BINARY_DATA = re.compile(
    r"^(?:(?:literal|delta) \d+|[A-Za-z][0-9A-Za-z!#$%&()*+;<=>?@^_`{|}~-]*)$")
_GIT_PREFIX = re.compile(r"^[a-z0-9]/")
_GIT_VERSION = re.compile(r"^\d+\.\d+(?:\.\d+)*(?:[ .(].*)?$")
_SVN_REVISION = re.compile(r"\s+\((?:revision \d+|working copy|nonexistent)\)$")
_NOISE_PREFIXES = ("diff ", "Index: ", "====", "Only in ", "Common subdirectories: ",
                   "File ", "Property changes on: ", "___", "\\ ")
_DIFFSTAT = re.compile(r"^ (?:\S.* \| +(?:\d+ ?[+-]*|Bin.*)|\d+ files? changed.*)$")
_QUOTE_ESCAPES = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92,
                  '"': 34}


def _split_lines(text: str) -> tuple[list[str], dict[int, int]]:
    """Lines without their endings, and how many trailing CRs each CR-ended line had."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    crs: dict[int, int] = {}
    if "\r" in text:
        for i, line in enumerate(lines):
            if line.endswith("\r"):
                bare = line.rstrip("\r")
                crs[i] = len(line) - len(bare)
                lines[i] = bare
    return lines, crs


def _take_quoted(text: str) -> tuple[str, str]:
    """Unquote a leading C-quoted git path; return (path, rest after the closing quote)."""
    out = bytearray()
    i = 1
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            return out.decode("utf-8", "replace"), text[i + 1:]
        if ch == "\\" and i + 1 < n:
            nxt = text[i + 1]
            octal = text[i + 1:i + 4]
            if len(octal) == 3 and all(c in "01234567" for c in octal):
                out.append(int(text[i + 1:i + 4], 8) & 0xFF)
                i += 4
                continue
            out.extend(bytes([_QUOTE_ESCAPES[nxt]]) if nxt in _QUOTE_ESCAPES else nxt.encode())
            i += 2
            continue
        out.extend(ch.encode("utf-8", "surrogatepass"))
        i += 1
    return out.decode("utf-8", "replace"), ""


def _unquote(text: str) -> str:
    """A git path as printed (maybe C-quoted) → the path."""
    if text.startswith('"'):
        return _take_quoted(text)[0]
    return text


def _header_path(raw: str) -> str | None:
    """The path of a ``---``/``+++`` line (after the marker), None for /dev/null."""
    if raw.startswith('"'):
        path = _take_quoted(raw)[0]
    else:
        path = raw.split("\t", 1)[0]
        path = _SVN_REVISION.sub("", path).rstrip()
    return None if path in ("/dev/null", "") else path


def _split_git_header(rest: str) -> tuple[str, str]:
    """Split the two paths of ``diff --git A B`` (each maybe quoted)."""
    if rest.startswith('"'):
        first, remainder = _take_quoted(rest)
        return first, _unquote(remainder.strip(" "))
    quote = rest.find(' "')
    if quote != -1 and rest.endswith('"'):
        return rest[:quote], _unquote(rest[quote + 1:])
    n = len(rest)
    if n % 2 == 1 and rest[n // 2] == " " and rest[: n // 2][2:] == rest[n // 2 + 1:][2:]:
        return rest[: n // 2], rest[n // 2 + 1:]
    cut = rest.find(" b/")
    if cut != -1:
        return rest[:cut], rest[cut + 1:]
    first, _, second = rest.partition(" ")
    return first, second


def _strip_prefix(path: str | None, prefix: str) -> str | None:
    if path is None or not prefix:
        return path
    return path[len(prefix):] if path.startswith(prefix) else path


def _plain_paths(old: str | None, new: str | None) -> tuple[str | None, str | None]:
    """Drop the directory prefixes of ``diff -u a/x b/x`` or ``diff -ru old/x new/x``."""
    if old is not None and new is not None:
        old_parts, new_parts = old.split("/", 1), new.split("/", 1)
        if (len(old_parts) == 2 and len(new_parts) == 2 and old_parts[0] != new_parts[0]
                and old_parts[1] == new_parts[1]):
            return old_parts[1], new_parts[1]
        if old.startswith("a/") and new.startswith("b/"):
            return old[2:], new[2:]
        return old, new
    if old is None and new is not None and new.startswith("b/"):
        return None, new[2:]
    if new is None and old is not None and old.startswith("a/"):
        return old[2:], None
    return old, new


# =========================================================================== reading


@dataclass(slots=True)
class _RawHunk:
    header: int
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    section: str
    body_start: int
    body_end: int
    old_seen: int = 0
    new_seen: int = 0
    extra: int = 0

    @property
    def complete(self) -> bool:
        return self.old_seen == self.old_len and self.new_seen == self.new_len

    @property
    def title(self) -> str:
        return f"@@ -{self.old_start},{self.old_len} +{self.new_start},{self.new_len} @@"


@dataclass(slots=True)
class _FileBuilder:
    line: int
    git: bool
    old_path: str | None = None
    new_path: str | None = None
    status: FileStatus | None = None
    old_mode: str | None = None
    new_mode: str | None = None
    similarity: int | None = None
    is_binary: bool = False
    unknown: bool = False
    hunks: list[_RawHunk] = field(default_factory=list)

    @property
    def name(self) -> str:
        return _printable(self.new_path or self.old_path or "<unknown file>")


class _Reader:
    """Reads the file diffs of a region of lines (one mail, or a whole plain diff)."""

    def __init__(self, display: str, lines: list[str], crs: dict[int, int], offset: int = 0):
        self.display = display
        self.lines = lines
        self.crs = crs
        self.offset = offset
        self.files: list[_FileBuilder] = []
        self.problems: list[Problem] = []
        #: Index just past the last non-blank construct read (hunk, header, skipped text).
        self._mark = 0

    # ------------------------------------------------------------------ helpers

    def report(self, message: str, level: ProblemLevel, index: int | None) -> None:
        """Record a problem at 0-based line ``index`` of this reader's lines."""
        line = None if index is None else self.offset + index + 1
        self.problems.append(Problem(self.display, message, level, line))

    def _file_pair_at(self, i: int, end: int) -> bool:
        lines = self.lines
        return i + 1 < end and lines[i].startswith("--- ") and lines[i + 1].startswith("+++ ")

    def _starts_file(self, i: int, end: int) -> bool:
        line = self.lines[i]
        return (line.startswith(("diff ", "Index: ", "Binary files ", "Only in "))
                or self._file_pair_at(i, end)
                or (line.startswith("@@ ") and _HUNK_HEADER.match(line) is not None))

    def signature_at(self, start: int, end: int, *, strict: bool = False) -> int | None:
        """Index of a format-patch ``-- `` signature line ending the region, if any.

        In a mail any one-line signature counts; outside one (``strict``), only git's
        default signature, its version number (``-- `` then ``2.39.5``).
        """
        lines = self.lines
        k = end - 1
        while k >= start and not lines[k].strip():
            k -= 1
        if k - 1 < start or lines[k - 1] != "-- ":
            return None
        if strict:
            return k - 1 if _GIT_VERSION.match(lines[k]) else None
        return k - 1 if lines[k][:1] not in ("+", "-", " ", "@", "\\", "") else None

    # ------------------------------------------------------------------ region

    def read_region(self, start: int, end: int, *, signature: int | None = None) -> None:
        """Read every file diff in ``lines[start:end]`` (up to a mail's signature)."""
        if signature is not None:
            end = signature
        current: _FileBuilder | None = None
        i = start
        self._mark = start
        while i < end:
            if not self.lines[i].strip():
                i += 1
                continue
            current, i = self._step(current, i, end)
            self._mark = i

    def _step(self, current: _FileBuilder | None, i: int,
              end: int) -> tuple[_FileBuilder | None, int]:
        """Read the construct starting at non-blank line ``i``; return the file and next index."""
        lines = self.lines
        line = lines[i]
        if line.startswith("diff --git "):
            return self._git_file(i, end)
        if line.startswith(("diff --cc ", "diff --combined ")):
            return None, self._skip_combined(i, end)
        if self._file_pair_at(i, end):
            current = _FileBuilder(line=i, git=False)
            old = _header_path(line[4:])
            new = _header_path(lines[i + 1][4:])
            current.old_path, current.new_path = _plain_paths(old, new)
            self.files.append(current)
            return current, i + 2
        match = _HUNK_HEADER.match(line) if line.startswith("@@") else None
        if match is not None:
            if current is None or current.is_binary:
                current = _FileBuilder(line=i, git=False, unknown=True)
                self.files.append(current)
                self.report(f"hunk {match.group(0)[:60]} has no file header; the file it "
                            "changes is unknown", ProblemLevel.ERROR, i)
            return current, self._hunk(current, i, match, end)
        binary = _BINARY_FILES.match(line) if line.startswith("Binary files ") else None
        if binary is not None:
            current = _FileBuilder(line=i, git=False, is_binary=True)
            old, new = _header_path(binary.group(1)), _header_path(binary.group(2))
            current.old_path, current.new_path = _plain_paths(old, new)
            self.files.append(current)
            return current, i + 1
        if line == "GIT binary patch":
            return current, self._skip_binary(i + 1, end)
        if line.startswith(_NOISE_PREFIXES) or _DIFFSTAT.match(line):
            return current, i + 1
        return current, self._unexpected(current, i, end)

    def _unexpected(self, current: _FileBuilder | None, i: int, end: int) -> int:
        """Lines that belong to no header or hunk: an over-long hunk, or garbage."""
        lines = self.lines
        last = current.hunks[-1] if current is not None and current.hunks else None
        # only blank lines since the hunk ended: lines past its promised length
        if last is not None and lines[i][:1] in ("+", "-", " ") and self._mark == last.body_end:
            j = i
            while j < end and not self._starts_file(j, end):
                if lines[j][:1] in ("+", "-", " ", "\\"):
                    j += 1
                    continue
                if not lines[j].strip():
                    k = j
                    while k < end and not lines[k].strip():
                        k += 1
                    if (k < end and lines[k][:1] in ("+", "-", " ")
                            and not self._starts_file(k, end)):
                        j = k
                        continue
                break
            name = current.name if current is not None else "<unknown file>"
            last.extra += j - last.body_end
            last.body_end = j
            self.report(
                f"hunk {last.title} in {name} has {j - i} more line(s) than its header "
                "says; they were read with guessed line numbers", ProblemLevel.ERROR, i)
            return j
        j = i
        while j < end and not self._starts_file(j, end):
            j += 1
        stop = j
        while stop > i and not lines[stop - 1].strip():
            stop -= 1
        count = stop - i
        first, final = self.offset + i + 1, self.offset + stop
        where = f"diff line {first}" if count == 1 else f"diff lines {first}-{final}"
        if current is None and not self.files:
            looks_like_hunk = any(lines[k][:1] in ("+", "-") for k in range(i, stop))
            if looks_like_hunk:
                self.report(f"{count} line(s) before the first file header look like diff "
                              f"lines without a hunk header ({where}); not analysed",
                              ProblemLevel.ERROR, i)
            else:
                self.report(f"{count} line(s) of text before the first file header were "
                              f"ignored ({where})", ProblemLevel.NOTE, i)
        else:
            after = f"after {self.files[-1].name}" if self.files else "in the diff"
            self.report(f"{count} unreadable line(s) {after} were skipped ({where})",
                          ProblemLevel.ERROR, i)
        return j

    # ------------------------------------------------------------------ headers

    def _git_file(self, i: int, end: int) -> tuple[_FileBuilder, int]:
        lines = self.lines
        old_token, new_token = _split_git_header(lines[i][len("diff --git "):])
        old_prefix = new_prefix = ""
        if (_GIT_PREFIX.match(old_token) and _GIT_PREFIX.match(new_token)
                and old_token[0] != new_token[0]):
            old_prefix, new_prefix = old_token[:2], new_token[:2]
        builder = _FileBuilder(line=i, git=True, old_path=_strip_prefix(old_token, old_prefix),
                               new_path=_strip_prefix(new_token, new_prefix))
        self.files.append(builder)
        j = i + 1
        renamed_from = renamed_to = None
        while j < end:
            line = lines[j]
            if line.startswith("old mode "):
                builder.old_mode = line[9:].strip()
            elif line.startswith("new mode "):
                builder.new_mode = line[9:].strip()
            elif line.startswith("deleted file mode "):
                builder.status = "deleted"
                builder.old_mode = line[18:].strip()
            elif line.startswith("new file mode "):
                builder.status = "added"
                builder.new_mode = line[14:].strip()
            elif line.startswith("similarity index "):
                sim = _SIMILARITY.match(line[17:].strip())
                builder.similarity = int(sim.group(1)) if sim else None
            elif line.startswith("dissimilarity index "):
                pass
            elif line.startswith(("rename from ", "copy from ")):
                builder.status = "renamed" if line.startswith("rename") else "copied"
                renamed_from = _unquote(line.split(" ", 2)[2])
            elif line.startswith(("rename to ", "copy to ")):
                builder.status = "renamed" if line.startswith("rename") else "copied"
                renamed_to = _unquote(line.split(" ", 2)[2])
            elif line.startswith("index "):
                mode = _INDEX_MODE.match(line)
                if mode is not None:
                    builder.old_mode = builder.old_mode or mode.group(1)
                    builder.new_mode = builder.new_mode or mode.group(1)
            elif self._file_pair_at(j, end):
                old = _header_path(line[4:])
                new = _header_path(lines[j + 1][4:])
                builder.old_path = _strip_prefix(old, old_prefix)
                builder.new_path = _strip_prefix(new, new_prefix)
                if old is None:
                    builder.status = builder.status or "added"
                if new is None:
                    builder.status = builder.status or "deleted"
                j += 2
                break
            elif line.startswith("Binary files "):
                builder.is_binary = True
                j += 1
                break
            elif line == "GIT binary patch":
                builder.is_binary = True
                j = self._skip_binary(j + 1, end)
                break
            else:
                break
            j += 1
        if renamed_from is not None:
            builder.old_path = renamed_from
        if renamed_to is not None:
            builder.new_path = renamed_to
        return builder, j

    def _skip_binary(self, j: int, end: int) -> int:
        lines = self.lines
        while j < end and (not lines[j] or _BINARY_DATA.match(lines[j])):
            j += 1
        return j

    def _skip_combined(self, i: int, end: int) -> int:
        name = self.lines[i].split(" ", 2)[2] if self.lines[i].count(" ") >= 2 else "?"
        self.report(f"combined (merge) diff of {_printable(_unquote(name))} is not analysed",
                      ProblemLevel.SKIPPED, i)
        j = i + 1
        while j < end and not self.lines[j].startswith("diff "):
            j += 1
        return j

    # ------------------------------------------------------------------ hunks

    def _hunk(self, builder: _FileBuilder, i: int, match: re.Match[str], end: int) -> int:
        lines = self.lines
        old_len = int(match.group(2)) if match.group(2) is not None else 1
        new_len = int(match.group(4)) if match.group(4) is not None else 1
        hunk = _RawHunk(header=i, old_start=int(match.group(1)), old_len=old_len,
                        new_start=int(match.group(3)), new_len=new_len,
                        section=match.group(5).strip(), body_start=i + 1, body_end=i + 1)
        old_left, new_left = old_len, new_len
        j = i + 1
        while j < end and (old_left > 0 or new_left > 0):
            line = lines[j]
            tag = line[:1]
            if tag in (" ", ""):
                if old_left <= 0 or new_left <= 0:
                    break
                old_left -= 1
                new_left -= 1
            elif tag == "-":
                if old_left <= 0 or (line.startswith("--- ") and j + 2 < end
                                     and lines[j + 1].startswith("+++ ")
                                     and lines[j + 2].startswith("@@ ")):
                    break
                old_left -= 1
            elif tag == "+":
                if new_left <= 0:
                    break
                new_left -= 1
            elif tag != "\\":
                break
            j += 1
        while j < end and lines[j].startswith("\\"):
            j += 1
        hunk.body_end = j
        hunk.old_seen = old_len - old_left
        hunk.new_seen = new_len - new_left
        builder.hunks.append(hunk)
        if not hunk.complete:
            self.report(f"hunk {hunk.title} in {builder.name} is truncated "
                          f"({_shortfall(hunk)})", ProblemLevel.ERROR, i)
        return j

    def hand_lines(self, hunk: _RawHunk) -> list[DiffLine]:
        """The hunk's lines read by hand (used for broken hunks)."""
        out: list[DiffLine] = []
        old_no, new_no = hunk.old_start, hunk.new_start
        for line in self.lines[hunk.body_start:hunk.body_end]:
            tag = line[:1]
            if tag == "+":
                out.append(DiffLine("+", line[1:], None, new_no))
                new_no += 1
            elif tag == "-":
                out.append(DiffLine("-", line[1:], old_no, None))
                old_no += 1
            elif tag == "\\":
                if out:
                    out[-1] = replace(out[-1], no_newline_at_eof=True)
            else:
                out.append(DiffLine(" ", line[1:], old_no, new_no))
                old_no += 1
                new_no += 1
        return out

    def plain(self, builder: _FileBuilder) -> bool:
        """Whether unidiff reads this well-formed file's hunks exactly as :meth:`hand_lines`.

        It does when no hunk is empty (``@@ -0,0 +0,0 @@``: unidiff then reads one line
        past it) and every ``\\`` line is git's ``\\ No newline at end of file`` (unidiff
        drops other texts after a hunk instead of marking its last line).
        """
        lines = self.lines
        for hunk in builder.hunks:
            if hunk.old_len == 0 and hunk.new_len == 0:
                return False
            for k in range(hunk.body_start, hunk.body_end):
                line = lines[k]
                if line[:1] == "\\" and not line.startswith(_NO_NEWLINE):
                    return False
        return True

    def well_formed_lines(self, builder: _FileBuilder) -> list[list[DiffLine]] | None:
        """Every hunk of a well-formed file (None if unidiff disagrees with the counts).

        A plain file (see :meth:`plain`: nearly every file) is read here, as unidiff would
        read it, at a fraction of the cost; any other is read with unidiff.
        """
        if self.plain(builder):
            return [self.hand_lines(h) for h in builder.hunks]
        return self.unidiff_lines(builder)

    def unidiff_lines(self, builder: _FileBuilder) -> list[list[DiffLine]] | None:
        """Every hunk of a well-formed file, read with unidiff (None if it disagrees)."""
        lines = self.lines
        parts = ["--- a\n+++ b\n"]
        for hunk in builder.hunks:
            parts.append(lines[hunk.header] + "\n")
            parts.extend(line + "\n" for line in lines[hunk.body_start:hunk.body_end])
        try:
            patch = PatchSet("".join(parts))
        except UnidiffParseError:
            return None
        if len(patch) != 1 or len(patch[0]) != len(builder.hunks):
            return None
        result: list[list[DiffLine]] = []
        for raw, parsed in zip(builder.hunks, patch[0], strict=True):
            out: list[DiffLine] = []
            append = out.append
            context = 0
            for item in parsed:
                tag = item.line_type
                value: str = item.value
                if value.endswith("\n"):
                    value = value[:-1]
                if tag == "+":
                    append(DiffLine("+", value, None, item.target_line_no))
                elif tag == "-":
                    append(DiffLine("-", value, item.source_line_no, None))
                elif tag == "\\":
                    if out:
                        out[-1] = replace(out[-1], no_newline_at_eof=True)
                else:
                    append(DiffLine(" ", value, item.source_line_no, item.target_line_no))
                    context += 1
            if len(out) != raw.old_len + raw.new_len - context:
                return None
            result.append(out)
        return result

    def fold_line_endings(self, hunk: _RawHunk,
                          lines: list[DiffLine]) -> tuple[list[DiffLine], int]:
        """Turn removed/added line pairs that differ only in CR line endings into context.

        Within each run of removed lines followed by added lines, lines are paired by
        their text (ignoring CRs); a pair whose only difference is the line ending becomes
        one context line, everything else stays a change, in diff order.
        """
        indices = [k for k in range(hunk.body_start, hunk.body_end)
                   if not self.lines[k].startswith("\\")]
        if len(indices) != len(lines):
            return lines, 0
        crs = [self.crs.get(k, 0) for k in indices]
        out: list[DiffLine] = []
        folded = 0
        k = 0
        n = len(lines)
        while k < n:
            if lines[k].kind != "-":
                out.append(lines[k])
                k += 1
                continue
            r = k
            while r < n and lines[r].kind == "-":
                r += 1
            a = r
            while a < n and lines[a].kind == "+":
                a += 1
            if (a == r or r - k > _FOLD_LIMIT or a - r > _FOLD_LIMIT
                    or len(set(crs[k:a])) == 1):
                out.extend(lines[k:a])
                k = a
                continue
            matcher = SequenceMatcher(None, [line.text for line in lines[k:r]],
                                      [line.text for line in lines[r:a]], autojunk=False)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes():
                if tag != "equal":
                    out.extend(lines[k + i1:k + i2])
                    out.extend(lines[r + j1:r + j2])
                    continue
                for t in range(i2 - i1):
                    old, new = k + i1 + t, r + j1 + t
                    if (crs[old] != crs[new]
                            and lines[old].no_newline_at_eof == lines[new].no_newline_at_eof):
                        out.append(DiffLine(" ", lines[new].text, lines[old].old_lineno,
                                            lines[new].new_lineno, lines[new].no_newline_at_eof))
                        folded += 1
                    else:
                        out.extend((lines[old], lines[new]))
            k = a
        return out, folded


def _printable(name: str) -> str:
    """A file name fit for a one-line message (control characters escaped)."""
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in name)


def _shortfall(hunk: _RawHunk) -> str:
    old_short = hunk.old_seen < hunk.old_len
    new_short = hunk.new_seen < hunk.new_len
    if old_short and new_short:
        return (f"expected {hunk.old_len} old and {hunk.new_len} new lines, found "
                f"{hunk.old_seen} and {hunk.new_seen}")
    if old_short:
        return f"expected {hunk.old_len} old lines, found {hunk.old_seen}"
    return f"expected {hunk.new_len} new lines, found {hunk.new_seen}"


def _status(builder: _FileBuilder) -> FileStatus:
    if builder.status is not None:
        return builder.status
    if builder.old_path is None and builder.new_path is not None:
        return "added"
    if builder.new_path is None and builder.old_path is not None:
        return "deleted"
    if not builder.git and len(builder.hunks) == 1:
        only = builder.hunks[0]
        if only.old_start == 0 and only.old_len == 0:
            return "added"
        if only.new_start == 0 and only.new_len == 0:
            return "deleted"
    return "modified"


def _finish(reader: _Reader, builder: _FileBuilder) -> FileChange:
    status = _status(builder)
    old_path, new_path = builder.old_path, builder.new_path
    if builder.unknown:
        old_path = new_path = "<unknown file>"
    elif status == "added":
        old_path = None
    elif status == "deleted":
        new_path = None
    old_path, new_path = old_path or None, new_path or None
    if old_path is None and new_path is None:
        old_path = new_path = "<unknown file>"
        reader.report("file header without a readable file name", ProblemLevel.ERROR,
                        builder.line)
    path = new_path or old_path or ""
    if builder.is_binary:
        reader.report(f"{_printable(path)}: binary file, contents not analysed",
                        ProblemLevel.SKIPPED, builder.line)
    elif not builder.hunks and status == "modified" and not (
            builder.old_mode and builder.new_mode and builder.old_mode != builder.new_mode):
        reader.report(f"{_printable(path)}: file header without any hunk (diff cut short?)",
                        ProblemLevel.ERROR, builder.line)
    parsed: list[list[DiffLine]] | None = None
    if builder.hunks and all(h.complete and not h.extra for h in builder.hunks):
        parsed = reader.well_formed_lines(builder)
    if parsed is None:
        parsed = [reader.hand_lines(h) for h in builder.hunks]
    hunks: list[Hunk] = []
    folded = 0
    for raw, lines in zip(builder.hunks, parsed, strict=True):
        if reader.crs:
            lines, count = reader.fold_line_endings(raw, lines)
            folded += count
        hunks.append(Hunk(raw.old_start, raw.old_len, raw.new_start, raw.new_len, raw.section,
                          tuple(lines)))
    if folded:
        reader.report(f"{_printable(path)}: {folded} line(s) changed only their line endings "
                        "(CRLF/LF); read as unchanged", ProblemLevel.NOTE, builder.line)
    return FileChange(
        old_path=old_path,
        new_path=new_path,
        status=status,
        hunks=tuple(hunks),
        is_binary=builder.is_binary,
        old_mode=builder.old_mode,
        new_mode=builder.new_mode,
        similarity=builder.similarity,
        language=None if builder.is_binary or builder.unknown or {
            builder.old_mode, builder.new_mode} & {_SYMLINK_MODE, _SUBMODULE_MODE}
            else language_for_path(path),
    )


# =========================================================================== messages


@dataclass(slots=True)
class _Section:
    """One diff region of the input, with the commit it belongs to (if any)."""

    reader: _Reader
    start: int
    end: int
    signature: int | None = None


def _is_diff_start(lines: list[str], i: int, end: int) -> bool:
    line = lines[i]
    return (line.startswith(("diff --git ", "diff --cc ", "diff --combined ", "Index: "))
            or (i + 1 < end and line.startswith("--- ") and lines[i + 1].startswith("+++ ")))


def _mail_starts(lines: list[str]) -> list[int]:
    starts = []
    for i, line in enumerate(lines):
        if line.startswith("From ") and _MBOX_FROM.match(line) and i + 1 < len(lines) \
                and _MAIL_HEADER.match(lines[i + 1]):
            starts.append(i)
    return starts


def _log_starts(lines: list[str]) -> list[int]:
    starts = []
    for i, line in enumerate(lines):
        if line.startswith("commit ") and _LOG_COMMIT.match(line) and i + 1 < len(lines) \
                and lines[i + 1].startswith(("Author:", "Merge:", "AuthorDate:")):
            starts.append(i)
    return starts


def _read_headers(lines: list[str], start: int, end: int) -> tuple[dict[str, str], int]:
    """RFC 822 headers from ``start``; returns (lower-cased name → value, index after)."""
    headers: dict[str, str] = {}
    last: str | None = None
    i = start
    while i < end and lines[i].strip():
        line = lines[i]
        if line[:1] in (" ", "\t") and last is not None:
            headers[last] += " " + line.strip()
        else:
            name, sep, value = line.partition(":")
            if not sep:
                break
            last = name.strip().lower()
            headers.setdefault(last, value.strip())
            if headers[last] != value.strip():
                last = None
        i += 1
    if i < end and not lines[i].strip():
        i += 1
    return headers, i


def _decoded_body(encoding: str, lines: list[str], start: int, end: int,
                  charset: str) -> str | None:
    raw = "\n".join(lines[start:end]) + "\n"
    try:
        if encoding == "quoted-printable":
            data = quopri.decodestring(raw.encode("utf-8", "surrogateescape"))
        else:
            data = base64.b64decode("".join(raw.split()), validate=False)
    except (binascii.Error, ValueError):
        return None
    try:
        return data.decode(charset or "utf-8", "replace")
    except LookupError:
        return data.decode("utf-8", "replace")


def _message_and_diff(lines: list[str], start: int, end: int,
                      *, separator: bool) -> tuple[list[str], int]:
    """Split a mail body into message lines and the index where the diff starts."""
    message_end = end
    for i in range(start, end):
        line = lines[i]
        if separator and line == "---":
            message_end = i
            break
        if _is_diff_start(lines, i, end):
            message_end = i
            break
    diff_start = message_end
    while diff_start < end and not _is_diff_start(lines, diff_start, end):
        diff_start += 1
    return lines[start:message_end], diff_start


def _mail_commit(sha: str, headers: dict[str, str], message: list[str]) -> Commit:
    # in-body "From:" / "Date:" / "Subject:" lines override the mail's (git am does this)
    body = list(message)
    overrides: dict[str, str] = {}
    while body and re.match(r"^(From|Date|Subject): ", body[0]):
        name, _, value = body.pop(0).partition(": ")
        overrides[name.lower()] = value.strip()
    if overrides and body and not body[0].strip():
        body.pop(0)
    subject = _SUBJECT_PREFIX.sub("", _decode_header(overrides.get("subject",
                                                                   headers.get("subject", ""))))
    text, trailers = split_trailers("\n".join(body))
    return Commit(sha=sha, author=_author(overrides.get("from", headers.get("from", ""))),
                  date=_iso_date(overrides.get("date", headers.get("date", ""))),
                  subject=" ".join(subject.split()), body=text, trailers=trailers)


def _split_mails(display: str, lines: list[str], crs: dict[int, int],
                 starts: list[int]) -> tuple[list[_Section], list[Commit], list[Problem]]:
    sections: list[_Section] = []
    commits: list[Commit] = []
    problems: list[Problem] = []
    main = _Reader(display, lines, crs)
    if any(line.strip() for line in lines[: starts[0]]):
        sections.append(_Section(main, 0, starts[0]))
    bounds = [*starts, len(lines)]
    for s, e in itertools.pairwise(bounds):
        match = _MBOX_FROM.match(lines[s])
        sha = match.group(1) if match else ""
        headers, body_start = _read_headers(lines, s + 1, e)
        encoding = headers.get("content-transfer-encoding", "").strip().lower()
        if encoding in ("quoted-printable", "base64"):
            charset_match = re.search(r'charset="?([\w.-]+)', headers.get("content-type", ""))
            decoded = _decoded_body(encoding, lines, body_start, e,
                                    charset_match.group(1) if charset_match else "utf-8")
            if decoded is not None:
                sub_lines, sub_crs = _split_lines(decoded.replace("\r\n", "\n"))
                reader = _Reader(display, sub_lines, sub_crs, offset=body_start)
                message, diff_start = _message_and_diff(sub_lines, 0, len(sub_lines),
                                                        separator=True)
                commits.append(_mail_commit(sha, headers, message))
                sections.append(_Section(reader, diff_start, len(sub_lines),
                                         reader.signature_at(diff_start, len(sub_lines))))
                continue
            problems.append(Problem(display, f"mail of commit {sha[:12]}: undecodable "
                                             f"{encoding} body read as it is",
                                    ProblemLevel.ERROR, s + 1))
        message, diff_start = _message_and_diff(lines, body_start, e, separator=True)
        commits.append(_mail_commit(sha, headers, message))
        sections.append(_Section(main, diff_start, e, main.signature_at(diff_start, e)))
    return sections, commits, problems


def _split_log(display: str, lines: list[str], crs: dict[int, int],
               starts: list[int]) -> tuple[list[_Section], list[Commit]]:
    sections: list[_Section] = []
    commits: list[Commit] = []
    main = _Reader(display, lines, crs)
    if any(line.strip() for line in lines[: starts[0]]):
        sections.append(_Section(main, 0, starts[0]))
    bounds = [*starts, len(lines)]
    for s, e in itertools.pairwise(bounds):
        match = _LOG_COMMIT.match(lines[s])
        sha = match.group(1) if match else ""
        headers, i = _read_headers(lines, s + 1, e)
        message: list[str] = []
        while i < e and (lines[i].startswith("    ") or not lines[i].strip()):
            message.append(lines[i][4:])
            i += 1
        diff_start = i
        while diff_start < e and not _is_diff_start(lines, diff_start, e):
            diff_start += 1
        date = headers.get("authordate", headers.get("date", ""))
        commits.append(commit_from_message(sha, headers.get("author", ""), date,
                                           "\n".join(message)))
        sections.append(_Section(main, diff_start, e))
    return sections, commits


# =========================================================================== entry point


def _annotate(change: FileChange, contents: FileContents | None) -> FileChange:
    if not change.hunks or change.is_binary:
        return change
    if change.language is None and not any(h.section for h in change.hunks):
        return change
    old_text = contents.old_text(change.old_path) if contents is not None else None
    new_text = contents.new_text(change.new_path) if contents is not None else None
    # A Terraform file's new side is parsed again as a whole-file HCL document
    # (reviewer.parsers.derive) from the same text: one tree-sitter parse serves both.
    share_new = change.language == "hcl" and change.status != "deleted" and \
        change.path.lower().endswith(_DERIVED_HCL)
    symbols = annotate_hunks(change.language, change.hunks, old_text=old_text,
                             new_text=new_text, share_new=share_new)
    hunks = tuple(
        Hunk(h.old_start, h.old_len, h.new_start, h.new_len, h.section, h.lines, s[0], s[1])
        if s is not None else h
        for h, s in zip(change.hunks, symbols, strict=True))
    return replace(change, hunks=hunks)


def parse_diff(
    text: str,
    path: str,
    *,
    contents: FileContents | None = None,
    commits: Sequence[Commit] = (),
) -> DiffDocument:
    """Parse a unified diff, git patch series or ``git log -p`` output.

    ``contents`` (full old/new file texts, known with ``--git``) sharpens the enclosing
    symbols of hunks; ``commits`` are attached to the document after any commits found in
    the text itself.

    Raises:
        ParseError: nothing in the text is readable as a diff (no file header, no hunk, no
            commit).
    """
    if not text.strip():
        if commits:
            return DiffDocument(path, (), tuple(commits), (
                Problem(path, "no file changes", ProblemLevel.NOTE),))
        raise ParseError(path, "empty diff: nothing to review", kind=InputKind.DIFF)
    lines, crs = _split_lines(text)
    problems: list[Problem] = []
    found: list[Commit] = []
    mail_starts = _mail_starts(lines)
    log_starts = [] if mail_starts else _log_starts(lines)
    if mail_starts:
        sections, found, problems = _split_mails(path, lines, crs, mail_starts)
    elif log_starts:
        sections, found = _split_log(path, lines, crs, log_starts)
    else:
        reader = _Reader(path, lines, crs)
        sections = [_Section(reader, 0, len(lines),
                             reader.signature_at(0, len(lines), strict=True))]
    readers: dict[int, _Reader] = {}
    files: list[FileChange] = []
    for section in sections:
        reader = section.reader
        readers[id(reader)] = reader
        first = len(reader.files)
        reader.read_region(section.start, section.end, signature=section.signature)
        files.extend(_finish(reader, builder) for builder in reader.files[first:])
    for reader in readers.values():
        problems.extend(reader.problems)
    all_commits = (*found, *commits)
    if not files and not all_commits:
        raise ParseError(path, "not a unified diff: no file header ('diff --git …' or "
                               "'--- …'/'+++ …') and no hunk ('@@ -l,n +l,n @@') found",
                         kind=InputKind.DIFF)
    if not files:
        problems.append(Problem(path, "the patch carries commits but no file changes",
                                ProblemLevel.NOTE))
    annotated = tuple(_annotate(change, contents) for change in files)
    problems.sort(key=lambda p: p.line if p.line is not None else 0)
    return DiffDocument(path, annotated, all_commits, tuple(problems))
