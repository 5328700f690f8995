"""The ``reviewer`` command line. Thin: parse arguments, call the service, render, exit.

Exit codes: 0 below ``--fail-on``; 1 at or above it; 2 for usage, input and internal errors.
Heavy modules are imported inside the commands so ``reviewer --help`` stays fast.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from reviewer.config import ReviewerConfig
    from reviewer.llm.judge import JudgeSettings
    from reviewer.service import ReviewRequest
    from reviewer.verdict.model import Verdict

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2

RISK_LEVELS = ("low", "medium", "high", "critical")
KINDS = ("diff", "terraform-plan", "cloudformation-changeset", "pulumi-preview", "kubernetes",
         "sql", "shell", "hcl", "github-workflow")  # every InputKind but the internal "change"


class _ArgumentError(Exception):
    """A usage error found by argparse, reported by ``main`` as one line with exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises on usage errors instead of exiting, so ``main`` reports them."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _ArgumentError(f"{self.prog}: {message}")


def _csv(value: str) -> list[str]:
    return [v for v in (s.strip() for s in value.split(",")) if v]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = _Parser(
        prog="reviewer",
        description="Review a change before it ships: how dangerous it is, why, and whether "
                    "it does what its author says.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    rv = sub.add_parser("review", help="review a diff, plan, change set, manifest or script",
                        description="Review one change made of one or more artifacts.")
    rv.add_argument("inputs", nargs="*", metavar="FILE",
                    help="artifacts to review; '-' reads standard input")
    rv.add_argument("--git", metavar="RANGE",
                    help="review a git range (e.g. main..HEAD): diff, commits, full files")
    rv.add_argument("--repo", default=".", help="repository for --git (default: .)")
    rv.add_argument("--demo", action="store_true",
                    help="review the bundled demo incident (no input, key or network needed)")
    rv.add_argument("--title", default="", help="the change's stated title (PR title)")
    rv.add_argument("--description", default="", help="the change's stated description")
    rv.add_argument("--description-file", metavar="FILE", help="read the description from FILE")
    rv.add_argument("--ai-assisted", action="store_true",
                    help="the change was written with an AI assistant or agent")
    rv.add_argument("--kind", choices=KINDS, help="input kind (default: detected)")
    rv.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    rv.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    rv.add_argument("--fail-on", choices=RISK_LEVELS, default="critical",
                    help="exit 1 when the risk is at or above this level (default: critical)")
    rv.add_argument("--select", type=_csv, default=[], metavar="CODES",
                    help="only these detectors (codes or prefixes, comma-separated)")
    rv.add_argument("--ignore", type=_csv, default=[], metavar="CODES",
                    help="skip these detectors (codes or prefixes, comma-separated)")
    rv.add_argument("--strict", action="store_true",
                    help="re-raise detector crashes instead of recording them")
    rv.add_argument("--keep-going", action="store_true",
                    help="record unreadable inputs in the verdict's coverage instead of exiting 2")
    rv.add_argument("--llm", choices=("auto", "off", "openai"), default=None,
                    help="the LLM judge: auto (default; used when OPENAI_API_KEY or "
                         "OPENAI_BASE_URL is set), off, openai (always; fails over to "
                         "'unavailable' in the verdict); default from $REVIEWER_LLM")
    rv.add_argument("--llm-model", metavar="NAME", help="model name ($REVIEWER_LLM_MODEL)")
    rv.add_argument("--llm-timeout", type=float, metavar="SECONDS",
                    help="total deadline of the LLM step ($REVIEWER_LLM_TIMEOUT, default 60)")
    rv.add_argument("--max-input-size", metavar="SIZE",
                    help="largest input to read, e.g. 256M (default: 256M or "
                         "$REVIEWER_MAX_INPUT_BYTES)")
    rv.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    rv.add_argument("--config", metavar="FILE",
                    help="project settings (default: ./.reviewer.toml, else [tool.reviewer] "
                         "in ./pyproject.toml)")
    rv.add_argument("--no-config", action="store_true",
                    help="ignore any configuration file; use the defaults")
    rv.add_argument("--workspace", metavar="NAME",
                    help="Terraform/OpenTofu workspace of the plan, mapped by the config's "
                         "[environments] workspaces (default: $TF_WORKSPACE)")

    det = sub.add_parser("detectors", help="list or explain the detectors")
    det_sub = det.add_subparsers(dest="detectors_command", parser_class=_Parser)
    dl = det_sub.add_parser("list", help="list every detector")
    dl.add_argument("--format", choices=("text", "json"), default="text")
    de = det_sub.add_parser("explain", help="print a detector's documentation")
    de.add_argument("code", help="detector code, e.g. TF001")

    sub.add_parser("schema", help="print the JSON schema of the verdict")

    ci = sub.add_parser("ci", help="the CI gate: review a pull request, write SARIF, "
                                   "annotations, summary, comment; exit 0/1/2",
                        description="Review a pull request in CI (GitHub Actions, GitLab CI "
                                    "or --base/--head) and write the outputs CI platforms "
                                    "read. Exit 0 pass, 1 gate tripped, 2 could not review.")
    from reviewer.ci.command import add_arguments as _ci_arguments

    _ci_arguments(ci)

    from reviewer.slack.command import add_parser as _slack_parser

    _slack_parser(sub, _Parser)

    ev = sub.add_parser("eval", help="run the offline eval suite of historical incidents",
                        description="Run eval cases through the review pipeline and score it "
                                    "as a risk gate.")
    ev.add_argument("--cases", action="append", metavar="DIR",
                    help="folder of case folders (repeatable; default: evals/cases)")
    ev.add_argument("--llm", choices=("off", "openai", "replay"), default="off",
                    help="the LLM judge during the run: off (default), openai (a configured "
                         "model), replay (answers recorded with --record)")
    ev.add_argument("--record", metavar="DIR",
                    help="store every LLM exchange in DIR (for --llm replay)")
    ev.add_argument("--replay-dir", metavar="DIR",
                    help="where --llm replay reads exchanges (default: the --record DIR or "
                         "evals/recordings)")
    ev.add_argument("--out", metavar="DIR",
                    help="write report.md, results.json and chart.png to DIR (with baselines)")
    ev.add_argument("--format", choices=("text", "json"), default="text")
    ev.add_argument("--check", action="store_true",
                    help="exit 1 when the catch or false-alarm threshold is not met")
    return parser


