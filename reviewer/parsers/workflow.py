"""CI workflows (GitHub Actions, ``.gitlab-ci.yml``) → :class:`Workflow`.

The YAML is read with a safe loader whose mappings remember the line of every key and
value, so each job, step and ``run:`` script carries the line a finding should point at.
YAML 1.1 reads an unquoted ``on:`` key as the boolean ``True``; both spellings are accepted.

GitLab CI files become a :class:`Workflow` with ``platform="gitlab"``: each job's
``before_script``, ``script`` and ``after_script`` become steps whose ``run`` is the
commands joined by newlines (the job-less ``default:`` scripts are applied to jobs that do
not set their own).

Invalid YAML, several YAML documents, or a document that is not a workflow at all raise
:class:`~reviewer.errors.ParseError`; a job or step of the wrong shape and duplicate keys are
recorded as coverage errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import yaml

from reviewer.errors import ParseError
from reviewer.models import InputKind
from reviewer.parsers.base import Lazy, Problem, ProblemLevel, lines_touched

_KIND = InputKind.WORKFLOW
_YAML_FAILURES = (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError)
_MERGE_TAG = "tag:yaml.org,2002:merge"
#: Top-level ``.gitlab-ci.yml`` keys that are not jobs.
GITLAB_RESERVED = frozenset({
    "default", "include", "stages", "variables", "workflow", "image", "services", "cache",
    "before_script", "after_script", "spec", "types",
})
_GITLAB_SCRIPTS = ("before_script", "script", "after_script")


class _Map(dict[Any, Any]):
    """A mapping from the YAML that remembers where its keys and values are (1-based)."""

    __slots__ = ("key_lines", "line", "value_lines")

    def __init__(self) -> None:
        super().__init__()
        self.line = 0
        self.key_lines: dict[Any, int] = {}
        self.value_lines: dict[Any, int] = {}


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader whose mappings are :class:`_Map` and which notes duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int]] = []


def _value_line(node: yaml.Node) -> int:
    """1-based line where a value's content starts (the line after ``|`` or ``>``)."""
    line: int = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        line += 1
    return line


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> Iterator[_Map]:
    data = _Map()
    data.line = node.start_mark.line + 1
    yield data
    seen: set[str] = set()
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE_TAG:
            if key_node.value in seen:
                loader.duplicates.append((key_node.value, key_node.start_mark.line + 1))
            seen.add(key_node.value)
    data.update(loader.construct_mapping(node))  # also applies ``<<`` merge keys
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        try:
            data.key_lines[key] = key_node.start_mark.line + 1
            data.value_lines[key] = _value_line(value_node)
        except TypeError:  # pragma: no cover - construct_mapping rejects unhashable keys first
            continue


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def _key_line(mapping: Any, key: Any, default: int) -> int:
    if isinstance(mapping, _Map):
        return mapping.key_lines.get(key, default)
    return default


def _val_line(mapping: Any, key: Any, default: int) -> int:
    if isinstance(mapping, _Map):
        return mapping.value_lines.get(key, default)
    return default


def _lines_of(mapping: Any) -> dict[str, int]:
    if isinstance(mapping, _Map):
        return {str(k): v for k, v in mapping.key_lines.items()}
    return {}


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a job (or one script section of a GitLab job)."""

    #: 0-based position in the job's steps.
    index: int
    #: 1-based line where the step starts.
    line: int
    name: str | None = None
    id: str | None = None
    uses: str | None = None
    #: The ``run:`` script text (GitLab: the commands joined by newlines).
    run: str | None = None
    #: 1-based line of the script's first line (the line after ``run: |``).
    run_line: int | None = None
    shell: str | None = None
    working_directory: str | None = None
    with_: dict[str, Any] = field(default_factory=dict)
    env: dict[str, Any] = field(default_factory=dict)
    if_: str | None = None
    continue_on_error: bool | str | None = None
    #: Key name → 1-based line, for keys of the step mapping.
    key_lines: dict[str, int] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The step as named for humans: its name, its action, or its position."""
        return self.name or self.uses or self.id or f"step {self.index + 1}"

    def line_of(self, key: str) -> int:
        """Line of a key of the step, or of the step when it is absent."""
        return self.key_lines.get(key, self.line)


