"""SH001: ``rm -rf`` on the root, a home or system directory, or an unguarded variable path."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from reviewer.detectors.base import Detector
from reviewer.detectors.shell._common import (
    PLACEHOLDER_PREFIX,
    Script,
    classify_path,
    commands,
    parse_cli,
    preceding,
    unquote,
)
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.shell import Command, ShellScript
from reviewer.parsers.workflow import Workflow

#: One parameter expansion or command substitution at the start of a word.
_EXPANSION = re.compile(
    r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\$[0-9@*#?$!-]"
    r"|\$\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)|`[^`]*`"
)
_BRACED = re.compile(r"^(#?)([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-])(.*)$", re.S)
#: Variables a shell or CI platform always sets to a non-empty path.
_ALWAYS_SET = frozenset({
    "HOME", "PWD", "GITHUB_WORKSPACE", "RUNNER_TEMP", "RUNNER_TOOL_CACHE", "GITHUB_ACTION_PATH",
    "CI_PROJECT_DIR", "CI_BUILDS_DIR", "BITBUCKET_CLONE_DIR", "BUILD_SOURCESDIRECTORY",
    "AGENT_TEMPDIRECTORY", "AGENT_BUILDDIRECTORY", "CIRCLE_WORKING_DIRECTORY", "0",
})
#: GitHub expressions that always name an existing directory.
_SAFE_EXPRESSIONS = frozenset({
    "github.workspace", "runner.temp", "runner.tool_cache", "github.action_path",
})
#: Targets that mean "everything in the current directory".
_CWD_GLOBS = frozenset({"*", ".*", "./*", "./.*", ".", "./", "..", "../", "../*", "*/"})
_MAX_DEPTH = 3


@dataclass(frozen=True, slots=True)
class _State:
    """What may be known about an expansion's value."""

    #: ``safe`` (never empty, not a dangerous path), ``literal`` (known values) or ``unsafe``.
    kind: str
    values: tuple[str, ...] = ()
    why: str = ""


_SAFE = _State("safe")


@dataclass(frozen=True, slots=True)
class _Hit:
    message: str
    severity: Severity
    confidence: Confidence
    #: The danger depends on a variable being empty (an unseen test may rule that out).
    variable: bool = False


def _leading(word: str) -> tuple[list[str], str]:
    """(expansions at the start of ``word``, the rest)."""
    found: list[str] = []
    pos = 0
    while pos < len(word):
        match = _EXPANSION.match(word, pos)
        if match is None:
            break
        found.append(match.group(0))
        pos = match.end()
    return found, word[pos:]


def _literal_rest(text: str) -> str:
    """What is left of a value once every expansion is removed."""
    return _EXPANSION.sub("", text)