def _write(text: str, output: str | None, stream: TextIO) -> None:
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        stream.write(text)


def _use_colour(choice: str, stream: TextIO) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


def _demo_request(args: argparse.Namespace) -> ReviewRequest:
    import tomllib
    from importlib import resources

    from reviewer.parsers.reading import decode
    from reviewer.service import ReviewRequest

    demo = resources.files("reviewer") / "demo"
    meta = tomllib.loads((demo / "cost-env-recreate.toml").read_text(encoding="utf-8"))
    artifacts = [decode((demo / name).read_bytes(), f"demo/{name}") for name in meta["files"]]
    return ReviewRequest(
        artifacts=artifacts,
        title=args.title or meta["title"],
        description=args.description or meta["description"],
        ai_assisted=args.ai_assisted or bool(meta.get("ai_assisted", False)),
    )


def _git_request(args: argparse.Namespace, request: ReviewRequest) -> None:
    from reviewer.parsers.git_range import load_git_range

    change = load_git_range(args.git, repo=args.repo)
    request.contents = change.contents
    request.documents.append(change.document())


def _build_request(args: argparse.Namespace) -> ReviewRequest:
    from reviewer.errors import InputError, UsageError
    from reviewer.limits import parse_size
    from reviewer.models import InputKind
    from reviewer.parsers.reading import read_artifact
    from reviewer.service import ReviewRequest

    if args.demo:
        return _demo_request(args)
    if not args.inputs and not args.git:
        raise UsageError("nothing to review: give FILE arguments, '-' for stdin, --git RANGE "
                         "or --demo")
    limit = None
    if args.max_input_size:
        try:
            limit = parse_size(args.max_input_size)
        except ValueError as exc:
            raise UsageError(f"--max-input-size: {exc}") from None
    description = args.description
    if args.description_file:
        description = read_artifact(args.description_file, limit=limit).text
    kind = InputKind(args.kind) if args.kind else None
    request = ReviewRequest(title=args.title, description=description,
                            ai_assisted=args.ai_assisted, include=args.select,
                            exclude=args.ignore, strict=args.strict,
                            raise_on_input_error=not args.keep_going)
    for path in args.inputs:
        try:
            request.artifacts.append(read_artifact(path, kind=kind, limit=limit))
        except InputError as exc:
            if not args.keep_going:
                raise
            request.input_errors.append(exc)
    if args.git:
        _git_request(args, request)
    request.workspace = args.workspace or os.environ.get("TF_WORKSPACE", "").strip() or None
    return request


