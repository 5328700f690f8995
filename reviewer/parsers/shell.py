"""Shell scripts (bash / POSIX sh) → :class:`ShellScript` of :class:`Command`.

Parsed with the tree-sitter bash grammar, so a command named in a comment, an ``echo``
string or a heredoc body is never mistaken for one that runs. Every simple command is
recorded wherever it sits: top level, functions, ``if``/``while``/``for``/``case`` bodies,
subshells, brace groups, ``&&``/``||`` lists, pipelines, ``$(…)``, backticks and ``<(…)``.
One level of nested scripts is re-parsed: ``bash -c '…'`` / ``sh -c "…"`` (also after
``sudo``, ``docker exec``, ``kubectl exec --``), ``eval …`` and the remote command of
``ssh host '…'``; their commands carry ``via`` and lines of the outer file.

``argv`` holds the words with quotes removed and expansions kept as written (``"$DIR"/*``
→ ``$DIR/*``, ``${DIR:?}`` stays), so detectors can tell a literal path from one that
depends on a variable. ``assignments`` and ``set_options`` (``set -euo pipefail``) tell
whether such a variable may be empty and whether the script stops on errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import ClassVar

from tree_sitter import Node

from reviewer.errors import ParseError
from reviewer.models import InputKind
from reviewer.parsers.base import Lazy, Problem, ProblemLevel, lines_touched
from reviewer.parsers.treesitter import parse as ts_parse

_KIND = InputKind.SHELL

#: Interpreters whose ``-c`` argument is a script.
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "ash", "busybox"})
#: Commands that run their arguments as another command.
WRAPPERS = frozenset({"sudo", "doas", "env", "nohup", "time", "nice", "ionice", "exec",
                      "command", "builtin", "timeout", "stdbuf", "xargs", "chroot", "setsid"})
#: Options of those wrappers that take a value.
_WRAPPER_VALUE_OPTS: dict[str, frozenset[str]] = {
    "sudo": frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T"}),
    "nice": frozenset({"-n"}),
    "ionice": frozenset({"-c", "-n", "-p"}),
    "timeout": frozenset({"-s", "-k", "--signal", "--kill-after"}),
    "xargs": frozenset({"-I", "-n", "-P", "-L", "-d", "-E", "-s", "-a"}),
    "env": frozenset({"-u", "-C", "-S"}),
}
_SET_LETTERS = {"e": "errexit", "u": "nounset", "x": "xtrace", "f": "noglob", "v": "verbose",
                "n": "noexec", "C": "noclobber", "a": "allexport"}
_SSH_VALUE_OPTS = set("BbcDEeFIiJLlmOopQRSWw")
_READ_VALUE_OPTS = frozenset({"-p", "-d", "-t", "-n", "-N", "-u", "-i"})
_DECLARATIONS = frozenset({"export", "local", "declare", "readonly", "typeset"})
#: Most syntax errors reported one by one.
_MAX_ERRORS = 20


@dataclass(frozen=True, slots=True)
class Command:
    """One simple command."""

    #: Words with quotes removed; expansions kept as written (``$DIR``, ``${DIR:?}``).
    argv: tuple[str, ...]
    #: Source text of the command (without its redirections and heredoc).
    raw: str
    #: 1-based line where the command starts (in the outer file for re-parsed scripts).
    line: int
    end_line: int
    #: 0-based position among all commands, in source order of discovery.
    index: int = 0
    #: ``NAME=value`` prefixes (``FOO=1 cmd``) as (name, value source).
    env: tuple[tuple[str, str], ...] = ()
    #: Redirections as written (``> out``, ``2>/dev/null``, ``<<EOF``).
    redirects: tuple[str, ...] = ()
    #: Index into :attr:`ShellScript.pipelines`, when the command is a pipeline stage.
    pipeline: int | None = None
    #: 0-based stage within its pipeline.
    stage: int = 0
    #: Preceded by ``!``.
    negated: bool = False
    #: Its failure does not stop a ``set -e`` script: an ``if``/``while`` condition, a
    #: negated command, or any command of an ``&&``/``||`` list but the last.
    checked: bool = False
    #: ``"&&"`` or ``"||"`` when the command follows one in a list.
    connector: str | None = None
    #: Ends with ``&`` (runs in the background).
    background: bool = False
    #: Name of the enclosing function, if any.
    function: str | None = None
    #: Enclosing constructs, outermost first: ``function:deploy``, ``if``, ``if-condition``,
    #: ``while-condition``, ``loop``, ``case``, ``subshell``, ``group``, ``$()``, ``<()``.
    context: tuple[str, ...] = ()
    #: ``"bash -c"``, ``"eval"`` or ``"ssh"`` when found by re-parsing a string argument.
    via: str | None = None
    #: Body of a heredoc fed to the command (not parsed as commands).
    heredoc: str | None = None

    @property
    def name(self) -> str:
        """The command word as written (``argv[0]``), or ``""``."""
        return self.argv[0] if self.argv else ""

    @property
    def program(self) -> str:
        """Base name of the command word (``/usr/bin/rm`` → ``rm``)."""
        return self.name.rsplit("/", 1)[-1]

    @property
    def effective_argv(self) -> tuple[str, ...]:
        """argv with wrappers removed: ``sudo -u x env A=1 rm -rf /d`` → ``rm -rf /d``."""
        return strip_wrappers(self.argv)


@dataclass(frozen=True, slots=True)
class Pipeline:
    """Commands joined by ``|``; their :attr:`Command.pipeline` is this index."""

    index: int
    line: int
    raw: str
    #: Number of stages.
    size: int


@dataclass(frozen=True, slots=True)
class Assignment:
    """A variable given a value (or declared) somewhere in the script."""

    name: str
    #: Source text of the value (quotes kept); None when declared without one.
    value: str | None
    line: int
    #: ``assign``, ``export``, ``local``, ``declare``, ``readonly``, ``typeset``, ``for``,
    #: ``read`` or ``prefix`` (``NAME=v cmd``, scoped to one command).
    kind: str = "assign"
    function: str | None = None


@dataclass(frozen=True, slots=True)
class SetOption:
    """A shell option switched on or off (``set -e``, ``set +o pipefail``, shebang flags)."""

    #: Long name: ``errexit``, ``nounset``, ``pipefail``, ``xtrace``…
    name: str
    enabled: bool
    line: int
    function: str | None = None


@dataclass(frozen=True, slots=True)
class Function:
    """A shell function definition."""

    name: str
    line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class ShellScript:
    """A parsed shell script."""

    kind: ClassVar[InputKind] = InputKind.SHELL

    path: str
    commands: tuple[Command, ...]
    pipelines: tuple[Pipeline, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    set_options: tuple[SetOption, ...] = ()
    functions: tuple[Function, ...] = ()
    shebang: str | None = None
    problems: tuple[Problem, ...] = ()
    #: New-side lines the change touches when this file came from a diff (None: the whole
    #: file is under review).
    changed_lines: frozenset[int] | None = None
    #: The file before the change (parsed on first use), when it came from a diff.
    previous: Lazy[ShellScript | None] | None = field(default=None, compare=False, repr=False)
    #: The diff this file came from, when it did.
    origin: str | None = None

    def touches(self, start: int | None, end: int | None = None) -> bool:
        """True when lines ``start``..``end`` are part of the change under review."""
        return lines_touched(self.changed_lines, start, end)

    def before(self) -> ShellScript | None:
        """The file before the change, when it came from a diff and existed before."""
        return self.previous.get() if self.previous is not None else None

    def option(self, name: str, line: int | None = None) -> bool:
        """Whether an option (``errexit``…) is on at ``line`` (at the end when None).

        Reads top-level ``set`` commands and shebang flags in line order; options set
        inside functions are ignored, as they depend on when the function is called.
        """
        state = False
        for opt in sorted(self.set_options, key=lambda o: o.line):
            if opt.name != name or opt.function is not None:
                continue
            if line is not None and opt.line > line:
                break
            state = opt.enabled
        return state

    @property
    def errexit(self) -> bool:
        """``set -e`` is in effect at the end of the top level."""
        return self.option("errexit")

    @property
    def nounset(self) -> bool:
        """``set -u`` is in effect at the end of the top level."""
        return self.option("nounset")

    @property
    def pipefail(self) -> bool:
        """``set -o pipefail`` is in effect at the end of the top level."""
        return self.option("pipefail")

    def assignments_of(self, name: str) -> tuple[Assignment, ...]:
        """Every assignment to the variable ``name``."""
        return tuple(a for a in self.assignments if a.name == name)

    def pipeline_commands(self, index: int) -> tuple[Command, ...]:
        """Commands of one pipeline, in stage order."""
        return tuple(sorted((c for c in self.commands if c.pipeline == index),
                            key=lambda c: (c.stage, c.line)))

    def by_program(self, *programs: str) -> tuple[Command, ...]:
        """Commands whose effective program (wrappers removed) is one of ``programs``."""
        out = []
        for c in self.commands:
            argv = c.effective_argv
            if argv and argv[0].rsplit("/", 1)[-1] in programs:
                out.append(c)
        return tuple(out)

    def describe(self) -> str:
        """One phrase saying what was analysed."""
        return f"shell script with {len(self.commands)} commands"


def strip_wrappers(argv: tuple[str, ...]) -> tuple[str, ...]:
    """Drop leading wrapper commands (``sudo``, ``env A=1``, ``nohup``, ``timeout 5``…)."""
    i = 0
    while i < len(argv):
        prog = argv[i].rsplit("/", 1)[-1]
        if prog not in WRAPPERS:
            break
        value_opts = _WRAPPER_VALUE_OPTS.get(prog, frozenset())
        i += 1
        while i < len(argv):
            word = argv[i]
            if word == "--":
                i += 1
                break
            if word in value_opts:
                i += 2
            elif (word.startswith("-") and len(word) > 1) or (
                    prog == "env" and "=" in word and not word.startswith("=")):
                i += 1
            else:
                break
        if prog == "timeout" and i < len(argv) and re.fullmatch(r"[\d.]+[smhd]?", argv[i]):
            i += 1  # the duration
        if prog == "nice" and i < len(argv) and re.fullmatch(r"-\d+", argv[i]):
            i += 1
    return argv[i:]


# Word text ----------------------------------------------------------------------------

_BACKSLASH = re.compile(r"\\(.)", re.S)
_DQ_ESCAPE = re.compile(r"\\([\\\"$`\n])")


@dataclass(frozen=True, slots=True)
class _Ctx:
    function: str | None = None
    context: tuple[str, ...] = ()
    checked: bool = False
    negated: bool = False
    connector: str | None = None
    pipeline: int | None = None
    stage: int = 0
    background: bool = False
    via: str | None = None
    offset: int = 0  # lines to add (re-parsed scripts)


class _Walker:
    """Walks one tree (the file, or a re-parsed string) and records what it finds."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.commands: list[Command] = []
        self.pipelines: list[Pipeline] = []
        self.assignments: list[Assignment] = []
        self.options: list[SetOption] = []
        self.functions: list[Function] = []
        self.problems: list[Problem] = []
        self.errors = 0
        self.src = b""

    # helpers ------------------------------------------------------------------------

    def text(self, node: Node) -> str:
        return self.src[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def word(self, node: Node) -> str:
        """A word with quoting removed and expansions kept as written."""
        kind = node.type
        text = self.text(node)
        if kind == "word":
            return _BACKSLASH.sub(r"\1", text.replace("\\\n", ""))
        if kind == "raw_string":
            return text[1:-1]
        if kind == "string":
            inner = text[1:-1] if len(text) >= 2 and text.endswith('"') else text[1:]
            return _DQ_ESCAPE.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), inner)
        if kind in ("ansi_c_string", "translated_string"):
            return text[2:-1]
        if kind == "concatenation":
            return "".join(self.word(c) for c in node.children)
        if kind == "command_name":
            return "".join(self.word(c) for c in node.children) if node.children else text
        return text

    def line(self, node: Node, ctx: _Ctx) -> int:
        return node.start_point.row + 1 + ctx.offset

    def end_line(self, node: Node, ctx: _Ctx) -> int:
        end = node.end_point
        row = end.row - 1 if end.column == 0 and end.row > node.start_point.row else end.row
        return row + 1 + ctx.offset

    def report_errors(self, node: Node, ctx: _Ctx) -> None:
        stack = [node]
        while stack:
            current = stack.pop()
            if current.is_missing or current.type == "ERROR":
                self.errors += 1
                if self.errors <= _MAX_ERRORS:
                    line = self.line(current, ctx)
                    what = (f"missing {current.type!r}" if current.is_missing
                            else f"cannot parse {self.text(current)[:40].splitlines()[0]!r}"
                            if self.text(current).strip() else "syntax error")
                    where = f" in {ctx.via} string" if ctx.via else ""
                    self.problems.append(Problem(
                        self.path, f"shell syntax error at line {line}{where}: {what}; "
                                   "commands there may have been missed", ProblemLevel.ERROR,
                        line=line))
                continue  # errors inside an ERROR node are the same error
            stack.extend(c for c in current.children if c.has_error or c.is_missing)

    # walking ------------------------------------------------------------------------

    def walk_children(self, node: Node, ctx: _Ctx) -> None:
        children = node.children
        for i, child in enumerate(children):
            if not child.is_named:
                continue
            background = i + 1 < len(children) and children[i + 1].type == "&"
            self.walk(child, replace(ctx, background=background) if background else ctx)

    def walk(self, node: Node, ctx: _Ctx) -> None:
        kind = node.type
        if kind == "command":
            self.command(node, ctx)
        elif kind in ("comment", "heredoc_body", "heredoc_start", "heredoc_end", "word",
                      "raw_string", "number", "variable_name", "ansi_c_string"):
            return
        elif kind == "variable_assignment":
            self.assignment(node, "assign", ctx)
            self.walk_children(node, self.plain(ctx))
        elif kind == "variable_assignments":
            self.walk_children(node, ctx)
        elif kind in ("declaration_command", "unset_command"):
            self.declaration(node, ctx)
        elif kind == "list":
            self.list_(node, ctx)
        elif kind == "pipeline":
            self.pipeline(node, ctx)
        elif kind == "negated_command":
            inner = replace(ctx, negated=True, checked=True)
            self.walk_children(node, inner)
        elif kind == "redirected_statement":
            self.redirected(node, ctx)
        elif kind == "function_definition":
            self.function(node, ctx)
        elif kind in ("if_statement", "elif_clause"):
            self.if_(node, ctx)
        elif kind in ("while_statement", "until_statement"):
            self.while_(node, ctx)
        elif kind in ("for_statement", "c_style_for_statement", "select_statement"):
            self.for_(node, ctx)
        elif kind == "case_statement":
            self.walk_children(node, self.plain(ctx, "case"))
        elif kind == "subshell":
            self.walk_children(node, self.plain(ctx, "subshell"))
        elif kind == "compound_statement":
            self.walk_children(node, self.plain(ctx, "group"))
        elif kind == "command_substitution":
            self.walk_children(node, self.plain(ctx, "$()", keep_checked=False))
        elif kind == "process_substitution":
            self.walk_children(node, self.plain(ctx, "<()", keep_checked=False))
        else:
            self.walk_children(node, self.plain(ctx) if ctx.connector or ctx.pipeline is not None
                               else ctx)

    def plain(self, ctx: _Ctx, context: str | None = None, *, keep_checked: bool = True) -> _Ctx:
        """A context for nested statements: no connector, no pipeline stage."""
        return replace(ctx, connector=None, pipeline=None, stage=0, negated=False,
                       background=False, checked=ctx.checked if keep_checked else False,
                       context=(*ctx.context, context) if context else ctx.context)

    def list_(self, node: Node, ctx: _Ctx) -> None:
        children = [c for c in node.children if c.type != "comment"]
        op: str | None = None
        first = True
        for i, child in enumerate(children):
            if not child.is_named:
                if child.type in ("&&", "||"):
                    op = child.type
                continue
            is_last = all(not c.is_named for c in children[i + 1:])
            sub = replace(ctx, connector=ctx.connector if first else op,
                          checked=ctx.checked or not is_last)
            self.walk(child, sub)
            first = False

    def pipeline(self, node: Node, ctx: _Ctx, lead: tuple[Node, _Extra] | None = None) -> None:
        """Record a pipeline; ``lead`` is a first stage the grammar put outside it
        (``cat <<EOF | sh`` puts ``| sh`` inside the heredoc redirect)."""
        stages: list[tuple[Node, _Extra | None]] = [lead] if lead is not None else []
        stages += [(c, None) for c in node.children if c.is_named and c.type != "comment"]
        index = len(self.pipelines)
        raw = self.text(node)
        if lead is not None:
            raw = f"{self.text(lead[0])} | {raw.lstrip('|& ')}"
        self.pipelines.append(Pipeline(index=index, line=self.line(stages[0][0], ctx), raw=raw,
                                       size=len(stages)))
        for stage, (child, extra) in enumerate(stages):
            sub = replace(ctx, pipeline=index, stage=stage,
                          connector=ctx.connector if stage == 0 else None)
            if extra is not None:
                self.command(child, sub, extra)
            else:
                self.walk(child, sub)

    def redirected(self, node: Node, ctx: _Ctx) -> None:
        body = node.child_by_field_name("body")
        redirects: list[str] = []
        heredoc: str | None = None
        # Statements the grammar nests in a heredoc redirect (``cat <<EOF | sh``,
        # ``cat <<EOF && next``), with the operator that joins them.
        tail: list[tuple[Node, str | None]] = []
        for child in node.children:
            if child == body:
                continue
            if child.type == "heredoc_redirect":
                parts: list[str] = []
                op: str | None = None
                for part in child.children:
                    if part.type == "heredoc_body":
                        heredoc = self.text(part)
                    elif part.type in ("heredoc_start", "<<", "<<-"):
                        parts.append(self.text(part))
                    elif part.type in ("&&", "||"):
                        op = part.type
                    elif part.type.endswith("redirect"):
                        redirects.append(self.text(part))
                        self.walk_children(part, self.plain(ctx))
                    elif part.is_named and part.type not in ("heredoc_end", "heredoc_content"):
                        tail.append((part, op))
                        op = None
                redirects.insert(0, "".join(parts))
            elif child.is_named:
                redirects.append(self.text(child))
                self.walk_children(child, self.plain(ctx))
        if body is None:
            self.walk_children(node, ctx)
            return
        pipe = next((t for t, _ in tail if t.type == "pipeline"), None)
        extra = _Extra(redirects=tuple(redirects), heredoc=heredoc)
        in_list = any(op is not None for _, op in tail)
        body_ctx = replace(ctx, checked=True) if in_list else ctx
        if pipe is not None and body.type == "command":
            self.pipeline(pipe, body_ctx, (body, extra))
        elif body.type == "command":
            self.command(body, body_ctx, extra)
        else:
            self.walk(body, body_ctx)
        for t, op in tail:
            if t != pipe:
                self.walk(t, replace(self.plain(ctx), connector=op, checked=ctx.checked))

    def function(self, node: Node, ctx: _Ctx) -> None:
        name_node = node.child_by_field_name("name")
        name = self.text(name_node) if name_node is not None else "?"
        self.functions.append(Function(name=name, line=self.line(node, ctx),
                                       end_line=self.end_line(node, ctx)))
        inner = replace(self.plain(ctx, f"function:{name}"), function=name, checked=False)
        body = node.child_by_field_name("body")
        if body is not None:
            self.walk(body, inner)

    def if_(self, node: Node, ctx: _Ctx) -> None:
        in_condition = True
        base = self.plain(ctx, "if") if node.type == "if_statement" else self.plain(ctx)
        for child in node.children:
            if child.type == "then":
                in_condition = False
                continue
            if not child.is_named:
                continue
            if child.type == "elif_clause":
                self.walk(child, base)
                continue
            if child.type == "else_clause":
                self.walk_children(child, base)
                continue
            if in_condition:
                self.walk(child, replace(base, checked=True,
                                         context=(*base.context, "if-condition")))
            else:
                self.walk(child, base)

    def while_(self, node: Node, ctx: _Ctx) -> None:
        base = self.plain(ctx, "loop")
        for i, child in enumerate(node.children):
            if not child.is_named:
                continue
            if node.field_name_for_child(i) == "condition":
                self.walk(child, replace(base, checked=True,
                                         context=(*base.context, "while-condition")))
            else:
                self.walk(child, base)

    def for_(self, node: Node, ctx: _Ctx) -> None:
        base = self.plain(ctx, "loop")
        var = node.child_by_field_name("variable")
        if var is not None:
            values = [self.text(node.children[i]) for i in range(node.child_count)
                      if node.field_name_for_child(i) == "value"]
            self.assignments.append(Assignment(
                name=self.text(var), value=" ".join(values) if values else None,
                line=self.line(node, ctx), kind="for", function=ctx.function))
        for i, child in enumerate(node.children):
            if child.is_named and node.field_name_for_child(i) != "variable":
                self.walk(child, base)

    def assignment(self, node: Node, kind: str, ctx: _Ctx) -> tuple[str, str | None]:
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        name = self.text(name_node) if name_node is not None else self.text(node).split("=")[0]
        value = self.text(value_node) if value_node is not None else (
            "" if "=" in self.text(node) else None)
        self.assignments.append(Assignment(name=name, value=value, line=self.line(node, ctx),
                                           kind=kind, function=ctx.function))
        return name, value

    def declaration(self, node: Node, ctx: _Ctx) -> None:
        keyword = node.children[0].type if node.children else ""
        argv = [keyword]
        for child in node.children[1:]:
            if child.type == "variable_assignment":
                name, _ = self.assignment(child, keyword, ctx)
                value_node = child.child_by_field_name("value")
                argv.append(f"{name}={self.word(value_node) if value_node is not None else ''}")
                self.walk_children(child, self.plain(ctx))
            elif child.type == "variable_name" and keyword in _DECLARATIONS:
                self.assignments.append(Assignment(
                    name=self.text(child), value=None, line=self.line(child, ctx), kind=keyword,
                    function=ctx.function))
                argv.append(self.text(child))
            elif child.is_named:
                argv.append(self.word(child))
                self.walk(child, self.plain(ctx))
        self.record(node, tuple(argv), ctx, (), _Extra())

    def command(self, node: Node, ctx: _Ctx, extra: _Extra | None = None) -> None:
        argv: list[str] = []
        arg_nodes: list[Node] = []
        env: list[tuple[str, str]] = []
        redirects = list(extra.redirects) if extra else []
        nested = self.plain(ctx)
        for i, child in enumerate(node.children):
            field_name = node.field_name_for_child(i)
            if child.type == "variable_assignment":
                name_node = child.child_by_field_name("name")
                value_node = child.child_by_field_name("value")
                name = self.text(name_node) if name_node is not None else ""
                value = self.text(value_node) if value_node is not None else ""
                env.append((name, value))
                self.assignments.append(Assignment(name=name, value=value,
                                                   line=self.line(child, ctx), kind="prefix",
                                                   function=ctx.function))
                self.walk_children(child, nested)
            elif field_name == "redirect" or child.type.endswith("redirect"):
                redirects.append(self.text(child))
                self.walk_children(child, nested)
            elif child.is_named and child.type != "comment":
                argv.append(self.word(child))
                arg_nodes.append(child)
                self.walk(child, nested)
        if not argv:
            return
        final = _Extra(redirects=tuple(redirects), heredoc=extra.heredoc if extra else None)
        command = self.record(node, tuple(argv), ctx, tuple(env), final)
        self.after_command(command, arg_nodes, ctx)

    def record(self, node: Node, argv: tuple[str, ...], ctx: _Ctx,
               env: tuple[tuple[str, str], ...], extra: _Extra) -> Command:
        command = Command(
            argv=argv,
            raw=self.text(node),
            line=self.line(node, ctx),
            end_line=self.end_line(node, ctx),
            index=len(self.commands),
            env=env,
            redirects=extra.redirects,
            pipeline=ctx.pipeline,
            stage=ctx.stage,
            negated=ctx.negated,
            checked=ctx.checked or ctx.negated,
            connector=ctx.connector,
            background=ctx.background,
            function=ctx.function,
            context=ctx.context,
            via=ctx.via,
            heredoc=extra.heredoc,
        )
        self.commands.append(command)
        return command

    # what commands tell us -------------------------------------------------------------

    def after_command(self, command: Command, arg_nodes: list[Node], ctx: _Ctx) -> None:
        argv = command.effective_argv
        prog = argv[0].rsplit("/", 1)[-1] if argv else ""
        if prog == "set":
            self.set_command(argv, command.line, ctx)
        elif prog == "read":
            self.read_command(argv, command.line, ctx)
        if ctx.via is not None:
            return  # one level of re-parsing only
        script = _nested_script(argv)
        if script is not None:
            via, text = script
            self.reparse(text, via, command, arg_nodes, ctx)

    def set_command(self, argv: tuple[str, ...], line: int, ctx: _Ctx) -> None:
        i = 1
        while i < len(argv):
            arg = argv[i]
            if arg in ("--", "-") or arg[:1] not in ("-", "+"):
                break
            enabled = arg[0] == "-"
            letters = arg[1:]
            for letter in letters:
                if letter == "o":
                    i += 1
                    if i < len(argv):
                        self.options.append(SetOption(argv[i], enabled, line, ctx.function))
                elif letter in _SET_LETTERS:
                    self.options.append(SetOption(_SET_LETTERS[letter], enabled, line,
                                                  ctx.function))
            i += 1

    def read_command(self, argv: tuple[str, ...], line: int, ctx: _Ctx) -> None:
        i = 1
        while i < len(argv):
            arg = argv[i]
            if arg in _READ_VALUE_OPTS:
                i += 2
                continue
            if arg == "-a" and i + 1 < len(argv):
                self.assignments.append(Assignment(argv[i + 1], None, line, "read", ctx.function))
                i += 2
                continue
            if not arg.startswith("-"):
                self.assignments.append(Assignment(arg, None, line, "read", ctx.function))
            i += 1

    def reparse(self, text: str, via: str, command: Command, arg_nodes: list[Node],
                ctx: _Ctx) -> None:
        anchor = next((n for n in arg_nodes if self.word(n) == text), None)
        offset = (anchor.start_point.row if anchor is not None else command.line - 1 - ctx.offset)
        tree = ts_parse("bash", text)
        saved = self.src
        self.src = text.encode("utf-8", "replace")
        inner = _Ctx(function=ctx.function, context=(*ctx.context, via), via=via,
                     offset=offset + ctx.offset, checked=ctx.checked)
        try:
            if tree.root_node.has_error:
                self.report_errors(tree.root_node, inner)
            self.walk_children(tree.root_node, inner)
        finally:
            self.src = saved


