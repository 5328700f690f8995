"""INT001: the change destroys something its stated intent does not mention."""

from __future__ import annotations

from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.change import ChangeDocument
from reviewer.intent_text import (
    DESTRUCTIVE_WORDS,
    SMALL_CHANGE_WORDS,
    is_destructive,
    mentions_any,
    object_words,
)
from reviewer.models import Confidence, Finding, InputKind, Location, Severity


class IntentOmitsDestruction(Detector[ChangeDocument]):
    """The change destroys or deletes things that its stated intent does not mention.

    ## What it detects
    A change whose title and description state an intent (a PR title, a commit subject, a
    Slack request) while its measured effect includes destructive findings of `high` or
    above (resources destroyed, tables dropped, data deleted) that the intent does not
    announce: no destructive word at all ("Fix rounding in the cost calculator"), or
    destructive words that name none of the destroyed objects. `critical` when the intent
    presents the change as small or safe (a fix, a typo, a refactor, a bump) and the effect
    is critical. Changes with no stated intent are left to the other findings.

    ## Why is this risky?
    The reviewer of a pull request reads the title first. A bug fix that also deletes and
    recreates a production environment passes because nobody expects it: this is how an
    AI agent asked to fix a small issue ended up destroying an environment.

    ## Example
    ```patch
    From 1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b Mon Sep 17 00:00:00 2001
    From: Dev <dev@example.com>
    Date: Tue, 2 Dec 2025 10:00:00 +0000
    Subject: [PATCH] Fix rounding in the invoice totals

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
    State the destruction in the intent, naming what goes, and review it as such:
    ```patch
    From 1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b Mon Sep 17 00:00:00 2001
    From: Dev <dev@example.com>
    Date: Tue, 2 Dec 2025 10:00:00 +0000
    Subject: [PATCH] Drop the invoices table, replaced by billing_documents

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

    ## References
    - Change-risk incidents where the stated intent was a small fix and the effect a
      teardown (the reviewer's eval suite, category `ai-agent`)
    - Meta's Diff Risk Score: intent/effect mismatch as a gating signal
    """

    code = "INT001"
    name = "intent-omits-destruction"
    family = "intent"
    kinds = (InputKind.CHANGE,)
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    remediation = (
        "Split the destructive part into its own change whose title says what is destroyed, "
        "or undo it if it was not meant (an agent's or a refactor's side effect)."
    )

    def detect(self, doc: ChangeDocument) -> Iterator[Finding]:
        stated = f"{doc.intent.title}\n{doc.intent.description}".strip()
        if not stated:
            return
        effects = [f for f in doc.findings if is_destructive(f)]
        if not effects:
            return
        says_destructive = bool(DESTRUCTIVE_WORDS.search(stated))
        unannounced = [f for f in effects
                       if not (says_destructive and mentions_any(stated, object_words(f)))]
        if not unannounced:
            return
        worst = max(unannounced, key=lambda f: f.severity)
        small = bool(SMALL_CHANGE_WORDS.search(doc.intent.title)) and not says_destructive
        severity = Severity.CRITICAL if small and worst.severity is Severity.CRITICAL \
            else Severity.HIGH
        target = worst.location.address or worst.location.path
        more = f" and {len(unannounced) - 1} more destructive finding(s)" \
            if len(unannounced) > 1 else ""
        said = "does not mention destroying anything" if not says_destructive else \
            "does not name what is destroyed"
        title = doc.intent.title or stated.splitlines()[0]
        yield self.finding(
            f"Stated intent “{title[:120]}” {said}, but the change destroys {target} "
            f"({worst.code}){more}",
            Location(path=worst.location.path, line=worst.location.line,
                     address=worst.location.address),
            evidence="; ".join(f"{f.code} {f.location.address or f.location.path}"
                               for f in unannounced[:5]),
            severity=severity,
            confidence=Confidence.HIGH if not says_destructive else Confidence.MEDIUM,
        )