def _cli_config(args: argparse.Namespace) -> ReviewerConfig:
    """The settings for ``reviewer review``: --config FILE, else the current directory's."""
    from reviewer.config import ReviewerConfig, load_config, load_config_file
    from reviewer.errors import UsageError

    if args.no_config:
        if args.config:
            raise UsageError("--config and --no-config exclude each other")
        return ReviewerConfig()
    if args.config:
        return load_config_file(args.config)
    if args.demo:
        return ReviewerConfig()
    config, source = load_config(".")
    if source:
        logging.getLogger("reviewer").info("using the settings in %s", source)
    return config


def _llm_settings(args: argparse.Namespace, config: ReviewerConfig | None = None,
                  stderr: TextIO | None = None) -> JudgeSettings:
    from reviewer.config import llm_environment
    from reviewer.llm.judge import JudgeSettings

    overrides: dict[str, Any] = {}
    if getattr(args, "llm", None):
        overrides["mode"] = args.llm
    if getattr(args, "llm_model", None):
        overrides["model"] = args.llm_model
    if getattr(args, "llm_timeout", None) is not None:
        overrides["timeout_s"] = args.llm_timeout
    if getattr(args, "record", None):
        overrides["record_dir"] = args.record
    if getattr(args, "llm", None) == "replay":
        overrides["replay_dir"] = args.replay_dir or args.record or "evals/recordings"
    if config is None:
        return JudgeSettings.from_env(**overrides)
    env, warnings = llm_environment(os.environ, config.llm,
                                    trust_base_url=bool(getattr(args, "config", None)))
    for warning in warnings:
        if stderr is not None:
            stderr.write(f"reviewer: warning: {warning}\n")
    return JudgeSettings.from_env(env, **overrides)


def _render(verdict: Verdict, fmt: str, colour: bool) -> str:
    from reviewer.render import render_json, render_markdown, render_terminal

    if fmt == "json":
        return render_json(verdict)
    if fmt == "markdown":
        return render_markdown(verdict)
    return render_terminal(verdict, colour=colour)


def cmd_review(args: argparse.Namespace, stdout: TextIO, stderr: TextIO | None = None) -> int:
    """``reviewer review``."""
    from reviewer.models import RiskLevel
    from reviewer.service import review

    config = _cli_config(args)
    request = _build_request(args)
    request.config = config
    request.llm = _llm_settings(args, config, stderr)
    verdict = review(request)
    colour = not args.output and args.format == "text" and _use_colour(args.color, stdout)
    _write(_render(verdict, args.format, colour), args.output, stdout)
    return EXIT_FAIL if verdict.risk >= RiskLevel(args.fail_on) else EXIT_OK


def cmd_detectors(args: argparse.Namespace, stdout: TextIO) -> int:
    """``reviewer detectors list|explain``."""
    import json

    from reviewer.detectors import ALL_DETECTORS
    from reviewer.errors import UsageError

    if args.detectors_command == "explain":
        from reviewer.detectors.docs import render_page
        from reviewer.detectors.registry import by_code

        stdout.write(render_page(by_code(args.code)))
        return EXIT_OK
    if args.detectors_command != "list":
        raise UsageError("say `reviewer detectors list` or `reviewer detectors explain CODE`")
    if args.format == "json":
        rows = [{"code": c.code, "name": c.name, "family": c.family,
                 "severity": c.severity.value, "confidence": c.confidence.value,
                 "kinds": [k.value for k in c.kinds], "summary": c.summary()}
                for c in ALL_DETECTORS]
        stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    for c in ALL_DETECTORS:
        stdout.write(f"{c.code:7} {c.severity.value:8} {c.name:36} {c.summary()}\n")
    return EXIT_OK


