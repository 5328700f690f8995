"""The CI workflow parser (GitHub Actions, GitLab CI)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewer.errors import ParseError
from reviewer.models import InputKind
from reviewer.parsers.base import ProblemLevel
from reviewer.parsers.workflow import Workflow, parse_workflow

DIR = Path(__file__).resolve().parents[2] / "fixtures" / "inputs" / "workflow"
GITHUB = (DIR / "pr_preview.yml").read_text()
GITLAB = (DIR / ".gitlab-ci.yml").read_text()
GH_PATH = ".github/workflows/pr_preview.yml"


def test_github_fixture_top_level() -> None:
    wf = parse_workflow(GITHUB, GH_PATH)
    assert wf.kind is InputKind.WORKFLOW
    assert wf.platform == "github"
    assert wf.name == "PR preview"
    assert wf.triggers == {"pull_request_target": {"types": ["opened", "synchronize"]},
                           "workflow_dispatch": None}
    assert wf.has_trigger("pull_request_target", "workflow_run")
    assert not wf.has_trigger("push")
    assert wf.permissions == "write-all"
    assert wf.env == {"NODE_VERSION": "20"}
    assert (wf.line_of("on"), wf.line_of("permissions"), wf.line_of("jobs")) == (3, 8, 13)
    assert wf.problems == ()
    assert wf.describe() == "GitHub Actions workflow with 2 jobs and 3 steps"


def test_github_fixture_jobs() -> None:
    wf = parse_workflow(GITHUB, GH_PATH)
    preview, release = wf.jobs
    assert (preview.id, preview.line, preview.name) == ("preview", 14, "Build preview")
    assert preview.runs_on == "ubuntu-latest"
    assert preview.environment_name == "preview"
    assert preview.permissions is None
    assert preview.line_of("environment") == 17
    assert (release.id, release.line) == ("release", 38)
    assert release.needs == ("preview",)
    assert release.permissions == {"contents": "write", "id-token": "write"}
    assert release.uses == "acme/shared-workflows/.github/workflows/release.yml@main"
    assert release.secrets == "inherit"
    assert release.with_ == {"environment": "prod"}
    assert release.steps == ()
    assert wf.job("release") is release
    assert wf.job("nope") is None


def test_github_fixture_steps() -> None:
    wf = parse_workflow(GITHUB, GH_PATH)
    checkout, announce, deploy = wf.jobs[0].steps
    assert (checkout.index, checkout.line, checkout.uses) == (0, 21, "actions/checkout@v4")
    assert checkout.with_ == {"ref": "${{ github.event.pull_request.head.sha }}"}
    assert checkout.run is None
    assert checkout.run_line is None
    assert (announce.line, announce.name, announce.run_line) == (26, "Announce", 28)
    assert announce.run == ('echo "Building ${{ github.event.pull_request.title }}"\n'
                            "npm ci && npm run build\n")
    assert announce.env == {"GH_TOKEN": "${{ secrets.GITHUB_TOKEN }}"}
    assert announce.line_of("run") == 27
    assert (deploy.line, deploy.run_line) == (33, 36)
    assert deploy.run == './scripts/deploy-preview.sh "${{ github.head_ref }}"'
    assert deploy.if_ == "github.event.pull_request.head.repo.full_name != github.repository"
    assert deploy.continue_on_error is True
    assert [s.label for s in (checkout, announce, deploy)] == [
        "Check out the PR head", "Announce", "Deploy preview"]
    assert [(j.id, s.index) for j, s in wf.all_steps()] == [
        ("preview", 0), ("preview", 1), ("preview", 2)]


def test_gitlab_fixture() -> None:
    wf = parse_workflow(GITLAB, "ci/.gitlab-ci.yml")
    assert wf.platform == "gitlab"
    assert wf.env == {"DOCKER_DRIVER": "overlay2"}
    assert [j.id for j in wf.jobs] == ["build", "deploy_prod"]
    build, deploy = wf.jobs
    assert [(s.name, s.line, s.run_line) for s in build.steps] == [
        ("before_script", 9, 10), ("script", 15, 16)]
    assert build.steps[1].run == "npm ci\nnpm run build"
    assert deploy.line == 19
    assert deploy.environment_name == "production"
    assert deploy.needs == ("build",)
    assert deploy.continue_on_error is False
    assert deploy.steps[1].run == ("curl -fsSL https://get.example.com/install.sh | sh\n"
                                   'kubectl delete namespace "$OLD_NAMESPACE"')
    assert deploy.steps[1].run_line == 26
    assert wf.describe() == "GitLab CI pipeline with 2 jobs and 4 steps"


def test_on_spellings() -> None:
    for key in ("on", '"on"', "'on'", "true"):
        wf = parse_workflow(f"{key}: [push, pull_request]\njobs: {{}}\n", GH_PATH)
        assert wf.triggers == {"push": None, "pull_request": None}, key
        assert wf.line_of("on") == 1
    assert parse_workflow("on: push\njobs: {}\n", GH_PATH).triggers == {"push": None}


def test_partial_problems() -> None:
    text = """on: push
