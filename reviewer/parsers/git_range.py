"""A git revision range for ``--git``: its diff, the full files on both sides, its commits.

Range forms (``A`` and ``B`` are any revisions git understands: branches, tags, SHAs,
``HEAD~3``):

* ``A..B`` — the change from ``A`` to ``B``: the diff of the two trees, the commits
  reachable from ``B`` but not from ``A``;
* ``A...B`` — what ``B`` did since it forked from ``A``, as a pull request shows it: the
  old side is ``git merge-base A B``;
* ``A`` alone — ``A...HEAD``: what the checked-out branch did since it forked from ``A``
  (``--git main`` on a feature branch reviews the branch; ``--git HEAD~1`` reviews the last
  commit);
* ``A^!`` — the single commit ``A`` against its first parent.

An empty side means ``HEAD`` (``main..`` is ``main..HEAD``). Uncommitted changes are never
included. Git is run with list arguments, no shell, colours and external diff drivers off,
rename detection on (``-M``), fixed ``a/``/``b/`` prefixes and no pager, so a user's git
configuration cannot change what the parser sees.

Every failure (git missing, not a repository, unknown revision, no common ancestor) raises
:class:`~reviewer.errors.GitError` with one line naming the range and git's own message.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field, replace

from reviewer.errors import GitError
from reviewer.parsers.base import Problem, ProblemLevel
from reviewer.parsers.diff import Commit, DiffDocument, commit_from_message, parse_diff
from reviewer.parsers.sources import FileContents

__all__ = ["MAX_CONTENT_BYTES", "GitChange", "load_git_range"]

#: Files larger than this (on either side) are left out of :attr:`GitChange.contents`.
MAX_CONTENT_BYTES = 2 * 1024 * 1024

_NULL_SHA_CHARS = frozenset("0")
_SKIPPED_MODES = frozenset({"160000", "120000", "000000"})
_BINARY_SNIFF = 8000
_CONFIG = (
    "-c", "core.quotepath=false",
    "-c", "color.ui=never",
    "-c", "diff.noprefix=false",
    "-c", "diff.mnemonicPrefix=false",
    "-c", "diff.relative=false",
    "-c", "log.showSignature=false",
)


@dataclass(frozen=True, slots=True)
class GitChange:
    """What ``load_git_range`` read from the repository."""

    #: The range as the user gave it.
    range_spec: str
    #: Resolved SHA of the old side (the merge base for ``A...B`` and a single ``A``).
    base: str
    #: Resolved SHA of the new side.
    head: str
    #: ``git diff`` of ``base`` and ``head`` (UTF-8; undecodable bytes replaced).
    diff_text: str
    #: Whole old and new text of every changed text file (binary and >2 MiB files left out).
    contents: FileContents = field(default_factory=FileContents)
    #: Commits of the range, oldest first.
    commits: tuple[Commit, ...] = ()
    #: Problems met while reading (e.g. undecodable bytes in the diff).
    problems: tuple[Problem, ...] = ()

    @property
    def display_path(self) -> str:
        """How documents built from this change name their source: ``git:A..B``."""
        return f"git:{self.range_spec}"

    def document(self, path: str | None = None) -> DiffDocument:
        """Parse the diff with the full contents and attach the range's commits.

        ``path`` is the display path of the document (default :attr:`display_path`).
        A range that changes no files gives a document with no files and a NOTE.
        """
        display = path or self.display_path
        problems = tuple(replace(p, path=display) for p in self.problems)
        if not self.diff_text.strip():
            note = Problem(display, f"range {self.range_spec} changes no files",
                           ProblemLevel.NOTE)
            return DiffDocument(display, (), self.commits, (*problems, note))
        doc = parse_diff(self.diff_text, display, contents=self.contents,
                         commits=self.commits)
        if problems:
            doc = replace(doc, problems=(*problems, *doc.problems))
        return doc


def _first_line(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return "no message"
    line = lines[0]
    for prefix in ("fatal: ", "error: "):
        line = line.removeprefix(prefix)
    return line


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"LC_ALL": "C", "GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0",
                "GIT_OPTIONAL_LOCKS": "0"})
    env.pop("GIT_EXTERNAL_DIFF", None)
    return env


class _Git:
    """Runs git in one repository on behalf of one range (for error messages)."""

    def __init__(self, repo: str, range_spec: str) -> None:
        self.repo = repo
        self.range_spec = range_spec
        self.env = _env()

    def fail(self, message: str) -> GitError:
        return GitError(f"git range {self.range_spec!r} in {self.repo}: {message}")

    def run(self, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        argv = ["git", "-C", self.repo, *_CONFIG, *args]
        try:
            return subprocess.run(argv, check=False, capture_output=True, input=stdin,
                                  env=self.env)
        except FileNotFoundError:
            raise self.fail("git is not installed (or not on PATH)") from None
        except OSError as exc:
            raise self.fail(f"cannot run git: {exc.strerror or exc}") from exc

    def out(self, *args: str, stdin: bytes | None = None) -> bytes:
        proc = self.run(*args, stdin=stdin)
        if proc.returncode != 0:
            raise self.fail(f"git {args[0]} failed: {_first_line(proc.stderr)}")
        return proc.stdout

    def resolve(self, rev: str) -> str:
        proc = self.run("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
        sha = proc.stdout.decode("ascii", "replace").strip()
        if proc.returncode != 0 or not sha:
            raise self.fail(f"unknown revision {rev!r}")
        return sha


def _split_range(range_spec: str) -> tuple[str, str, bool]:
    """(old rev, new rev, use the merge base?) of a range spec."""
    spec = range_spec.strip()
    if spec.endswith("^!") and ".." not in spec:
        rev = spec[:-2] or "HEAD"
        return f"{rev}^", rev, False
    if "..." in spec:
        old, new = spec.split("...", 1)
        return old or "HEAD", new or "HEAD", True
    if ".." in spec:
        old, new = spec.split("..", 1)
        return old or "HEAD", new or "HEAD", False
    return spec, "HEAD", True


def _check_spec(range_spec: str) -> None:
    spec = range_spec.strip()
    bad = not spec or spec in ("..", "...") or any(c in spec for c in "\0\n\r")
    if bad:
        raise GitError(f"invalid git range {range_spec!r}: expected A..B, A...B or a revision")
    for rev in (spec.replace("...", "..").split("..")):
        if rev.startswith("-"):
            raise GitError(f"invalid git range {range_spec!r}: a revision cannot start with '-'")


def _decode(data: bytes, what: str, problems: list[Problem], display: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(
            display,
            f"{what} is not valid UTF-8 (first bad byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}); undecodable bytes were replaced and those lines may be misread",
            ProblemLevel.ERROR))
        return data.decode("utf-8", "replace")


def _commits(git: _Git, base: str, head: str) -> tuple[Commit, ...]:
    raw = git.out("log", "--reverse", "--no-color", "--no-show-signature", "-z",
                  "--format=%H%x00%an <%ae>%x00%aI%x00%B", f"{base}..{head}", "--")
    parts = raw.decode("utf-8", "replace").split("\0")
    while parts and not parts[-1].strip():
        parts.pop()
    commits: list[Commit] = []
    for i in range(0, len(parts) - 3, 4):
        sha, author, date, message = parts[i:i + 4]
        commits.append(commit_from_message(sha.strip(), author, date, message))
    return tuple(commits)


@dataclass(frozen=True, slots=True)
class _RawEntry:
    old_mode: str
    new_mode: str
    old_sha: str
    new_sha: str
    old_path: str
    new_path: str


def _raw_entries(git: _Git, base: str, head: str) -> list[_RawEntry]:
    raw = git.out("diff", "--raw", "-z", "-M", "--no-abbrev", "--no-color", "--no-ext-diff",
                  base, head, "--")
    fields = raw.decode("utf-8", "surrogateescape").split("\0")
    entries: list[_RawEntry] = []
    i = 0
    while i < len(fields):
        meta = fields[i]
        if not meta.startswith(":"):
            i += 1
            continue
        parts = meta[1:].split()
        if len(parts) < 5:
            i += 1
            continue
        old_mode, new_mode, old_sha, new_sha, status = parts[:5]
        two_paths = status[:1] in ("R", "C")
        paths = fields[i + 1:i + (3 if two_paths else 2)]
        i += 3 if two_paths else 2
        if not paths:
            continue
        old_path, new_path = (paths[0], paths[-1])
        entries.append(_RawEntry(old_mode, new_mode, old_sha, new_sha, old_path, new_path))
    return entries


def _wanted(mode: str, sha: str) -> bool:
    return mode not in _SKIPPED_MODES and not set(sha) <= _NULL_SHA_CHARS


def _read_blobs(git: _Git, shas: list[str]) -> dict[str, str]:
    """Texts of the given blobs that are small enough and not binary."""
    if not shas:
        return {}
    unique = list(dict.fromkeys(shas))
    check = git.out("cat-file", "--batch-check", stdin="".join(f"{s}\n" for s in unique).encode())
    small: list[str] = []
    for line in check.decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "blob" and parts[2].isdigit() \
                and int(parts[2]) <= MAX_CONTENT_BYTES:
            small.append(parts[0])
    if not small:
        return {}
    data = git.out("cat-file", "--batch", stdin="".join(f"{s}\n" for s in small).encode())
    texts: dict[str, str] = {}
    pos = 0
    while pos < len(data):
        newline = data.find(b"\n", pos)
        if newline == -1:
            break
        header = data[pos:newline].split()
        pos = newline + 1
        if len(header) != 3 or not header[2].isdigit():
            continue
        size = int(header[2])
        blob = data[pos:pos + size]
        pos += size + 1
        if b"\0" in blob[:_BINARY_SNIFF]:
            continue
        try:
            texts[header[0].decode("ascii")] = blob.decode("utf-8")
        except UnicodeDecodeError:
            continue
    return texts


def _contents(git: _Git, base: str, head: str) -> FileContents:
    entries = _raw_entries(git, base, head)
    shas = [e.old_sha for e in entries if _wanted(e.old_mode, e.old_sha)]
    shas += [e.new_sha for e in entries if _wanted(e.new_mode, e.new_sha)]
    texts = _read_blobs(git, shas)
    old: dict[str, str] = {}
    new: dict[str, str] = {}
    for entry in entries:
        if _wanted(entry.old_mode, entry.old_sha) and entry.old_sha in texts:
            old[entry.old_path] = texts[entry.old_sha]
        if _wanted(entry.new_mode, entry.new_sha) and entry.new_sha in texts:
            new[entry.new_path] = texts[entry.new_sha]
    return FileContents(old=old, new=new)


def load_git_range(range_spec: str, *, repo: str = ".") -> GitChange:
    """Read the diff, full file contents and commits of a revision range.

    See the module docstring for the range forms (``A..B``, ``A...B``, ``A``, ``A^!``).

    Raises:
        GitError: git is missing, ``repo`` is not a repository, a revision is unknown, or
            the two sides of ``A...B`` have no common ancestor.
    """
    _check_spec(range_spec)
    git = _Git(repo, range_spec.strip())
    probe = git.run("rev-parse", "--git-dir")
    if probe.returncode != 0:
        message = _first_line(probe.stderr)
        if "not a git repository" not in message:
            message = f"not a git repository ({message})"
        raise git.fail(message)
    old_rev, new_rev, use_merge_base = _split_range(range_spec)
    old_sha = git.resolve(old_rev)
    head = git.resolve(new_rev)
    base = old_sha
    if use_merge_base:
        proc = git.run("merge-base", old_sha, head)
        base = proc.stdout.decode("ascii", "replace").strip()
        if proc.returncode != 0 or not base:
            raise git.fail(f"{old_rev!r} and {new_rev!r} have no common ancestor")
    problems: list[Problem] = []
    display = f"git:{range_spec.strip()}"
    diff_bytes = git.out("diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M",
                         "--unified=3", "--src-prefix=a/", "--dst-prefix=b/", base, head, "--")
    diff_text = _decode(diff_bytes, "the diff", problems, display)
    return GitChange(
        range_spec=range_spec.strip(),
        base=base,
        head=head,
        diff_text=diff_text,
        contents=_contents(git, base, head),
        commits=_commits(git, base, head),
        problems=tuple(problems),
    )
