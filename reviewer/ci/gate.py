"""The gate's decision: exit 0 (pass), 1 (gate tripped) or 2 (could not review).

* ``--fail-on LEVEL`` (``low``, ``medium``, ``high``, ``critical``, ``never``): the risk at
  or above which the gate trips. ``never`` means the risk alone never trips it.
* A verdict that needs a senior approval (AI-assisted, high or above, policy
  ``senior-approval``) trips the gate until one is found for the head commit; a found
  approval clears the risk threshold for that commit too.
* ``--soft-fail``: a tripped gate exits 0 (the outputs still say it failed).
* ``--on-error fail|pass``: when the review could not be done (or a requested output could
  not be written), ``fail`` (default) exits 2 — a reviewer that could not review does not
  wave a change through — and ``pass`` exits 0 with a notice.
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewer.ci.approval import ApprovalStatus
from reviewer.models import RiskLevel
from reviewer.verdict.model import Verdict

__all__ = ["EXIT_ERROR", "EXIT_FAIL", "EXIT_OK", "FAIL_ON", "GateDecision", "decide_gate"]

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2
FAIL_ON = ("low", "medium", "high", "critical", "never")


@dataclass(frozen=True, slots=True)
class GateDecision:
    """The exit code, the outcome word and the reason, for the reports."""

    exit_code: int
    #: "passed", "failed", "soft-failed", "error" or "error-passed".
    outcome: str
    reason: str

    @property
    def tripped(self) -> bool:
        """The gate would block the change (whatever ``--soft-fail`` does about it)."""
        return self.outcome in ("failed", "soft-failed")


def decide_gate(verdict: Verdict | None, error: str | None, *, fail_on: str,
                soft_fail: bool, on_error: str,
                approval: ApprovalStatus | None = None) -> GateDecision:
    """Decide the exit code of one run (see the module docstring)."""
    if error is not None or verdict is None:
        why = f"the review could not be completed: {error or 'no verdict'}"
        if on_error == "pass":
            return GateDecision(EXIT_OK, "error-passed", why + " (--on-error pass)")
        return GateDecision(EXIT_ERROR, "error", why)
    risk = verdict.risk
    over = fail_on != "never" and risk >= RiskLevel(fail_on)
    threshold = f"risk {risk.value} {'≥' if over else '<'} --fail-on {fail_on}" \
        if fail_on != "never" else f"risk {risk.value}, --fail-on never"
    tripped = over
    reason = threshold
    if approval is not None and approval.required:
        if approval.approved:
            tripped = False
            reason = (f"{threshold}; AI-assisted change approved for this commit by "
                      f"{', '.join(approval.approvers)}")
        else:
            tripped = True
            reason = (f"{threshold}; AI-assisted change at {risk.value} risk needs a senior "
                      "approval for this head commit and has none")
    if not tripped:
        return GateDecision(EXIT_OK, "passed", reason)
    if soft_fail:
        return GateDecision(EXIT_OK, "soft-failed", reason + " (--soft-fail: not blocking)")
    return GateDecision(EXIT_FAIL, "failed", reason)
