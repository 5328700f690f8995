"""Helpers shared by the shell detectors: the scripts of a document, argv parsing, scopes.

A shell detector reads two kinds of document: a shell script (kind ``shell``) and a CI
workflow (kind ``github-workflow``, GitHub Actions or GitLab CI) whose ``run:`` / ``script:``
steps are shell scripts. :func:`scripts` turns either into :class:`Script` objects whose
commands carry the line numbers of the file under review, so a finding in a workflow points
at the workflow's own line. :func:`commands` yields the commands the change touches.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from reviewer.environments import environments_in_text
from reviewer.errors import InputError
from reviewer.models import Environment
from reviewer.parsers.shell import Assignment, Command, ShellScript, parse_shell
from reviewer.parsers.workflow import Job, Step, Workflow

#: Longest evidence string.
EVIDENCE_MAX = 200
#: GitHub Actions / GitLab expressions substituted before the shell runs.
_GHA_EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)
#: Placeholder variable names standing for ``${{ … }}`` expressions in a parsed run step.
PLACEHOLDER_PREFIX = "GHA_EXPR_"
#: Steps whose ``shell:`` is not a POSIX shell are read anyway (commands such as
#: ``terraform destroy`` look the same); only these interpreters are skipped.
_NOT_SHELL = ("python", "node", "ruby", "perl")


#: ``${X:?}`` anywhere in a word.
_COLON_QUESTION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*|[0-9]+):\?")
_TESTS = frozenset({"[", "[[", "test"})
_TEST_OPS = frozenset({"-n", "-z", "-d", "-e", "-f", "-s", "!="})
_VAR_REF = re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*|[0-9]+)\}?$")


@dataclass(frozen=True)
class Script:
    """One shell script under review: a script file, or one run step of a CI workflow.

    Indexes over the script (commands by program, assignments by name, pipelines) are
    built on first use, so look-ups stay linear in the script's size.
    """

    #: The parsed script; line numbers are those of the file under review.
    shell: ShellScript
    #: Repository path of the file (for locations).
    path: str
    #: The document the script came from (its ``touches`` says what the change adds).
    owner: ShellScript | Workflow
    #: ``job 'deploy' step 'Apply'`` for a workflow step, ``""`` for a script file.
    where: str = ""
    #: Names that tell which environment the script acts on: the file path, workflow
    #: name, job id and name, the job's deployment environment, the step name.
    scope: str = ""
    #: Literal environment variables the CI platform sets for the step (workflow, job and
    #: step ``env:`` / GitLab ``variables:``), values as written.
    env: Mapping[str, str] = field(default_factory=dict)
    #: Placeholder variable → the ``${{ … }}`` expression it stands for.
    expressions: Mapping[str, str] = field(default_factory=dict)
    #: The step runs in CI (a workflow), not on an operator's machine or a server.
    in_ci: bool = False
    #: The CI job runs on a self-hosted runner (state survives between jobs).
    self_hosted: bool = False
    #: Host names of the job's service containers (``services:``).
    services: frozenset[str] = frozenset()
    #: The CI shell stops at the first failing command (GitHub's bash, GitLab's runner).
    errexit_default: bool = False

    def touches(self, command: Command) -> bool:
        """True when the change under review adds any line of the command."""
        return self.owner.touches(command.line, command.end_line)

    @cached_property
    def by_program(self) -> dict[str, list[int]]:
        """Effective program name → indices of its commands, ascending."""
        index: dict[str, list[int]] = {}
        for position, command in enumerate(self.shell.commands):
            argv = command.effective_argv
            if argv:
                index.setdefault(program_of(argv[0]), []).append(position)
        return index

    @cached_property
    def assignments_by_name(self) -> dict[str, list[Assignment]]:
        """Variable name → its assignments, in source order."""
        index: dict[str, list[Assignment]] = {}
        for assignment in self.shell.assignments:
            index.setdefault(assignment.name, []).append(assignment)
        return index

    @cached_property
    def pipeline_members(self) -> dict[int, list[Command]]:
        """Pipeline index → its commands in stage order."""
        members: dict[int, list[Command]] = {}
        for command in self.shell.commands:
            if command.pipeline is not None:
                members.setdefault(command.pipeline, []).append(command)
        for stages in members.values():
            stages.sort(key=lambda c: (c.stage, c.line))
        return members

    @cached_property
    def guards(self) -> dict[str, int]:
        """Variable → index of the first command that checks it is set: ``: "${X:?}"``,
        ``test -n "$X"`` (``[ … ]`` / ``[[ … ]]`` tests are not recorded by the parser)."""
        found: dict[str, int] = {}
        for position, command in enumerate(self.shell.commands):
            argv = command.effective_argv
            for word in argv:
                for match in _COLON_QUESTION.finditer(word):
                    found.setdefault(match.group(1), position)
            if argv and program_of(argv[0]) in _TESTS and any(w in _TEST_OPS for w in argv):
                for word in argv[1:]:
                    ref = _VAR_REF.match(word)
                    if ref:
                        found.setdefault(ref.group(1), position)
        return found

    def pipeline(self, index: int) -> list[Command]:
        """Commands of one pipeline, in stage order."""
        return self.pipeline_members.get(index, [])

    def errexit(self, line: int) -> bool:
        """Whether the script stops on errors at ``line``."""
        return self.errexit_default or self.shell.option("errexit", line)

    def restore(self, text: str) -> str:
        """``text`` with placeholder variables turned back into their ``${{ … }}``."""
        for name, expr in self.expressions.items():
            text = text.replace("${" + name + "}", "${{ " + expr + " }}")
        return text

    def evidence(self, command: Command, raw: str = "") -> str:
        """The command (or ``raw``, e.g. its whole pipeline) as written, secrets masked."""
        return trim(mask_secrets(" ".join(self.restore(raw or command.raw).split())))

    def label(self, command: Command) -> str:
        """`` (in job 'x' step 'y')`` / `` (via ssh)`` suffix for messages."""
        parts = []
        if command.via:
            parts.append(f"via {command.via}")
        if self.where:
            parts.append(f"in {self.where}")
        return f" ({', '.join(parts)})" if parts else ""

    def message(self, text: str, command: Command) -> str:
        """A finding message: ``text`` (placeholders restored, secrets masked) and where."""
        return mask_secrets(self.restore(text)) + self.label(command)


def trim(text: str, limit: int = EVIDENCE_MAX) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Secrets --------------------------------------------------------------------------------

_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b((?:AKIA|ASIA)[0-9A-Z]{4})[0-9A-Z]{12}\b"), r"\1…[masked]"),
    (re.compile(r"(://[^:/@\s'\"]+:)[^@\s'\"]+@"), r"\1[masked]@"),
    (re.compile(r"(?i)\b(bearer|token|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 [masked]"),
    (re.compile(r"(?i)((?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)"
                r"[A-Za-z_]*\s*[=:]\s*)(['\"]?)[^\s'\"]+\2"), r"\1\2[masked]\2"),
    (re.compile(r"(?i)(--password[= ])\S+"), r"\1[masked]"),
    (re.compile(r"((?:^|\s)(?:mysql|mysqladmin|mysqldump|mariadb)\b[^|;&]*?\s-p)(?!\s)\S+"),
     r"\1[masked]"),
    (re.compile(r"\b(gh[pousr]_)[A-Za-z0-9]{20,}\b"), r"\1[masked]"),
    (re.compile(r"\b(xox[abprs]-)[A-Za-z0-9-]{10,}\b"), r"\1[masked]"),
    (re.compile(r"\b(sk-)[A-Za-z0-9_-]{16,}\b"), r"\1[masked]"),
)


def mask_secrets(text: str) -> str:
    """``text`` with credentials (keys, URL passwords, tokens, ``-pPASS``) masked."""
    for pattern, repl in _SECRET_PATTERNS:
        text = pattern.sub(repl, text)
    return text


# Scripts of a document --------------------------------------------------------------------


def _placeholders(text: str) -> tuple[str, dict[str, str]]:
    """Replace ``${{ expr }}`` by shell variables (line count kept) so the script parses."""
    found: dict[str, str] = {}

    def sub(match: re.Match[str]) -> str:
        name = f"{PLACEHOLDER_PREFIX}{len(found) + 1}"
        found[name] = match.group(1).strip()
        return "${" + name + "}" + "\n" * match.group(0).count("\n")

    return _GHA_EXPR.sub(sub, text), found


@lru_cache(maxsize=4096)
def _parse_step(text: str, path: str, first_line: int) -> tuple[ShellScript | None,
                                                                 tuple[tuple[str, str], ...]]:
    """A run step parsed with file line numbers (the cache spares the detectors re-parsing)."""
    body, found = _placeholders(text)
    try:
        script = parse_shell("\n" * (first_line - 1) + body, path)
    except InputError:
        return None, ()
    return script, tuple(found.items())


def _literal_env(*maps: Mapping[str, object]) -> dict[str, str]:
    env: dict[str, str] = {}
    for mapping in maps:
        for key, value in mapping.items():
            if value is None or isinstance(value, dict | list):
                continue
            env[str(key)] = (("true" if value else "false") if isinstance(value, bool)
                             else str(value))
    return env


def _services(job: Job) -> frozenset[str]:
    raw = job.raw.get("services")
    names: set[str] = set()
    if isinstance(raw, dict):
        names.update(str(k) for k in raw)
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, str):
                image = item.split(":")[0].rsplit("/", 1)[-1]
                names.add(image)
            elif isinstance(item, dict):
                if item.get("alias"):
                    names.update(str(a).strip() for a in str(item["alias"]).split(","))
                if item.get("name"):
                    names.add(str(item["name"]).split(":")[0].rsplit("/", 1)[-1])
    return frozenset(names)


def _self_hosted(job: Job) -> bool:
    runs_on = job.runs_on
    texts: list[str] = []
    if isinstance(runs_on, str):
        texts.append(runs_on)
    elif isinstance(runs_on, list):
        texts.extend(str(x) for x in runs_on)
    elif isinstance(runs_on, dict):
        texts.extend(str(x) for x in runs_on.values())
    return any("self-hosted" in t for t in texts)


def _step_range(step: Step) -> tuple[int, int]:
    first = step.run_line or step.line
    return first, first + (step.run or "").count("\n")


def _workflow_scripts(doc: Workflow, needles: tuple[str, ...]) -> Iterator[Script]:
    for job, step in doc.all_steps():
        if step.run is None or not step.run.strip():
            continue
        if step.shell and step.shell.split()[0].lower().startswith(_NOT_SHELL):
            continue
        if needles and not any(n in step.run for n in needles):
            continue
        first, last = _step_range(step)
        if not doc.touches(first, last):
            continue
        script, found = _parse_step(step.run, doc.path, first)
        if script is None:
            continue
        label = step.name or step.id
        where = f"job '{job.id}'" + (f" step '{label}'" if label else
                                     f" step {step.index + 1}")
        scope = " ".join(x for x in (doc.path, doc.name or "", job.id, job.name or "",
                                     job.environment_name or "", step.name or "") if x)
        yield Script(
            shell=script, path=doc.path, owner=doc, where=where, scope=scope,
            env=_literal_env(doc.env, job.env, step.env), expressions=dict(found),
            in_ci=True, self_hosted=_self_hosted(job), services=_services(job),
            errexit_default=(step.shell or "bash").startswith(("bash", "sh")),
        )


def scripts(doc: ShellScript | Workflow, needles: tuple[str, ...] = ()) -> Iterator[Script]:
    """The shell scripts of a document: itself, or every run step of a workflow.

    ``needles``: a workflow step whose text contains none of them is not parsed (a cheap
    pre-check; script files are already parsed).
    """
    if isinstance(doc, Workflow):
        yield from _workflow_scripts(doc, needles)
    else:
        yield Script(shell=doc, path=doc.path, owner=doc, scope=doc.path)


def program_of(word: str) -> str:
    """Base name of a command word (``/usr/bin/rm`` → ``rm``)."""
    return word.rsplit("/", 1)[-1]


#: Runners that execute a package's binary: ``npx cdk``, ``pnpm exec tf``, ``uv run x``.
_RUNNERS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # runner: (sub-commands to skip, options that take a value)
    "npx": (frozenset(), frozenset({"-p", "--package", "-c", "--call"})),
    "bunx": (frozenset(), frozenset({"-p", "--package"})),
    "pnpx": (frozenset(), frozenset()),
    "pnpm": (frozenset({"exec", "dlx", "run"}), frozenset({"-C", "--dir", "--filter"})),
    "yarn": (frozenset({"exec", "dlx", "run"}), frozenset({"--cwd"})),
    "npm": (frozenset({"exec", "x"}), frozenset({"-w", "--workspace", "-p", "--package"})),
    "uv": (frozenset({"run", "tool"}), frozenset({"--with", "--python", "-p", "--project"})),
    "uvx": (frozenset(), frozenset({"--with", "--from", "--python"})),
    "poetry": (frozenset({"run"}), frozenset()),
    "pipenv": (frozenset({"run"}), frozenset()),
    "bundle": (frozenset({"exec"}), frozenset()),
}


def unwrap(argv: tuple[str, ...]) -> tuple[str, ...]:
    """argv without package runners (``npx -y cdk destroy`` → ``cdk destroy``)."""
    for _ in range(3):
        if not argv:
            return argv
        runner = program_of(argv[0])
        if runner not in _RUNNERS:
            return argv
        subs, value_opts = _RUNNERS[runner]
        i = 1
        if subs:
            if len(argv) < 2 or argv[1] not in subs:
                return argv
            i = 2
        while i < len(argv):
            word = argv[i]
            if word == "--":
                i += 1
                break
            if word in value_opts:
                i += 2
            elif word.startswith("-"):
                i += 1
            else:
                break
        if i >= len(argv):
            return argv
        argv = argv[i:]
        # ``npx @scope/pkg@1.2`` → the package's base name
        head = argv[0]
        if head.startswith("@") and "/" in head:
            head = head.split("/", 1)[1]
        argv = (head.split("@", 1)[0] if "@" in head[1:] else head, *argv[1:])
    return argv


#: Commands that run another command inside a container or pod.
EXEC_WRAPPERS = frozenset({"docker", "podman", "docker-compose", "kubectl", "oc", "nerdctl"})


def commands(doc: ShellScript | Workflow, programs: Iterable[str],
             needles: tuple[str, ...] = (), *,
             through_exec: bool = False) -> Iterator[tuple[Script, Command, tuple[str, ...]]]:
    """(script, command, argv) for every touched command whose program is in ``programs``.

    ``argv`` has wrappers (``sudo``, ``env``, ``timeout``…) and package runners (``npx``…)
    removed and its first word reduced to the program's base name. ``through_exec``: also
    find the program run by ``docker exec``/``compose exec``/``kubectl exec`` (the command's
    own ``effective_argv`` then starts with the container tool).
    """
    wanted = frozenset(programs)
    for script in scripts(doc, needles or tuple(wanted)):
        for command in script.shell.commands:
            argv = command.effective_argv
            if not argv:
                continue
            prog = program_of(argv[0])
            if prog in _RUNNERS:
                argv = unwrap(argv)
                if not argv:
                    continue
                prog = program_of(argv[0])
            if through_exec and prog in EXEC_WRAPPERS:
                at = next((i for i, w in enumerate(argv) if i and program_of(w) in wanted), None)
                if at is None:
                    continue
                argv = argv[at:]
                prog = program_of(argv[0])
            if prog not in wanted or not script.touches(command):
                continue
            yield script, command, (prog, *argv[1:])


# Command lines ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cli:
    """A command line split into options and positional arguments."""

    positionals: tuple[str, ...]
    #: Option name as written (``-f``, ``--force``; short clusters split) → its values
    #: (``""`` for a flag).
    options: Mapping[str, tuple[str, ...]]

    def has(self, *names: str) -> bool:
        """True when any of the options is given."""
        return any(n in self.options for n in names)

    def value(self, *names: str) -> str | None:
        """The last value of the first of the options that is given."""
        for name in names:
            values = self.options.get(name)
            if values:
                return values[-1]
        return None

    def values(self, *names: str) -> tuple[str, ...]:
        """Every value of the options."""
        return tuple(v for n in names for v in self.options.get(n, ()))


def parse_cli(args: Iterable[str], value_opts: Iterable[str] = (), *,
              go_flags: bool = False) -> Cli:
    """Split arguments (after the program) into options and positionals.

    ``value_opts``: options that take the next word as their value. ``go_flags``: single-dash
    long flags (``-auto-approve``, ``-var-file=x``) as Terraform writes them; ``--x`` is
    read as ``-x``.
    """
    takes = frozenset(value_opts)
    positionals: list[str] = []
    options: dict[str, list[str]] = {}
    words = list(args)
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word == "--":
            positionals.extend(words[i:])
            break
        if not word.startswith("-") or word == "-":
            positionals.append(word)
            continue
        if go_flags:
            name, eq, value = word.lstrip("-").partition("=")
            name = "-" + name
            if not eq and name in takes and i < len(words):
                value = words[i]
                i += 1
            options.setdefault(name, []).append(value)
            continue
        if word.startswith("--"):
            name, eq, value = word.partition("=")
            if not eq and name in takes and i < len(words):
                value = words[i]
                i += 1
            options.setdefault(name, []).append(value)
            continue
        # short options: -rf → -r -f; -nfoo → -n foo (when -n takes a value)
        letters = word[1:]
        for j, letter in enumerate(letters):
            name = "-" + letter
            if name in takes:
                rest = letters[j + 1:].removeprefix("=")
                if rest:
                    options.setdefault(name, []).append(rest)
                elif i < len(words):
                    options.setdefault(name, []).append(words[i])
                    i += 1
                else:
                    options.setdefault(name, []).append("")
                break
            options.setdefault(name, []).append("")
    return Cli(tuple(positionals), {k: tuple(v) for k, v in options.items()})


# Paths ---------------------------------------------------------------------------------------

#: Directories whose recursive deletion (or contents' deletion) breaks the host.
SYSTEM_DIRS = frozenset({
    "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32", "/media",
    "/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/usr", "/var",
    "/usr/bin", "/usr/lib", "/usr/lib64", "/usr/local", "/usr/sbin", "/usr/share", "/usr/include",
    "/usr/local/bin", "/usr/local/lib", "/var/lib", "/var/opt", "/var/spool", "/var/mail",
    "/System", "/Library", "/Applications", "/Users", "/private", "/Volumes",
    "/private/etc", "/private/var", "/snap", "/nix", "/nix/store",
})
#: Directories that hold a database's or cluster store's data.
DATA_DIRS = (
    "/var/lib/postgresql", "/var/lib/pgsql", "/var/lib/mysql", "/var/lib/mariadb",
    "/var/lib/mongodb", "/var/lib/mongo", "/var/lib/redis", "/var/lib/etcd",
    "/var/lib/docker/volumes", "/var/lib/elasticsearch", "/var/lib/opensearch",
    "/var/lib/cassandra", "/var/lib/clickhouse", "/var/lib/kafka", "/var/lib/zookeeper",
    "/var/lib/rabbitmq", "/var/lib/influxdb", "/var/opt/mssql", "/data/db",
)
_HOME = re.compile(r"^(~[A-Za-z0-9_.-]*|\$HOME|\$\{HOME\})$")


def strip_contents(path: str) -> tuple[str, bool]:
    """(directory, contents) for a delete target: ``/var/*`` → (``/var``, True); ``/`` → ("",
    False); trailing ``/``, ``/.`` and ``/*`` removed."""
    contents = False
    base = path
    while True:
        if base.endswith(("/*", "/.*")):
            base = base[: base.rfind("/")]
            contents = True
        elif base.endswith("/.") and len(base) > 2:
            base = base[:-2]
        elif base.endswith("/") and base != "":
            base = base[:-1]
        else:
            break
    while "//" in base:
        base = base.replace("//", "/")
    return base, contents


def classify_path(path: str) -> tuple[str, str] | None:
    """(kind, description) for a path whose deletion is catastrophic, else None.

    Kinds: ``root``, ``home``, ``system``, ``data``.
    """
    if not path:
        return None
    if path.startswith(("/", "~", "$HOME", "${HOME}")):
        base, contents = strip_contents(path)
    else:
        return None
    what = "the contents of " if contents else ""
    if base in ("", "/", "/.", "/.."):
        return "root", f"{what}the root filesystem (/)"
    if _HOME.match(base):
        return "home", f"{what}the home directory ({base})"
    if base in SYSTEM_DIRS:
        return "system", f"{what}the system directory {base}"
    for data in DATA_DIRS:
        if base == data or base.startswith(data + "/"):
            return "data", f"{what}the data directory {base}"
    return None


# Environments ----------------------------------------------------------------------------------

_EPHEMERAL = re.compile(
    r"(?<![a-z0-9])(?:pr|mr)[-_]?(?:\d+|\$|\{)|(?<![a-z])(?:preview|ephemeral|review[-_]app"
    r"|review[-_](?:\$|\{|\d)|pull[-_]request|pr[-_]env)",
    re.IGNORECASE,
)


def is_prod(*texts: str) -> bool:
    """True when any text names the production environment."""
    return any(Environment.PROD in environments_in_text(t) for t in texts if t)


def is_ephemeral(*texts: str) -> bool:
    """True when any text names a per-pull-request / preview environment."""
    return any(_EPHEMERAL.search(t) for t in texts if t)


def preceding(script: Script, command: Command, programs: Iterable[str]) -> Iterator[Command]:
    """Commands of ``programs`` before ``command`` in the same script, nearest first."""
    heads: list[tuple[list[int], int]] = []  # (positions of one program, cursor)
    for program in frozenset(programs):
        positions = script.by_program.get(program)
        if positions:
            cursor = bisect_left(positions, command.index) - 1
            if cursor >= 0:
                heads.append((positions, cursor))
    while heads:
        best = max(range(len(heads)), key=lambda h: heads[h][0][heads[h][1]])
        positions, cursor = heads[best]
        yield script.shell.commands[positions[cursor]]
        if cursor > 0:
            heads[best] = (positions, cursor - 1)
        else:
            heads.pop(best)


def env_value(script: Script, command: Command, name: str) -> str | None:
    """A variable's value as the command sees it: its ``NAME=v`` prefix, the last assignment
    before it, or the CI environment (the value's source text; None when unknown)."""
    for key, value in command.env:
        if key == name:
            return value
    for word in command.argv[: len(command.argv) - len(command.effective_argv)]:
        if word.startswith(name + "="):  # env NAME=value cmd
            return word[len(name) + 1:]
    best = None
    for assignment in script.assignments_by_name.get(name, ()):
        if assignment.line <= command.line and assignment.value is not None \
                and assignment.kind != "prefix":  # NAME=v cmd sets it for that command only
            best = assignment.value
    if best is not None:
        return best
    return script.env.get(name)


def unquote(text: str) -> str:
    """Source text of a value without its surrounding quotes."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text
