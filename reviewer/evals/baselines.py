"""Other tools run on the same cases, when installed: checkov on plans, squawk on SQL, and
the LLM judge alone when a model is configured.

Each baseline sees only the artifacts it can read. A case counts as flagged by checkov or
squawk when the tool reports at least one failed check on it; its catch and false-alarm
rates are computed over the cases it could read. The LLM-only baseline (see
:mod:`reviewer.evals.llm_only`) reads every case and is held to the case's own bound: an
incident is caught when the model's risk reaches ``min_risk``, a benign case is flagged
when it exceeds ``max_risk``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from reviewer.evals.cases import EvalCase
from reviewer.evals.llm_only import NOT_RUN
from reviewer.evals.runner import CaseResult

TIMEOUT_S = 120


class BaselineResult(BaseModel):
    """One baseline over the cases it can read."""

    name: str
    installed: bool
    cases_run: int = 0
    incidents: int = 0
    incidents_flagged: int = 0
    benign: int = 0
    benign_flagged: int = 0
    note: str = ""

    @property
    def incident_catch_rate(self) -> float | None:
        """Share of readable incidents it flagged."""
        return self.incidents_flagged / self.incidents if self.incidents else None

    @property
    def benign_false_alarm_rate(self) -> float | None:
        """Share of readable benign cases it flagged."""
        return self.benign_flagged / self.benign if self.benign else None


def _is_plan(path: Path) -> bool:
    if path.suffix != ".json":
        return False
    try:
        head = path.read_text(encoding="utf-8")[:4096]
    except (OSError, UnicodeDecodeError):
        return False
    return '"format_version"' in head and '"resource_changes"' in head


def checkov_flags(exe: str, plan: Path) -> bool:
    """True when checkov reports a failed check on a plan."""
    proc = subprocess.run([exe, "-f", str(plan), "--framework", "terraform_plan", "-o", "json",
                           "--quiet", "--compact"], capture_output=True, text=True,
                          timeout=TIMEOUT_S, check=False)
    try:
        data = json.loads(proc.stdout or "{}")
    except json.JSONDecodeError:
        return proc.returncode == 1
    reports = data if isinstance(data, list) else [data]
    return any(r.get("summary", {}).get("failed", 0) for r in reports if isinstance(r, dict))


def squawk_flags(exe: str, sql: Path) -> bool:
    """True when squawk reports a violation on a SQL file."""
    proc = subprocess.run([exe, str(sql)], capture_output=True, text=True, timeout=TIMEOUT_S,
                          check=False)
    return proc.returncode != 0


def run_baseline(name: str, cases: Sequence[EvalCase]) -> BaselineResult:
    """Run one named baseline (``checkov`` or ``squawk``) over the cases it can read."""
    exe = shutil.which("squawk" if name == "squawk" else "checkov")
    result = BaselineResult(name=name, installed=exe is not None)
    if exe is None:
        result.note = "not installed"
        return result
    for case in cases:
        if name == "checkov":
            files = [p for p in case.artifact_paths() if _is_plan(p)]
        else:
            files = [p for p in case.artifact_paths() if p.suffix == ".sql"]
        if not files:
            continue
        try:
            flagged = any(checkov_flags(exe, f) if name == "checkov" else squawk_flags(exe, f)
                          for f in files)
        except (OSError, subprocess.TimeoutExpired) as exc:
            result.note = f"{case.id}: {type(exc).__name__}"
            continue
        result.cases_run += 1
        if case.kind == "incident":
            result.incidents += 1
            result.incidents_flagged += flagged
        else:
            result.benign += 1
            result.benign_flagged += flagged
    return result


def run_baselines(cases: Sequence[EvalCase]) -> list[BaselineResult]:
    """Every baseline; those not installed are listed as such."""
    return [run_baseline("checkov", cases), run_baseline("squawk", cases)]


def llm_only_baseline(results: Sequence[CaseResult]) -> BaselineResult:
    """The LLM judge alone, from the per-case answers the run collected."""
    ran = [r for r in results if r.llm_only_status]
    result = BaselineResult(name="llm-only", installed=bool(ran))
    if not ran:
        result.note = NOT_RUN
        return result
    failed = [r for r in ran if r.llm_only_risk is None]
    for r in ran:
        if r.llm_only_risk is None:
            continue
        result.cases_run += 1
        if r.kind == "incident":
            result.incidents += 1
            result.incidents_flagged += (r.min_risk is not None
                                         and r.llm_only_risk >= r.min_risk)
        else:
            result.benign += 1
            result.benign_flagged += (r.max_risk is not None and r.llm_only_risk > r.max_risk)
    if failed:
        result.note = (f"no answer on {len(failed)} case(s), e.g. {failed[0].id}: "
                       f"{failed[0].llm_only_status}")
    return result


def with_llm_only(baselines: Sequence[BaselineResult],
                  results: Sequence[CaseResult]) -> list[BaselineResult]:
    """The baselines plus the LLM-only one (once), for reports."""
    out = [b for b in baselines if b.name != "llm-only"]
    out.append(llm_only_baseline(results))
    return out