def cmd_schema(stdout: TextIO) -> int:
    """``reviewer schema``."""
    import json

    from reviewer.verdict.model import Verdict

    stdout.write(json.dumps(Verdict.model_json_schema(), indent=2) + "\n")
    return EXIT_OK


def _progress(stream: TextIO) -> Callable[[int, int, str], None] | None:
    if not stream.isatty():
        return None

    def show(done: int, total: int, case_id: str) -> None:
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if done == total else ""
        stream.write(f"\r[{bar}] {done}/{total} {case_id[:40]:40}{end}")
        stream.flush()

    return show


def cmd_eval(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """``reviewer eval``."""
    from pathlib import Path

    from reviewer.evals.cases import load_cases
    from reviewer.evals.metrics import summarize
    from reviewer.evals.report import render_json, render_markdown, render_text
    from reviewer.evals.runner import run_cases

    dirs = [Path(d) for d in (args.cases or ["evals/cases"])]
    cases, errors = load_cases(dirs)
    results = run_cases(cases, _progress(stderr), llm=_llm_settings(args))
    summary = summarize(results, case_errors=len(errors))
    baselines = []
    if args.out:
        from reviewer.evals.baselines import run_baselines

        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        baselines = run_baselines(cases)
        chart: str | None = "chart.png"
        try:
            from reviewer.evals.chart import write_chart

            write_chart(out / "chart.png", results, summary)
        except ImportError:
            chart = None
            stderr.write("reviewer: chart skipped: matplotlib is not installed\n")
        (out / "results.json").write_text(render_json(results, summary, errors, baselines),
                                          encoding="utf-8")
        (out / "report.md").write_text(
            render_markdown(results, summary, errors, baselines, chart), encoding="utf-8")
    if args.format == "json":
        stdout.write(render_json(results, summary, errors, baselines))
    else:
        stdout.write(render_text(results, summary, errors))
    return EXIT_FAIL if args.check and not summary.thresholds_met else EXIT_OK


def _dispatch(args: argparse.Namespace, parser: argparse.ArgumentParser, stdout: TextIO,
              stderr: TextIO) -> int:
    if args.version:
        from reviewer import __version__

        stdout.write(f"reviewer {__version__}\n")
        return EXIT_OK
    if args.command == "review":
        return cmd_review(args, stdout, stderr)
    if args.command == "detectors":
        return cmd_detectors(args, stdout)
    if args.command == "schema":
        return cmd_schema(stdout)
    if args.command == "eval":
        return cmd_eval(args, stdout, stderr)
    if args.command == "ci":
        from reviewer.ci.command import run as run_ci

        return run_ci(args, stdout, stderr)
    if args.command == "slack":
        from reviewer.slack.command import run as run_slack

        return run_slack(args, stdout)
    parser.print_help(stdout)
    return EXIT_ERROR


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    """Run the CLI and return its exit code."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _ArgumentError as exc:
        err.write(f"reviewer: error: {exc}\n")
        return EXIT_ERROR
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    logging.basicConfig(level=logging.INFO if args.verbose else logging.CRITICAL,
                        format="%(levelname)s %(name)s: %(message)s", stream=err)
    from reviewer.errors import ReviewerError

    try:
        return _dispatch(args, parser, out, err)
    except ReviewerError as exc:
        err.write(f"reviewer: error: {exc}\n")
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        logging.getLogger("reviewer").debug("internal error", exc_info=True)
        err.write(f"reviewer: internal error: {type(exc).__name__}: {exc} "
                  "(run with -v for details; please report it)\n")
        return EXIT_ERROR
