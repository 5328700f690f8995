"""Helpers shared by the injection detectors: where a diff line sits, run steps, masking.

The injection family reads diffs line by line (any file can carry text aimed at an AI
tool) and, for agent invocations, shell scripts and CI run steps. The run-step helper is
this family's own copy of the shell family's (families do not import each other).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath

from reviewer.errors import InputError
from reviewer.parsers.diff import FileChange
from reviewer.parsers.shell import Command, ShellScript, parse_shell
from reviewer.parsers.workflow import Workflow

EVIDENCE_MAX = 200
_GHA_EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)
_NOT_SHELL = ("python", "node", "ruby", "perl")

# Files -------------------------------------------------------------------------------------

#: Files that instruct AI coding tools (their text is expected to address the agent).
_RULES_NAMES = frozenset({
    ".cursorrules", ".windsurfrules", ".clinerules", ".roorules", "agents.md", "claude.md",
    "gemini.md", "copilot-instructions.md", "conventions.md", ".aider.conf.yml", "agent.md",
    "qwen.md", ".goosehints",
})
_RULES_DIRS = (".cursor/rules/", ".windsurf/rules/", ".clinerules/", ".github/instructions/",
               ".github/prompts/", ".claude/", ".gemini/", ".roo/", ".kiro/", ".amazonq/rules/")
_TEST_PATH = re.compile(
    r"(^|/)(tests?|__tests__|spec|specs|fixtures?|testdata|test-data|__fixtures__|evals?"
    r"|e2e|examples?/attacks?)(/|$)|(^|/)test_[^/]*$|_test\.[a-z]+$|\.(test|spec)\.[a-z]+$",
    re.IGNORECASE)
_DOC_SUFFIXES = frozenset({".md", ".markdown", ".rst", ".txt", ".adoc", ".mdx", ".org"})
_PROMPT_PATH = re.compile(r"(^|/)prompts?(/|$)|\.prompt(\.[a-z0-9]+)?$|(^|/)system[-_]?prompt",
                          re.IGNORECASE)


def norm(path: str) -> str:
    """A repository path with forward slashes."""
    return path.replace("\\", "/")


def is_rules_file(path: str) -> bool:
    """True for AI-agent instruction files (``AGENTS.md``, ``.cursorrules``, ``.cursor/rules``)."""
    p = norm(path)
    name = PurePosixPath(p).name.lower()
    return name in _RULES_NAMES or name.endswith(".mdc") or any(
        d in f"/{p}" for d in _RULES_DIRS)


def is_test_path(path: str) -> bool:
    """True for test code and fixtures."""
    return bool(_TEST_PATH.search(norm(path)))


def is_doc_path(path: str) -> bool:
    """True for prose documentation (Markdown, reStructuredText, text)."""
    return PurePosixPath(norm(path)).suffix.lower() in _DOC_SUFFIXES


def is_prompt_path(path: str) -> bool:
    """True for an application's own LLM prompt templates (``prompts/``, ``*.prompt``)."""
    return bool(_PROMPT_PATH.search(norm(path)))


def fenced_lines(change: FileChange) -> frozenset[int]:
    """New-side numbers of the lines inside Markdown code fences, as far as the hunks show.

    Each hunk is read from its first line with fences closed (a hunk that starts inside a
    fence is misread until the fence's end).
    """
    inside: set[int] = set()
    for hunk in change.hunks:
        fence = ""
        for line in hunk.lines:
            if line.kind == "-":
                continue
            stripped = line.text.lstrip()
            marker = stripped[:3]
            if marker in ("```", "~~~"):
                if not fence:
                    fence = marker
                    continue
                if marker == fence:
                    fence = ""
                    continue
            if fence and line.new_lineno is not None:
                inside.add(line.new_lineno)
    return frozenset(inside)


# Secrets ------------------------------------------------------------------------------------

_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b((?:AKIA|ASIA)[0-9A-Z]{4})[0-9A-Z]{12}\b"), r"\1…[masked]"),
    (re.compile(r"(://[^:/@\s'\"]+:)[^@\s'\"]+@"), r"\1[masked]@"),
    (re.compile(r"(?i)\b(bearer|token|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 [masked]"),
    (re.compile(r"(?i)((?:password|passwd|secret|token|api[_-]?key|access[_-]?key)"
                r"[A-Za-z_]*\s*[=:]\s*)(['\"]?)[^\s'\"]+\2"), r"\1\2[masked]\2"),
    (re.compile(r"\b(gh[pousr]_)[A-Za-z0-9]{20,}\b"), r"\1[masked]"),
    (re.compile(r"\b(xox[abprs]-)[A-Za-z0-9-]{10,}\b"), r"\1[masked]"),
    (re.compile(r"\b(sk-(?:ant-)?)[A-Za-z0-9_-]{16,}\b"), r"\1[masked]"),
)


def mask_secrets(text: str) -> str:
    """``text`` with credentials masked."""
    for pattern, repl in _SECRET_PATTERNS:
        text = pattern.sub(repl, text)
    return text


def evidence(text: str) -> str:
    """One line of evidence: whitespace collapsed, secrets masked, trimmed."""
    text = mask_secrets(" ".join(text.split()))
    return text if len(text) <= EVIDENCE_MAX else text[: EVIDENCE_MAX - 1] + "…"


# Scripts of a document ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Script:
    """A shell script under review: a script file or one workflow run step."""

    shell: ShellScript
    path: str
    owner: ShellScript | Workflow
    where: str = ""
    #: The step runs in a job container (``container:``) rather than on the runner.
    containerised: bool = False

    def touches(self, command: Command) -> bool:
        """True when the change adds any line of the command."""
        return self.owner.touches(command.line, command.end_line)


@lru_cache(maxsize=512)
def _parse_step(text: str, path: str, first_line: int) -> ShellScript | None:
    body = _GHA_EXPR.sub(lambda m: "${GHA_EXPR}" + "\n" * m.group(0).count("\n"), text)
    try:
        return parse_shell("\n" * (first_line - 1) + body, path)
    except InputError:
        return None


def scripts(doc: ShellScript | Workflow, needles: tuple[str, ...] = ()) -> Iterator[Script]:
    """The document itself, or every run step of a workflow (with file line numbers)."""
    if not isinstance(doc, Workflow):
        yield Script(doc, doc.path, doc)
        return
    for job, step in doc.all_steps():
        if not step.run or (step.shell and step.shell.split()[0].lower().startswith(_NOT_SHELL)):
            continue
        if needles and not any(n in step.run for n in needles):
            continue
        first = step.run_line or step.line
        if not doc.touches(first, first + step.run.count("\n")):
            continue
        parsed = _parse_step(step.run, doc.path, first)
        if parsed is None:
            continue
        label = step.name or step.id
        where = f"job '{job.id}' " + (f"step '{label}'" if label else f"step {step.index + 1}")
        yield Script(parsed, doc.path, doc, where,
                     containerised=job.raw.get("container") is not None)
