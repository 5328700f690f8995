"""CI005: actions, images or install scripts pulled by a mutable reference."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.ci._common import job_is_deploy, location, script_lines, trim
from reviewer.models import Finding, InputKind, Severity
from reviewer.parsers.workflow import Workflow

_SHA = re.compile(r"^[0-9a-f]{40}$")
_VERSION_TAG = re.compile(r"^v?\d+(\.\d+)*([-+.][\w.]+)?$")
_FIRST_PARTY = ("actions", "github")
_PIPE_TO_SHELL = re.compile(
    r"\b(curl|wget)\b[^|;&#]*\|\s*(sudo\s+(-\S+\s+)*)?(env\s+\S+=\S*\s+)*"
    r"(ba|z|da|k)?sh\b|\b(curl|wget)\b[^|;&#]*\|\s*(sudo\s+)?python3?\b"
    r"|\b(ba)?sh\s+(-c\s+)?[\"']?(<\(|\$\()\s*(curl|wget)\b"
    r"|\bsource\s+<\(\s*(curl|wget)\b"
)


def _classify(uses: str) -> tuple[str, Severity] | None:
    """(what is wrong, severity) for a ``uses:`` value that is not pinned to a commit."""
    ref = uses.strip()
    if not ref or ref.startswith("./"):
        return None
    if ref.startswith("docker://"):
        if "@sha256:" in ref:
            return None
        return "Docker image is not pinned to a digest", Severity.MEDIUM
    if "@" not in ref:
        return None
    target, version = ref.rsplit("@", 1)
    if _SHA.match(version.lower()):
        return None
    owner = target.split("/", 1)[0].lower()
    severity = Severity.LOW if owner in _FIRST_PARTY else Severity.MEDIUM
    kind = "tag" if _VERSION_TAG.match(version) else "branch or tag"
    if re.fullmatch(r"[0-9a-f]{7,39}", version.lower()):
        kind = "short commit id"
    return f"is referenced by the mutable {kind} '{version}', not a full commit SHA", severity


class UnpinnedDependency(Detector[Workflow]):
    """Third-party actions, images or install scripts are pulled by a mutable reference.

    ## What it detects
    Lines the change adds that make the pipeline fetch code it has not pinned:

    - `uses: owner/action@v2` or `@main` (also reusable workflows) instead of a full 40-hex
      commit SHA; first-party `actions/*` and `github/*` are reported as `low`; local
      (`./…`) actions are not reported;
    - `uses: docker://image:tag` without an `@sha256:` digest;
    - `curl … | sh` (or `bash <(curl …)`) install scripts in deploy jobs.

    ## Why is this risky?
    A tag or branch can be moved by whoever controls the upstream repository, or by whoever
    compromises it: the tj-actions/changed-files compromise (March 2025) rewrote every tag to
    a commit that dumped secrets into build logs. Deploy jobs hold production credentials,
    so anything they download and run unpinned runs with those credentials.

    ## Example
    ```yaml
    on: push
    jobs:
      changes:
        runs-on: ubuntu-latest
        steps:
          - uses: tj-actions/changed-files@v45
    ```

    ## Safer alternative
    Pin to the full commit SHA (keep the tag in a comment so updates stay readable):
    ```yaml
    on: push
    jobs:
      changes:
        runs-on: ubuntu-latest
        steps:
          - uses: tj-actions/changed-files@48d8f15b2aaa3d255ca5af3eba4870f807ce6b3c # v45
    ```

    ## References
    - zizmor `unpinned-uses`, `unpinned-images`, `adhoc-packages`, `ref-confusion`
    - Checkov CKV_GHA_* (action pinned to SHA); GitHub docs "Using third-party actions"
    - CVE-2025-30066 (tj-actions/changed-files)
    """

    code = "CI005"
    name = "unpinned-dependency"
    family = "ci"
    kinds = (InputKind.WORKFLOW,)
    severity = Severity.MEDIUM
    remediation = (
        "Pin actions and reusable workflows to a full commit SHA and images to a digest, and "
        "install tools from a pinned package or a checksummed download."
    )

    def detect(self, doc: Workflow) -> Iterator[Finding]:
        if doc.platform != "github":
            yield from self._pipes(doc)
            return
        for job in doc.jobs:
            if job.uses and doc.touches(job.line_of("uses")):
                found = _classify(job.uses)
                if found is not None:
                    yield self.finding(
                        f"{doc.path}: job '{job.id}' reusable workflow {job.uses.split('@')[0]} "
                        f"{found[0]}", location(doc, job.line_of("uses")),
                        evidence=trim(f"uses: {job.uses}"), severity=found[1])
            for step in job.steps:
                if step.uses and doc.touches(step.line_of("uses")):
                    found = _classify(step.uses)
                    if found is not None:
                        name = step.uses.split("@")[0] if "@" in step.uses and not \
                            step.uses.startswith("docker://") else step.uses
                        yield self.finding(
                            f"{doc.path}: job '{job.id}' action {name} {found[0]}",
                            location(doc, step.line_of("uses")),
                            evidence=trim(f"uses: {step.uses}"), severity=found[1])
        yield from self._pipes(doc)

    def _pipes(self, doc: Workflow) -> Iterator[Finding]:
        for job in doc.jobs:
            if not job_is_deploy(job):
                continue
            for step in job.steps:
                for line, text in script_lines(step):
                    if doc.touches(line) and not text.lstrip().startswith("#") \
                            and _PIPE_TO_SHELL.search(text):
                        yield self.finding(
                            f"{doc.path}: deploy job '{job.id}' pipes a downloaded script "
                            "into a shell", location(doc, line), evidence=trim(text.strip()))