@dataclass(frozen=True, slots=True)
class _Extra:
    redirects: tuple[str, ...] = ()
    heredoc: str | None = None


def _nested_script(argv: tuple[str, ...]) -> tuple[str, str] | None:
    """(via, script) when the command runs a string as a script; None otherwise."""
    if not argv:
        return None
    prog = argv[0].rsplit("/", 1)[-1]
    if prog == "eval" and len(argv) > 1:
        return "eval", " ".join(argv[1:])
    if prog == "ssh":
        i = 1
        while i < len(argv) and argv[i].startswith("-"):
            opt = argv[i]
            i += 2 if len(opt) == 2 and opt[1] in _SSH_VALUE_OPTS else 1
        if i + 1 < len(argv):
            return "ssh", " ".join(argv[i + 1:])
        return None
    for i, word in enumerate(argv):
        if word.rsplit("/", 1)[-1] not in SHELLS:
            continue
        j = i + 1
        while j < len(argv) and argv[j].startswith("-") and argv[j] != "--":
            opt = argv[j]
            if not opt.startswith("--") and "c" in opt[1:]:
                if j + 1 < len(argv):
                    return f"{word.rsplit('/', 1)[-1]} -c", argv[j + 1]
                return None
            j += 1
        return None
    return None


def _shebang_options(first_line: str) -> list[SetOption]:
    words = first_line[2:].split()
    if not words:
        return []
    rest = words[1:]
    if words[0].endswith("/env"):
        rest = [w for w in rest[1:] if w != "-S"] if rest else []
    out: list[SetOption] = []
    for word in rest:
        if not word.startswith(("-", "+")) or word.startswith("--"):
            continue
        enabled = word[0] == "-"
        for letter in word[1:]:
            if letter in _SET_LETTERS:
                out.append(SetOption(_SET_LETTERS[letter], enabled, 1))
    return out


