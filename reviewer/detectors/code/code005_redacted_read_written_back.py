"""CODE005: a record read through a redacting or partial path is written back whole."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from reviewer.detectors.base import Detector
from reviewer.detectors.code._common import is_test_path, short
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.diff import DiffDocument

_SOURCE = frozenset({".go", ".py", ".js", ".ts", ".tsx", ".jsx", ".java", ".kt", ".rb", ".cs",
                     ".php", ".rs", ".scala", ".swift"})
#: ``tok, err := repo.GetRedacted(…)`` / ``tok = repo.load_masked(…)`` / ``const t = await …``
_PARTIAL_READ = re.compile(
    r"\b(?:const|let|var|val|final)?\s*([A-Za-z_]\w*)\s*(?:,\s*\w+\s*)?:?=\s*(?:await\s+)?"
    r"[\w.$]*?\b((?:get|load|fetch|find|read|select|lookup)\w*"
    r"(?:redact|mask|sanitiz|scrub|public|partial|summary|safe|display|view)\w*"
    r"|(?:redact|mask|sanitiz|scrub)\w*)\s*\(", re.I)
_WHOLE_WRITE = (r"\.(?:update|save|put|upsert|store|write|replace|persist|merge)\w*\s*"
                r"\((?:[^()]*,\s*)?&?{var}\s*[,)]")


class RedactedReadWrittenBack(Detector[DiffDocument]):
    """A record read through a redacting or partial path is written back whole.

    ## What it detects
    Added code that reads a record through a function whose name says it redacts, masks,
    sanitises or returns a partial or public view (`GetRedacted`, `load_masked`,
    `findPublic`, `getSummary`…) and then passes the same variable to a whole-record write
    (`Update`, `save`, `put`, `upsert`, `replace`…). Test code is not reported.

    ## Why is this risky?
    A redacted read blanks the fields the caller should not see, usually secrets. Writing
    the record back stores the blanks: a release that only meant to record a token's "last
    seen" time read tokens through the redacting path and overwrote every client secret it
    touched with an empty string, which a NOT NULL column accepts. Services that depended on
    those tokens failed until the secrets were restored from backup.

    ## Example
    ```diff
    diff --git a/internal/tokens/service.go b/internal/tokens/service.go
    --- a/internal/tokens/service.go
    +++ b/internal/tokens/service.go
    @@ -1,2 +1,5 @@
     func (s *Service) Touch(ctx context.Context, id string) error {
    +	tok, _ := s.repo.GetRedacted(ctx, id)
    +	tok.LastSeenAt = time.Now()
    +	return s.repo.Update(ctx, tok)
     }
    ```

    ## Safer alternative
    Write only the columns the change means to write:
    ```diff
    diff --git a/internal/tokens/service.go b/internal/tokens/service.go
    --- a/internal/tokens/service.go
    +++ b/internal/tokens/service.go
    @@ -1,2 +1,3 @@
     func (s *Service) Touch(ctx context.Context, id string) error {
    +	return s.repo.SetLastSeen(ctx, id, time.Now())
     }
    ```
    Also give secret columns a `CHECK (length(secret) > 0)` so a blank cannot be stored.

    ## References
    - Cloudflare, "Cloudflare incident on January 24th, 2023" (service tokens overwritten)
    - CWE-665: Improper Initialization
    """

    code = "CODE005"
    name = "redacted-read-written-back"
    family = "code"
    kinds = (InputKind.DIFF,)
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    remediation = ("Update only the changed columns, or read through the full (unredacted) "
                   "path; add a non-empty CHECK on secret columns.")

    def detect(self, doc: DiffDocument) -> Iterator[Finding]:
        for change in doc.files:
            path = change.path
            if PurePosixPath(path).suffix.lower() not in _SOURCE or is_test_path(path):
                continue
            read: dict[str, tuple[str, int | None]] = {}
            for hunk in change.hunks:
                for line in hunk.lines:
                    if line.kind != "+":
                        continue
                    match = _PARTIAL_READ.search(line.text)
                    if match:
                        read[match.group(1)] = (match.group(2), line.new_lineno)
                        continue
                    for var, (func, _) in read.items():
                        if re.search(_WHOLE_WRITE.format(var=re.escape(var)), line.text, re.I):
                            yield self.finding(
                                f"`{var}` is read through `{func}` (a redacting or partial "
                                "read) and written back whole: the hidden fields are "
                                "overwritten with their blank values",
                                Location(path=path, line=line.new_lineno),
                                evidence=short(line.text.strip()))
                            break