@dataclass(frozen=True, slots=True)
class Job:
    """One job of the workflow."""

    id: str
    #: 1-based line of the job's key.
    line: int
    name: str | None = None
    runs_on: Any = None
    if_: str | None = None
    #: ``"write-all"``, ``"read-all"``, a scope → level mapping, or None when not set.
    permissions: Any = None
    #: A name or a ``{name, url}`` mapping.
    environment: Any = None
    needs: tuple[str, ...] = ()
    continue_on_error: bool | str | None = None
    #: ``"inherit"`` or a mapping of secrets passed to a reusable workflow.
    secrets: Any = None
    #: A reusable workflow called by the job (``owner/repo/.github/workflows/x.yml@ref``).
    uses: str | None = None
    with_: dict[str, Any] = field(default_factory=dict)
    env: dict[str, Any] = field(default_factory=dict)
    steps: tuple[Step, ...] = ()
    #: Key name → 1-based line, for keys of the job mapping.
    key_lines: dict[str, int] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def environment_name(self) -> str | None:
        """The deployment environment's name, whichever form it is given in."""
        env = self.environment
        if isinstance(env, dict):
            name = env.get("name")
            return str(name) if name is not None else None
        return str(env) if env is not None else None

    def line_of(self, key: str) -> int:
        """Line of a key of the job, or of the job when it is absent."""
        return self.key_lines.get(key, self.line)


@dataclass(frozen=True, slots=True)
class Workflow:
    """A parsed CI workflow."""

    kind: ClassVar[InputKind] = InputKind.WORKFLOW

    path: str
    #: ``"github"`` or ``"gitlab"``.
    platform: str
    jobs: tuple[Job, ...]
    name: str | None = None
    #: Event name → its configuration (None when the event is listed without one).
    triggers: dict[str, Any] = field(default_factory=dict)
    permissions: Any = None
    env: dict[str, Any] = field(default_factory=dict)
    concurrency: Any = None
    defaults: dict[str, Any] = field(default_factory=dict)
    #: Top-level key → 1-based line (``"on"`` for the trigger key however it was spelt).
    key_lines: dict[str, int] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    #: New-side lines the change touches when this file came from a diff (None: the whole
    #: file is under review).
    changed_lines: frozenset[int] | None = None
    #: The file before the change (parsed on first use), when it came from a diff.
    previous: Lazy[Workflow | None] | None = field(default=None, compare=False, repr=False)
    #: The diff this file came from, when it did.
    origin: str | None = None

    def touches(self, start: int | None, end: int | None = None) -> bool:
        """True when lines ``start``..``end`` are part of the change under review."""
        return lines_touched(self.changed_lines, start, end)

    def before(self) -> Workflow | None:
        """The file before the change, when it came from a diff and existed before."""
        return self.previous.get() if self.previous is not None else None

    def has_trigger(self, *events: str) -> bool:
        """True when the workflow runs on any of ``events``."""
        return any(e in self.triggers for e in events)

    def job(self, job_id: str) -> Job | None:
        """The job with this id, or None."""
        return next((j for j in self.jobs if j.id == job_id), None)

    def all_steps(self) -> Iterator[tuple[Job, Step]]:
        """Every step of every job, with its job."""
        for job in self.jobs:
            for step in job.steps:
                yield job, step

    def line_of(self, key: str) -> int:
        """Line of a top-level key, or 1 when it is absent."""
        return self.key_lines.get(key, 1)

    def describe(self) -> str:
        """One phrase saying what was analysed."""
        platform = "GitHub Actions workflow" if self.platform == "github" else "GitLab CI pipeline"
        steps = sum(len(j.steps) for j in self.jobs)
        return f"{platform} with {len(self.jobs)} jobs and {steps} steps"


