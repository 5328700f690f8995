"""The PNG chart of an eval run: rates per category, and the gate curve."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reviewer.evals.metrics import Summary, full_curve
from reviewer.evals.runner import CaseResult


def write_chart(path: Path, results: Sequence[CaseResult], summary: Summary) -> None:
    """Draw catch and false-alarm rate per category (left) and the gate curve (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8), dpi=110)
    cats = [c.category for c in summary.categories]
    xs = range(len(cats))
    catch = [c.incident_catch_rate if c.incident_catch_rate is not None else 0.0
             for c in summary.categories]
    alarms = [c.benign_false_alarm_rate if c.benign_false_alarm_rate is not None else 0.0
              for c in summary.categories]
    width = 0.4
    left.bar([x - width / 2 for x in xs], catch, width, label="incidents caught", color="#c0392b")
    left.bar([x + width / 2 for x in xs], alarms, width, label="benign flagged", color="#7f8c8d")
    left.set_xticks(list(xs), cats, rotation=35, ha="right")
    left.set_ylim(0, 1.05)
    left.set_ylabel("share of cases")
    left.set_title("Per category")
    left.legend(loc="upper right", fontsize="small")
    curve = full_curve(results)
    right.plot([p[0] for p in curve], [p[1] for p in curve], marker=".", color="#c0392b",
               label="this reviewer")
    right.plot([0, 1], [0, 1], linestyle="--", color="#95a5a6", label="random gate")
    right.set_xlabel("share of all cases gated (highest score first)")
    right.set_ylabel("share of incidents caught")
    right.set_xlim(0, 1)
    right.set_ylim(0, 1.05)
    right.set_title("Gate curve")
    right.legend(loc="lower right")
    fig.suptitle(f"Incident catch rate {summary.incident_catch_rate:.0%}, "
                 f"benign false-alarm rate {summary.benign_false_alarm_rate:.0%} "
                 f"({summary.cases_total} cases)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
