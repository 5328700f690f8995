"""PI002: an AI coding CLI is run with its permission prompts or sandbox switched off."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from reviewer.detectors.base import Detector
from reviewer.detectors.injection._common import (
    evidence,
    is_doc_path,
    is_test_path,
    scripts,
)
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.derive import derive_file, file_kind
from reviewer.parsers.diff import DiffDocument, FileChange
from reviewer.parsers.shell import ShellScript
from reviewer.parsers.workflow import Workflow

#: Command words (and npm packages) of AI coding CLIs → the tool's name.
_TOOLS = {
    "claude": "claude", "claude-code": "claude", "@anthropic-ai/claude-code": "claude",
    "gemini": "gemini", "@google/gemini-cli": "gemini", "gemini-cli": "gemini",
    "qwen": "qwen", "@qwen-code/qwen-code": "qwen",
    "q": "q", "kiro-cli": "q",
    "codex": "codex", "@openai/codex": "codex",
    "cursor-agent": "cursor-agent",
    "aider": "aider", "aider-chat": "aider",
    "amp": "amp", "@sourcegraph/amp": "amp",
    "copilot": "copilot", "@github/copilot": "copilot",
    "opencode": "opencode",
}
#: Flags that switch approvals or the sandbox off whatever tool reads them.
_UNAMBIGUOUS = {
    "--dangerously-skip-permissions": "skips every permission prompt",
    "--dangerously-bypass-approvals-and-sandbox": "runs without approvals and without a sandbox",
    "--trust-all-tools": "trusts every tool without asking",
    "--yes-always": "answers yes to every confirmation",
    "--dangerously-allow-all": "allows every tool call without asking",
    "--allow-all-tools": "allows every tool call without asking",
}
#: Tool-specific flags (ambiguous on their own).
_BY_TOOL: dict[str, dict[str, str]] = {
    "gemini": {"--yolo": "auto-approves every action (YOLO mode)",
               "-y": "auto-approves every action (YOLO mode)"},
    "qwen": {"--yolo": "auto-approves every action (YOLO mode)",
             "-y": "auto-approves every action (YOLO mode)"},
    "codex": {"--full-auto": "runs commands without asking (full-auto)",
              "--yolo": "runs without approvals and without a sandbox"},
    "cursor-agent": {"--force": "runs every command without asking (--force)",
                     "-f": "runs every command without asking (--force)"},
    "aider": {"--yes": "answers yes to every confirmation"},
}
#: ``--option value`` pairs that mean the same (``--permission-mode bypassPermissions``).
_VALUED = {
    ("--permission-mode", "bypassPermissions"): "bypasses every permission prompt",
    ("--approval-mode", "yolo"): "auto-approves every action (YOLO mode)",
    ("--sandbox", "danger-full-access"): "runs with no sandbox (danger-full-access)",
    ("-s", "danger-full-access"): "runs with no sandbox (danger-full-access)",
    ("--ask-for-approval", "never"): "never asks for approval",
    ("-a", "never"): "never asks for approval",
}
_CONTAINER_RUN = frozenset({"docker", "podman", "nerdctl", "devcontainer"})
_NEEDLES = ("dangerously", "trust-all-tools", "yes-always", "allow-all", "yolo", "full-auto",
            "--force", "-f", "-y", "--yes", "bypassPermissions", "danger-full-access", "never")

#: Text forms of the flags, for lines of files that are not shell (package.json, JS, docs).
_TEXT_UNAMBIGUOUS = re.compile(
    r"--dangerously-skip-permissions|--dangerously-bypass-approvals-and-sandbox"
    r"|--trust-all-tools|--yes-always|--dangerously-allow-all|--allow-all-tools"
    r"|\bbypassPermissions\b|danger-full-access|--approval-mode[= ]+[\"']?yolo")
_TEXT_TOOL_FLAG = re.compile(
    r"\b(?:gemini|qwen|codex)\b[^\n]{0,120}?(?:--yolo|--full-auto|\s-y\b)"
    r"|\bcursor-agent\b[^\n]{0,120}?(?:--force|\s-f\b)", re.IGNORECASE)


def _gate(text: str) -> bool:
    """Cheap pre-check: can the line name a bypass flag at all?"""
    return ("--" in text or " -y" in text or " -f" in text
            or "bypassPermissions" in text or "danger-full-access" in text)


@dataclass(frozen=True, slots=True)
class _Bypass:
    tool: str
    flag: str
    effect: str
    contained: bool = False


def _tool_of(word: str) -> str | None:
    base = word.rsplit("/", 1)[-1] if not word.startswith("@") else word
    if base.startswith("@") and base.count("@") > 1:
        base = base.rsplit("@", 1)[0]
    elif "@" in base[1:]:
        base = base.split("@", 1)[0]
    return _TOOLS.get(base) or _TOOLS.get(word)


def bypass_in_argv(argv: tuple[str, ...]) -> _Bypass | None:
    """The permission bypass in one command line, if any."""
    tool_at = next((i for i, w in enumerate(argv) if _tool_of(w)), None)
    tool = _tool_of(argv[tool_at]) if tool_at is not None else None
    start = tool_at + 1 if tool_at is not None else 1
    contained = tool_at is not None and any(
        w.rsplit("/", 1)[-1] in _CONTAINER_RUN for w in argv[:tool_at])
    if tool == "q" and "chat" not in argv[start:]:
        tool = None  # `q` is also a text-as-data SQL tool
    words = argv[start:]
    for i, word in enumerate(words):
        flag, _, inline = word.partition("=")
        if flag in _UNAMBIGUOUS:
            return _Bypass(tool or "an AI agent CLI", flag, _UNAMBIGUOUS[flag], contained)
        if tool is None:
            continue
        value = inline or (words[i + 1] if i + 1 < len(words) else "")
        if (flag, value) in _VALUED:
            return _Bypass(tool, f"{flag} {value}", _VALUED[(flag, value)], contained)
        specific = _BY_TOOL.get(tool, {})
        if word in specific:
            return _Bypass(tool, word, specific[word], contained)
    return None


def _with_values(raw: Any) -> Iterator[tuple[str, str]]:
    if isinstance(raw, dict):
        for key, value in raw.items():
            if isinstance(value, str):
                yield str(key), value


class AgentPermissionBypass(Detector[ShellScript | Workflow | DiffDocument]):
    """An AI coding agent CLI runs with its permission prompts or sandbox turned off.

    ## What it detects
    Invocations of AI coding CLIs that remove the human from the loop:
    `claude --dangerously-skip-permissions` / `--permission-mode bypassPermissions`,
    `gemini --yolo`/`-y`/`--approval-mode yolo`, `q chat --trust-all-tools`,
    `codex --full-auto`/`--dangerously-bypass-approvals-and-sandbox`/`--sandbox
    danger-full-access`, `cursor-agent --force`, `aider --yes-always`, `amp
    --dangerously-allow-all`, `copilot --allow-all-tools` (also through `npx`). Read from
    shell scripts, CI run steps and action inputs (`claude_args:`), and from added lines of
    other files in a diff (`package.json` scripts, Makefiles, Dockerfiles, code that spawns
    the CLI, `"defaultMode": "bypassPermissions"` settings). Inside a container
    (`docker run … claude …`, a `container:` job) it is `medium`; in documentation and tests
    `medium` with low confidence.

    ## Why is this risky?
    With approvals off the agent runs any shell command it decides on, with the caller's
    credentials: a prompt injection in a file, issue or web page it reads becomes code
    execution, and a mistaken `rm -rf` or `terraform destroy` runs unasked. The Amazon Q
    wiper was shipped to run with `--trust-all-tools --no-interactive`.

    ## Example
    ```sh
    #!/bin/bash
    claude -p "fix the failing tests and push" --dangerously-skip-permissions
    ```

    ## Safer alternative
    Allow only the tools the task needs:
    ```sh
    #!/bin/bash
    claude -p "fix the failing tests" --allowedTools "Read,Edit,Bash(npm test:*)"
    ```

    ## References
    - Anthropic Claude Code docs, "--dangerously-skip-permissions" (use only in isolated
      containers without internet access)
    - AWS security bulletin AWS-2025-015 (Amazon Q `--trust-all-tools`)
    - destructive_command_guard (PreToolUse guard for agents)
    """

    code = "PI002"
    name = "agent-permission-bypass"
    family = "injection"
    kinds = (InputKind.SHELL, InputKind.WORKFLOW, InputKind.DIFF)
    severity = Severity.HIGH
    remediation = (
        "Run the agent with an allow-list of tools (or in an isolated container with no "
        "credentials and no network), never with approvals and sandboxing switched off."
    )

    def detect(self, doc: ShellScript | Workflow | DiffDocument) -> Iterator[Finding]:
        if isinstance(doc, DiffDocument):
            yield from self._diff(doc)
            return
        for script in scripts(doc, _NEEDLES):
            for command in script.shell.commands:
                if not script.touches(command):
                    continue
                found = bypass_in_argv(command.argv)
                if found is None:
                    continue
                contained = found.contained or script.containerised
                parts = [f"via {command.via}"] if command.via else []
                if contained:
                    parts.append("inside a container")
                if script.where:
                    parts.append(f"in {script.where}")
                where = f" ({', '.join(parts)})" if parts else ""
                yield self.finding(
                    f"{found.tool} runs with {found.flag}: it {found.effect}{where}",
                    Location(path=script.path, line=command.line),
                    evidence=evidence(command.raw),
                    severity=Severity.MEDIUM if contained else Severity.HIGH,
                    confidence=Confidence.MEDIUM if contained else Confidence.HIGH)
        if isinstance(doc, Workflow):
            yield from self._action_inputs(doc)

    def _action_inputs(self, doc: Workflow) -> Iterator[Finding]:
        for job, step in doc.all_steps():
            if not step.uses or not step.with_:
                continue
            lines = getattr(step.with_, "key_lines", {})
            for key, value in _with_values(step.with_):
                match = _TEXT_UNAMBIGUOUS.search(value)
                if match is None:
                    continue
                line = lines.get(key, step.line_of("with"))
                if not doc.touches(line, line + value.count("\n")):
                    continue
                yield self.finding(
                    f"{step.uses} input {key!r} passes {match.group(0)}: the agent runs without "
                    f"asking (in job '{job.id}')",
                    Location(path=doc.path, line=line), evidence=evidence(f"{key}: {value}"),
                    severity=Severity.MEDIUM if job.raw.get("container") else Severity.HIGH,
                    confidence=Confidence.HIGH)

    def _diff(self, doc: DiffDocument) -> Iterator[Finding]:
        for change in doc.files:
            if change.is_binary:
                continue
            kind = file_kind(change.path)
            if kind is InputKind.SHELL:
                continue  # read as a whole script
            hits = [(line.new_lineno, line.text) for hunk in change.hunks for line in hunk.lines
                    if line.kind == "+" and line.new_lineno is not None
                    and _gate(line.text)
                    and (_TEXT_UNAMBIGUOUS.search(line.text)
                         or _TEXT_TOOL_FLAG.search(line.text))]
            if not hits:
                continue
            if kind is not None and self._derived(change, doc):
                continue  # the file's own parser reads it (workflows)
            yield from self._lines(change, hits)

    @staticmethod
    def _derived(change: FileChange, doc: DiffDocument) -> bool:
        derived, _ = derive_file(change, doc, None)
        return derived is not None

    def _lines(self, change: FileChange, hits: list[tuple[int, str]]) -> Iterator[Finding]:
        path = change.path
        soft = is_doc_path(path) or is_test_path(path)
        for number, text in hits:
            match = _TEXT_UNAMBIGUOUS.search(text) or _TEXT_TOOL_FLAG.search(text)
            flag = match.group(0) if match else "a bypass flag"
            note = " (in documentation or a test)" if soft else ""
            yield self.finding(
                f"{path}: an AI agent is configured to run without permission prompts "
                f"({' '.join(flag.split())[:80]}){note}",
                Location(path=path, line=number), evidence=evidence(text),
                severity=Severity.MEDIUM if soft else Severity.HIGH,
                confidence=Confidence.LOW if soft else Confidence.HIGH)