def _opt_str(value: Any) -> str | None:
    """A scalar as text (booleans as ``true``/``false``), None when absent or not scalar."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _continue(value: Any) -> bool | str | None:
    if value is None or isinstance(value, bool):
        return value
    return _opt_str(value)


def _needs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            if isinstance(item, dict):  # GitLab: {job: name, artifacts: …}
                item = item.get("job")
            if item is not None and not isinstance(item, dict | list):
                out.append(str(item))
        return tuple(out)
    return ()


def _triggers(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {value: None}
    if isinstance(value, list):
        return {str(v): None for v in value if v is not None and not isinstance(v, dict | list)}
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    return {}


class _Builder:
    """Collects problems while turning the decoded YAML into a :class:`Workflow`."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def problem(self, message: str, line: int | None,
                level: ProblemLevel = ProblemLevel.ERROR) -> None:
        self.problems.append(Problem(self.path, message, level, line=line))

    # GitHub Actions -------------------------------------------------------------------

    def github_step(self, raw: Any, index: int, line: int, job_id: str) -> Step | None:
        where = f"job {job_id!r} step {index + 1}"
        if not isinstance(raw, dict):
            self.problem(f"{where} is not a mapping; it was not reviewed", line)
            return None
        line = raw.line if isinstance(raw, _Map) else line
        run = raw.get("run")
        if run is not None and not isinstance(run, str):
            self.problem(f"{where}: 'run' is not a string; the script was not reviewed",
                         _key_line(raw, "run", line))
            run = None
        uses = _opt_str(raw.get("uses"))
        if run is None and uses is None and "run" not in raw:
            self.problem(f"{where} has neither 'uses' nor 'run'", line, ProblemLevel.NOTE)
        return Step(
            index=index,
            line=line,
            name=_opt_str(raw.get("name")),
            id=_opt_str(raw.get("id")),
            uses=uses,
            run=run,
            run_line=_val_line(raw, "run", line) if run is not None else None,
            shell=_opt_str(raw.get("shell")),
            working_directory=_opt_str(raw.get("working-directory")),
            with_=_dict(raw.get("with")),
            env=_dict(raw.get("env")),
            if_=_opt_str(raw.get("if")),
            continue_on_error=_continue(raw.get("continue-on-error")),
            key_lines=_lines_of(raw),
            raw=raw,
        )

    def github_job(self, job_id: str, raw: Any, line: int) -> Job | None:
        if not isinstance(raw, dict):
            self.problem(f"job {job_id!r} is not a mapping; it was not reviewed", line)
            return None
        steps_raw = raw.get("steps")
        steps: list[Step] = []
        if steps_raw is not None and not isinstance(steps_raw, list):
            self.problem(f"job {job_id!r}: 'steps' is not a list; its steps were not reviewed",
                         _key_line(raw, "steps", line))
        elif isinstance(steps_raw, list):
            for index, item in enumerate(steps_raw):
                step = self.github_step(item, index, _val_line(raw, "steps", line), job_id)
                if step is not None:
                    steps.append(step)
        if steps_raw is None and "uses" not in raw:
            self.problem(f"job {job_id!r} has neither 'steps' nor 'uses'", line,
                         ProblemLevel.NOTE)
        return Job(
            id=job_id,
            line=line,
            name=_opt_str(raw.get("name")),
            runs_on=raw.get("runs-on"),
            if_=_opt_str(raw.get("if")),
            permissions=raw.get("permissions"),
            environment=raw.get("environment"),
            needs=_needs(raw.get("needs")),
            continue_on_error=_continue(raw.get("continue-on-error")),
            secrets=raw.get("secrets"),
            uses=_opt_str(raw.get("uses")),
            with_=_dict(raw.get("with")),
            env=_dict(raw.get("env")),
            steps=tuple(steps),
            key_lines=_lines_of(raw),
            raw=raw,
        )

    def github(self, doc: dict[Any, Any]) -> Workflow:
        on_key: Any = "on" if "on" in doc else True if True in doc else None
        if on_key is None:
            self.problem("workflow has no 'on' triggers", 1, ProblemLevel.NOTE)
        jobs_raw = doc.get("jobs")
        if not isinstance(jobs_raw, dict):
            raise ParseError(self.path, "not a GitHub Actions workflow: 'jobs' is not a mapping",
                             kind=_KIND, line=_key_line(doc, "jobs", 1))
        jobs: list[Job] = []
        for job_id, job_raw in jobs_raw.items():
            job = self.github_job(str(job_id), job_raw, _key_line(jobs_raw, job_id, 1))
            if job is not None:
                jobs.append(job)
        key_lines = _lines_of(doc)
        if on_key is True:
            key_lines["on"] = _key_line(doc, True, 1)
        return Workflow(
            path=self.path,
            platform="github",
            jobs=tuple(jobs),
            name=_opt_str(doc.get("name")),
            triggers=_triggers(doc.get(on_key)) if on_key is not None else {},
            permissions=doc.get("permissions"),
            env=_dict(doc.get("env")),
            concurrency=doc.get("concurrency"),
            defaults=_dict(doc.get("defaults")),
            key_lines=key_lines,
            raw=doc,
            problems=tuple(self.problems),
        )

    # GitLab CI ------------------------------------------------------------------------

    def gitlab_script(self, owner: Any, key: str, index: int, job_id: str,
                      job_line: int) -> Step | None:
        value = owner.get(key)
        line = _key_line(owner, key, job_line)
        commands: list[str] = []
        first_line = _val_line(owner, key, line)
        if isinstance(value, str):
            commands.append(value)
        elif isinstance(value, list):
            pending: list[Any] = list(value)
            while pending:
                item = pending.pop(0)
                if isinstance(item, list):  # nested arrays (from anchors) are flattened
                    pending[0:0] = item
                elif isinstance(item, str):
                    commands.append(item)
                elif item is not None:
                    self.problem(f"job {job_id!r}: an item of {key!r} is not a string; it was "
                                 "not reviewed", line)
        else:
            self.problem(f"job {job_id!r}: {key!r} is neither a string nor a list; it was not "
                         "reviewed", line)
            return None
        return Step(index=index, line=line, name=key, run="\n".join(commands),
                    run_line=first_line, key_lines={key: line}, raw={key: value})

    def gitlab_job(self, job_id: str, raw: Any, line: int, doc: dict[Any, Any]) -> Job | None:
        if not isinstance(raw, dict):
            self.problem(f"job {job_id!r} is not a mapping; it was not reviewed", line)
            return None
        default = _dict(doc.get("default"))
        steps: list[Step] = []
        for key in _GITLAB_SCRIPTS:
            owner: Any = None
            if key in raw:
                owner = raw
            elif key == "script" or job_id.startswith("."):
                continue  # hidden jobs are templates: only their own scripts
            elif key in default:
                owner = default
            elif key in doc:
                owner = doc
            if owner is None:
                continue
            step = self.gitlab_script(owner, key, len(steps), job_id, line)
            if step is not None:
                steps.append(step)
        if "script" not in raw and "trigger" not in raw and "extends" not in raw \
                and not job_id.startswith("."):
            self.problem(f"job {job_id!r} has no 'script'", line, ProblemLevel.NOTE)
        return Job(
            id=job_id,
            line=line,
            name=job_id,
            runs_on=raw.get("tags"),
            permissions=None,
            environment=raw.get("environment"),
            needs=_needs(raw.get("needs")),
            continue_on_error=_continue(raw.get("allow_failure")),
            secrets=raw.get("secrets"),
            uses=None,
            env=_dict(raw.get("variables")),
            steps=tuple(steps),
            key_lines=_lines_of(raw),
            raw=raw,
        )

    def gitlab(self, doc: dict[Any, Any]) -> Workflow:
        jobs: list[Job] = []
        for key, value in doc.items():
            if not isinstance(key, str) or key in GITLAB_RESERVED:
                continue
            if not isinstance(value, dict):
                continue  # e.g. anchors' scalars; GitLab rejects non-mapping jobs itself
            job = self.gitlab_job(key, value, _key_line(doc, key, 1), doc)
            if job is not None:
                jobs.append(job)
        workflow = _dict(doc.get("workflow"))
        return Workflow(
            path=self.path,
            platform="gitlab",
            jobs=tuple(jobs),
            name=_opt_str(workflow.get("name")),
            triggers={"rules": workflow["rules"]} if "rules" in workflow else {},
            env=_dict(doc.get("variables")),
            defaults=_dict(doc.get("default")),
            key_lines=_lines_of(doc),
            raw=doc,
            problems=tuple(self.problems),
        )