def parse_shell(text: str, path: str) -> ShellScript:
    """Parse a shell script.

    Raises:
        ParseError: the text is binary, or nothing in it can be read as shell.
    """
    if "\x00" in text:
        raise ParseError(path, "not a shell script: contains NUL bytes", kind=_KIND)
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates → "?"
    walker = _Walker(path)
    walker.src = text.encode("utf-8")
    tree = ts_parse("bash", text)
    root = tree.root_node
    ctx = _Ctx()
    try:
        if root.has_error:
            walker.report_errors(root, ctx)
        walker.walk_children(root, ctx)
    except RecursionError:
        raise ParseError(path, "shell script nested too deeply to analyse", kind=_KIND) from None
    if walker.errors > _MAX_ERRORS:
        walker.problems.append(Problem(path, f"{walker.errors - _MAX_ERRORS} more shell syntax "
                                             "errors not listed", ProblemLevel.ERROR))
    if root.has_error and not walker.commands and not walker.assignments and text.strip():
        first = walker.problems[0] if walker.problems else None
        raise ParseError(path, "not a shell script: no command could be read"
                         + (f" ({first.message})" if first else ""), kind=_KIND,
                         line=first.line if first else None)
    shebang = text.split("\n", 1)[0] if text.startswith("#!") else None
    options = (_shebang_options(shebang) if shebang else []) + walker.options
    return ShellScript(
        path=path,
        commands=tuple(walker.commands),
        pipelines=tuple(walker.pipelines),
        assignments=tuple(walker.assignments),
        set_options=tuple(options),
        functions=tuple(walker.functions),
        shebang=shebang,
        problems=tuple(walker.problems),
    )