class _Analysis:
    """Variable facts of one script, as seen by one ``rm`` command."""

    def __init__(self, script: Script, command: Command) -> None:
        self.script = script
        self.command = command

    def nounset(self) -> bool:
        return self.script.shell.option("nounset", self.command.line)

    def guarded_by_test(self, name: str) -> bool:
        """An earlier ``: "${X:?}"`` or ``test -n "$X"``-style check of the variable."""
        first = self.script.guards.get(name)
        return first is not None and first < self.command.index

    def expression(self, name: str) -> _State:
        expr = self.script.expressions.get(name, "")
        if expr in _SAFE_EXPRESSIONS:
            return _SAFE
        if expr.startswith("env."):
            value = self.script.env.get(expr[4:])
            if value is not None:
                return self.value_state(value, 0)
        return _State("unsafe", why=f"${{{{ {expr} }}}} may be empty")

    def variable(self, name: str, depth: int) -> _State:
        if name.startswith(PLACEHOLDER_PREFIX) and name in self.script.expressions:
            return self.expression(name)
        if name in _ALWAYS_SET:
            return _SAFE
        if self.guarded_by_test(name):
            return _SAFE
        if name.isdigit() or name in ("@", "*"):
            return _State("unsafe", why=f"positional parameter ${name} is not checked")
        for key, value in self.command.env:
            if key == name:
                return self.value_state(value, depth)
        function = self.command.function
        assignments = [a for a in self.script.assignments_by_name.get(name, ())
                       if a.function in (None, function) and a.kind != "prefix"]
        if not assignments:
            if name in self.script.env:
                return self.value_state(self.script.env[name], depth)
            return _State("unsafe", why=f"${name} is never assigned in the script")
        literals: list[str] = []
        for assignment in assignments:
            if assignment.value is None:
                return _State("unsafe", why=f"${name} is read or declared without a value "
                                            f"(line {assignment.line})")
            if assignment.kind == "for":
                if "$" in assignment.value or "`" in assignment.value:
                    return _State("unsafe", why=f"${name} iterates over expanded values")
                literals.extend(unquote(w) for w in assignment.value.split())
                continue
            state = self.value_state(assignment.value, depth)
            if state.kind == "unsafe":
                return state
            literals.extend(state.values)
        return _State("literal", tuple(literals)) if literals else _SAFE

    def value_state(self, source: str, depth: int) -> _State:
        """What an assigned value (source text, quotes kept) may be."""
        value = unquote(source.strip())
        if value == "":
            return _State("unsafe", why="it is assigned an empty value")
        if "$" not in value and "`" not in value:
            return _State("literal", (value,))
        if "mktemp" in value:
            return _SAFE
        rest = _literal_rest(value)
        if rest.strip("/.*"):
            return _SAFE  # always contains a real name
        expansions, tail = _leading(value)
        state = _State("unsafe", why=f"it is computed ({value[:60]})")
        if len(expansions) == 1 and not tail and depth < _MAX_DEPTH:
            state = self.expansion(expansions[0], depth + 1)
        if state.kind == "unsafe" and self.nounset():
            return _SAFE  # set -u and a non-empty assignment
        return state

    def expansion(self, text: str, depth: int = 0) -> _State:
        """What one expansion may expand to."""
        if text.startswith(("$(", "`")):
            inner = text[2:-1] if text.startswith("$(") else text[1:-1]
            if re.search(r"\bmktemp\b", inner):
                return _SAFE
            return _State("unsafe", why=f"{text[:60]} may print nothing")
        if text.startswith("${"):
            match = _BRACED.match(text[2:-1])
            if match is None:
                return _State("unsafe", why=f"{text} may be empty")
            length, name, op = match.groups()
            if length:
                return _SAFE
            if op.startswith(":?"):
                return _SAFE
            if op.startswith((":-", ":=")):
                default = unquote(op[2:])
                if not default:
                    return _State("unsafe", why=f"{text} defaults to an empty value")
                if "$" not in default and classify_path(default) is not None:
                    return _State("literal", (default,))
                state = self.variable(name, depth)
                if state.kind == "literal":
                    return _State("literal", (*state.values, default))
                return _SAFE if "$" not in default else state
            return self.variable(name, depth)
        return self.variable(text[1:], depth)


def _unseen_test(script: Script, command: Command) -> bool:
    """True when a ``[ … ]`` / ``[[ … ]]`` test may guard the command.

    The shell parser does not record test expressions as commands, so a guard such as
    ``[ -n "$X" ] && rm -rf "$X/"*`` shows as an ``rm`` after ``&&`` with no recorded left
    operand, and ``if [ -d "$X" ]; then rm …`` as an ``if`` body with no recorded condition.
    """
    commands_ = script.shell.commands
    if command.connector in ("&&", "||"):
        prev = commands_[command.index - 1] if command.index > 0 else None
        if prev is None or not prev.checked or prev.end_line < command.line - 1:
            return True
    if "if" in command.context:
        depth = len(command.context) - command.context[::-1].index("if")
        prefix = command.context[:depth]
        for position in range(command.index - 1, -1, -1):
            other = commands_[position]
            if other.context[:depth] != prefix:
                break
            if other.context[depth:depth + 1] == ("if-condition",):
                return False
        return True
    return False