def _is_gitlab(doc: dict[Any, Any], path: str) -> bool:
    norm = path.replace("\\", "/").lower()
    if norm.endswith((".gitlab-ci.yml", ".gitlab-ci.yaml")) or "/.gitlab/ci/" in f"/{norm}":
        return True
    if "jobs" in doc or "on" in doc or True in doc:
        return False
    return any(isinstance(v, dict) and ("script" in v or "stage" in v) for v in doc.values())


def _load(text: str, path: str) -> tuple[Any, list[tuple[str, int]]]:
    loader: _LineLoader | None = None
    try:
        loader = _LineLoader(text)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
        return data, loader.duplicates
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = exc.problem or exc.context or "unreadable"
        if "single document" in str(exc.context or ""):
            reason = "several YAML documents; a workflow is one document"
        raise ParseError(path, f"invalid YAML: {reason}", kind=_KIND,
                         line=mark.line + 1 if mark is not None else None) from None
    except RecursionError:
        raise ParseError(path, "invalid YAML: nested too deeply", kind=_KIND) from None
    except _YAML_FAILURES as exc:
        raise ParseError(path, f"invalid YAML: {str(exc).splitlines()[0] if str(exc) else exc!r}",
                         kind=_KIND) from None
    finally:
        if loader is not None:
            loader.dispose()


def parse_workflow(text: str, path: str) -> Workflow:
    """Parse a GitHub Actions workflow or a ``.gitlab-ci.yml`` pipeline.

    Raises:
        ParseError: the text is not YAML, is several documents, or is not a workflow.
    """
    if "\x00" in text:
        raise ParseError(path, "not YAML: contains NUL bytes", kind=_KIND)
    doc, duplicates = _load(text, path)
    if doc is None:
        raise ParseError(path, "empty workflow: no YAML content", kind=_KIND)
    if not isinstance(doc, dict):
        raise ParseError(path, f"not a workflow: the document is a {type(doc).__name__}, not a "
                               "mapping", kind=_KIND)
    builder = _Builder(path)
    for key, line in duplicates:
        builder.problem(f"duplicate key {key!r}: only the last value is used by this reviewer "
                        "(the CI platform may reject the file or read it differently)", line)
    if _is_gitlab(doc, path):
        return builder.gitlab(doc)
    return builder.github(doc)
