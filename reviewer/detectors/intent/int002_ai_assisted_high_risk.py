"""INT002: an AI-assisted change carries high-risk findings."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.change import ChangeDocument
from reviewer.models import Finding, InputKind, Location, Severity


class AiAssistedHighRisk(Detector[ChangeDocument]):
    """An AI-assisted change has findings of high severity or above: it needs a senior approval.

    ## What it detects
    A change marked as AI-assisted — by `--ai-assisted`, by a `Co-authored-by:` trailer of a
    coding agent, an `Assisted-by:` trailer or a "Generated with …" line — whose other
    findings include at least one of severity `high` or `critical`. The verdict then sets
    `requires_senior_approval`.

    ## Why is this risky?
    Coding agents make large, confident changes quickly and can carry destructive side
    effects into an otherwise plausible diff. Requiring a senior engineer's approval for
    the risky ones is the control adopted after agent-caused outages.

    ## Example
    ```patch
    From 1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b Mon Sep 17 00:00:00 2001
    From: Dev <dev@example.com>
    Date: Tue, 2 Dec 2025 10:00:00 +0000
    Subject: [PATCH] Drop the invoices table, replaced by billing_documents

    Co-authored-by: Claude <noreply@anthropic.com>
    ---
     db/migrate/20251202_cleanup.sql | 1 +
     1 file changed, 1 insertion(+)

    diff --git a/db/migrate/20251202_cleanup.sql b/db/migrate/20251202_cleanup.sql
    new file mode 100644
    index 0000000..3b18e51
    --- /dev/null
    +++ b/db/migrate/20251202_cleanup.sql
    @@ -0,0 +1 @@
    +DROP TABLE invoices;
    --
    2.43.0
    ```

    ## Safer alternative
    The same change written without an agent still gets its other findings, but no senior
    approval gate; or an AI-assisted change without high-risk findings:
    ```patch
    From 1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b Mon Sep 17 00:00:00 2001
    From: Dev <dev@example.com>
    Date: Tue, 2 Dec 2025 10:00:00 +0000
    Subject: [PATCH] Add the billing_documents table

    Co-authored-by: Claude <noreply@anthropic.com>
    ---
     db/migrate/20251202_billing.sql | 1 +
     1 file changed, 1 insertion(+)

    diff --git a/db/migrate/20251202_billing.sql b/db/migrate/20251202_billing.sql
    new file mode 100644
    index 0000000..3b18e51
    --- /dev/null
    +++ b/db/migrate/20251202_billing.sql
    @@ -0,0 +1 @@
    +CREATE TABLE billing_documents (id bigint PRIMARY KEY);
    --
    2.43.0
    ```

    ## References
    - Senior approval for AI-assisted production changes, adopted after the December 2025
      agent-caused environment teardown (README, "Why it exists")
    """

    code = "INT002"
    name = "ai-assisted-high-risk"
    family = "intent"
    kinds = (InputKind.CHANGE,)
    severity = Severity.HIGH
    remediation = (
        "Have a senior engineer review and approve this change for its head commit before "
        "it ships."
    )

    def detect(self, doc: ChangeDocument) -> Iterator[Finding]:
        if not doc.intent.ai_assisted:
            return
        risky = [f for f in doc.findings
                 if f.severity >= Severity.HIGH and not f.code.startswith("INT")]
        if not risky:
            return
        worst = max(risky, key=lambda f: f.severity)
        why = doc.intent.ai_assisted_reasons[0] if doc.intent.ai_assisted_reasons else "flag"
        yield self.finding(
            f"AI-assisted change ({why}) with {len(risky)} finding(s) of high severity or "
            f"above (worst: {worst.code}); a senior approval is required",
            Location(path=worst.location.path, line=worst.location.line,
                     address=worst.location.address),
            evidence=", ".join(sorted({f.code for f in risky})),
        )