jobs:
  a: not-a-mapping
  b:
    runs-on: ubuntu-latest
    steps:
      - just a string
      - name: empty
      - run: [not, a, string]
  c:
    steps: {}
"""
    wf = parse_workflow(text, GH_PATH)
    assert [j.id for j in wf.jobs] == ["b", "c"]
    assert [(p.level, p.line, p.message.split(";")[0]) for p in wf.problems] == [
        (ProblemLevel.ERROR, 3, "job 'a' is not a mapping"),
        (ProblemLevel.ERROR, 7, "job 'b' step 1 is not a mapping"),
        (ProblemLevel.NOTE, 8, "job 'b' step 2 has neither 'uses' nor 'run'"),
        (ProblemLevel.ERROR, 9, "job 'b' step 3: 'run' is not a string"),
        (ProblemLevel.ERROR, 11, "job 'c': 'steps' is not a list"),
    ]


def test_duplicate_keys_are_reported() -> None:
    text = "on: push\njobs:\n  a:\n    steps:\n      - run: echo safe\n        run: rm -rf /\n"
    wf = parse_workflow(text, GH_PATH)
    assert wf.jobs[0].steps[0].run == "rm -rf /"
    (problem,) = wf.problems
    assert (problem.level, problem.line) == (ProblemLevel.ERROR, 6)
    assert problem.message.startswith("duplicate key 'run'")


def test_anchors_and_merge_keys() -> None:
    text = """on: push
x-env: &env
  A: "1"
jobs:
  a:
    runs-on: ubuntu-latest
    env:
      <<: *env
      B: "2"
    steps:
      - run: echo $A
"""
    wf = parse_workflow(text, GH_PATH)
    assert wf.jobs[0].env == {"A": "1", "B": "2"}
    assert wf.problems == ()


def test_missing_on_is_a_note() -> None:
    wf = parse_workflow("jobs:\n  a:\n    steps:\n      - run: make\n", GH_PATH)
    assert [p.level for p in wf.problems] == [ProblemLevel.NOTE]


@pytest.mark.parametrize(
    ("text", "reason", "line"),
    [
        ("on: push\njobs:\n  a: b: c\n", "invalid YAML: mapping values are not allowed", 3),
        ("on: push\n---\non: pull_request\n", "several YAML documents", 2),
        ("", "empty workflow", None),
        ("- a\n- b\n", "not a workflow", None),
        ("on: push\njobs: [a]\n", "'jobs' is not a mapping", 2),
        ("\x00", "NUL bytes", None),
        ("a: \x07\n", "invalid YAML", None),
    ],
)
def test_wholly_unreadable_input_raises(text: str, reason: str, line: int | None) -> None:
    with pytest.raises(ParseError, match=reason) as info:
        parse_workflow(text, GH_PATH)
    assert info.value.line == line
    assert "\n" not in str(info.value)


def _check_one_line(message: str) -> None:
    assert "\n" not in message


def _parse_or_error(text: str, path: str = GH_PATH) -> Workflow | None:
    try:
        wf = parse_workflow(text, path)
    except ParseError as exc:
        _check_one_line(str(exc))
        return None
    for job in wf.jobs:
        assert job.line >= 1
    return wf


@given(st.text(max_size=300), st.sampled_from([GH_PATH, ".gitlab-ci.yml"]))
def test_arbitrary_text_gives_a_document_or_parse_error(text: str, path: str) -> None:
    _parse_or_error(text, path)


@given(st.sampled_from([GITHUB, GITLAB]), st.data())
def test_mutated_samples_give_a_document_or_parse_error(sample: str, data: st.DataObject) -> None:
    cut = data.draw(st.integers(min_value=0, max_value=len(sample)))
    resume = data.draw(st.integers(min_value=0, max_value=len(sample)))
    junk = data.draw(st.text(alphabet=":-[]{}&*!|>'\"\n ab", max_size=8))
    _parse_or_error(sample[:cut] + junk + sample[resume:])