def _target_hit(target: str, analysis: _Analysis) -> _Hit | None:
    """Why deleting ``target`` recursively is catastrophic, or None."""
    literal = classify_path(target) if "`" not in target else None
    if literal is not None and ("$" not in target or target.startswith(("$HOME", "${HOME}"))):
        return _literal_hit(literal, "")
    expansions, rest = _leading(target)
    if not expansions:
        return None
    states = [analysis.expansion(e) for e in expansions]
    unsafe = [s for s in states if s.kind == "unsafe"]
    if unsafe:
        collapsed = classify_path(rest) if rest.startswith("/") else None
        if collapsed is not None:
            names = " ".join(expansions)
            kind, what = collapsed
            return _Hit(f"deletes {what} when {names} is empty or unset ({unsafe[0].why})",
                        Severity.HIGH if kind == "data" else Severity.CRITICAL,
                        Confidence.MEDIUM if kind == "data" else Confidence.HIGH,
                        variable=True)
        if not rest and len(expansions) == 1 and expansions[0].startswith(("$(", "`")):
            return _Hit(f"deletes a computed path ({expansions[0][:60]}) that may expand to "
                        "any directory", Severity.CRITICAL, Confidence.LOW)
        return None
    if len(expansions) == 1 and states[0].kind == "literal":
        for value in states[0].values:
            resolved = classify_path(value + rest)
            if resolved is not None:
                return _literal_hit(resolved, f" ({expansions[0]} is {value!r})")
    return None


def _literal_hit(found: tuple[str, str], note: str) -> _Hit:
    kind, what = found
    if kind == "data":
        return _Hit(f"deletes {what}{note}", Severity.HIGH, Confidence.MEDIUM)
    return _Hit(f"deletes {what}{note}", Severity.CRITICAL, Confidence.HIGH)


def _cwd_hit(target: str, script: Script, command: Command,
             analysis: _Analysis) -> _Hit | None:
    """``rm -rf *``: what the current directory is, from the nearest earlier ``cd``."""
    cd = next(preceding(script, command, ("cd", "pushd")), None)
    if cd is None:
        if script.in_ci:
            return None  # the job's own checkout
        return _Hit(f"{target} deletes everything in whatever directory the script runs from "
                    "(no cd before it)", Severity.CRITICAL, Confidence.MEDIUM)
    args = [a for a in cd.effective_argv[1:] if not a.startswith("-") or a == "-"]
    if not args:
        return _Hit(f"{target} deletes the contents of the home directory (a bare cd goes to "
                    "$HOME)", Severity.CRITICAL, Confidence.HIGH)
    where = args[0]
    if where == "-":
        return None
    direct = classify_path(where)
    if direct is not None:
        return _literal_hit(direct, f" (cd {where}, then {target})")
    expansions, rest = _leading(where)
    if expansions:
        states = [analysis.expansion(e) for e in expansions]
        unsafe = [s for s in states if s.kind == "unsafe"]
        if unsafe and not rest.strip("/"):
            return _Hit(f"{target} runs in the wrong directory when {where} is empty "
                        f"(an unquoted empty cd goes to $HOME; {unsafe[0].why})",
                        Severity.CRITICAL, Confidence.MEDIUM, variable=True)
    guarded = cd.checked or script.errexit(cd.line) or command.connector == "&&"
    if not guarded:
        return _Hit(f"{target} runs in the previous directory if cd {where} fails "
                    "(no set -e, no && or || exit)", Severity.HIGH, Confidence.MEDIUM)
    return None


class RmRfDangerousTarget(Detector[ShellScript | Workflow]):
    """`rm -rf` on `/`, a home or system directory, or a variable path that may be empty.

    ## What it detects
    A recursive `rm` (`-r`, `-R`, `--recursive`; with or without `-f`) in a shell script or a
    CI run step whose target is:

    - `/`, `/*`, `~`, `$HOME`, a system directory (`/etc`, `/usr`, `/var`, `/home`…) or
      its contents, or `--no-preserve-root`;
    - a path that starts with a variable or `$(…)` that may be empty and then collapses to
      one of those (`"$STEAMROOT/"*` → `/*`): the variable is not `${X:?}`-guarded, not
      tested (`[ -n "$X" ]`, `: "${X:?}"`), and not assigned a non-empty value (or assigned
      one but without `set -u`, when the value is computed);
    - a variable whose literal value is such a path (`DIR=/` … `rm -rf "$DIR"`);
    - `*` or `.` in the current directory with no `cd` before it, after a `cd` to an empty
      variable (an unquoted empty `cd` goes to `$HOME`), or after an unchecked `cd`;
    - a computed target (`rm -rf $(…)`): low confidence;
    - a database data directory (`/var/lib/postgresql/…`): `high`.

    Not flagged: `${VAR:?}`-guarded paths, `mktemp` results, `/tmp/…` literals, build
    directories assigned a literal non-empty value, variables the CI platform always sets
    (`$GITHUB_WORKSPACE`, `$RUNNER_TEMP`, `$CI_PROJECT_DIR`).

    ## Why is this risky?
    When the variable is empty the path becomes `/` or `/*`: Steam's updater deleted users'
    home directories this way, AI agents have run `rm -rf ~/` and `rm -rf *` in the wrong
    directory, and GitLab lost its primary database to an `rm -rf` of the data directory on
    the wrong host.

    ## Example
    ```sh
    #!/bin/bash
    STEAMROOT="$(cd "${0%/*}" && echo $PWD)"
    rm -rf "$STEAMROOT/"*
    ```

    ## Safer alternative
    Make the shell stop when the variable is empty or unset:
    ```sh
    #!/bin/bash
    STEAMROOT="$(cd "${0%/*}" && echo $PWD)"
    rm -rf "${STEAMROOT:?}/"*
    ```

    ## References
    - ShellCheck SC2115 "Use "${var:?}" to ensure this never expands to /*", SC2114
    - destructive_command_guard `core.filesystem:rm-rf-root-home`, `rm-rf-general`
    - Incidents: Steam for Linux (2015), Claude Code `rm -rf ~/` reports (2025), GitLab.com
      database deletion (2017), Pixar `rm -r -f *` (1998)
    """

    code = "SH001"
    name = "rm-rf-dangerous-target"
    family = "shell"
    kinds = (InputKind.SHELL, InputKind.WORKFLOW)
    severity = Severity.CRITICAL
    remediation = (
        "Guard every variable in a delete path with `${VAR:?}` (or `set -u` and a checked "
        "non-empty assignment), never delete `/`, `~` or system directories, and `cd` with "
        "`|| exit` before `rm -rf *`."
    )

    def detect(self, doc: ShellScript | Workflow) -> Iterator[Finding]:
        for script, command, argv in commands(doc, ("rm",), ("rm",)):
            cli = parse_cli(argv[1:])
            if not cli.has("-r", "-R", "--recursive"):
                continue
            analysis = _Analysis(script, command)
            hit: _Hit | None = None
            if cli.has("--no-preserve-root"):
                hit = _Hit("runs with --no-preserve-root, which lets it delete /",
                           Severity.CRITICAL, Confidence.HIGH)
            for target in cli.positionals:
                if hit is not None and hit.severity is Severity.CRITICAL \
                        and hit.confidence is Confidence.HIGH:
                    break
                found = (_cwd_hit(target, script, command, analysis) if target in _CWD_GLOBS
                         else _target_hit(target, analysis))
                if found is not None and (hit is None or _rank(found) > _rank(hit)):
                    hit = found
            if hit is None:
                continue
            message = f"rm -rf {hit.message}"
            if hit.variable and _unseen_test(script, command):
                message += "; a test this reviewer cannot read may guard it"
                hit = _Hit(message, Severity.MEDIUM, Confidence.LOW)
            yield self.finding(
                script.message(message, command),
                Location(path=script.path, line=command.line),
                evidence=script.evidence(command), severity=hit.severity,
                confidence=hit.confidence,
            )


def _rank(hit: _Hit) -> tuple[int, int]:
    return hit.severity.rank, hit.confidence.rank
