"""CFG007: a lifecycle, retention or policy field is left blank, or a safety floor is zero."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.config._common import trim
from reviewer.detectors.config._push import pairs, production_config_files
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.diff import DiffDocument

#: Keys whose blank value lets a tool pick a default that deletes or expires things.
_LIFECYCLE = re.compile(r"^(term|termlength|contractterm|retention|retentiondays|"
                        r"retentionperiod|expiry|expiration|expiresat|expireafter|ttl|"
                        r"endoftermaction|onexpiry|lifecycle|deletionprotection|"
                        r"deleteafter|autodelete|deletiondate|preventdestroy)$")
#: Keys of policy rows that code dereferences (quota and access policies).
_POLICY = re.compile(r"^(scope|limit|limits|unit|quota|quotalimit|maxvalue|principal|"
                     r"resource|resources|action|actions|effect|condition|selector)$")
#: Floors that automation must not go below.
_FLOOR = re.compile(r"^(min|minimum)(quota|quotabytes|capacity|hosts|replicas|size|bytes|"
                    r"storage|instances)$|^(floor|quotafloor|capacityfloor)$")
_BLANK = frozenset({'""', "''", "null", "~", "none", "nil"})


class BlankSafetyField(Detector[DiffDocument]):
    """A lifecycle, retention or policy field is left blank, or a safety floor is zero.

    ## What it detects
    Added lines of config files, provisioning requests and policy data where:

    - a lifecycle field (`term`, `retention`, `expiry`, `ttl`, `end_of_term_action`,
      `deletion_protection`, `auto_delete`…) is an empty string or `null`;
    - a field of a policy row that code reads (`scope`, `limit`, `unit`, `principal`,
      `resource`, `action`…) is an empty string or `null`;
    - a floor that automation must respect (`min_quota`, `min_capacity`, `minimum_hosts`…)
      is `0` (`medium`).

    Files under test folders or named for a non-production environment, and source code,
    are not reported.

    ## Why is this risky?
    A blank field is not "no value": the tool that reads it picks a default, and the
    default of a lifecycle field is often a fixed term with automatic deletion. A cloud
    provider's provisioning tool did exactly that with a blank term, and deleted a
    customer's private cloud a year later. Blank fields in replicated policy data crash the
    code that dereferences them everywhere at once, and a floor of zero lets automatic
    quota or capacity reduction take everything.

    ## Example
    ```diff
    diff --git a/requests/production/pc-01.yaml b/requests/production/pc-01.yaml
    --- a/requests/production/pc-01.yaml
    +++ b/requests/production/pc-01.yaml
    @@ -1,3 +1,3 @@
     lifecycle:
    -  term: 3y
    +  term: ""
       renew: true
    ```

    ## Safer alternative
    Make lifecycle and policy fields required and reject blanks in the schema; state the
    term and the end-of-term action explicitly; give automatic reductions a floor above
    zero and a human check.

    ```diff
    diff --git a/requests/production/pc-01.yaml b/requests/production/pc-01.yaml
    --- a/requests/production/pc-01.yaml
    +++ b/requests/production/pc-01.yaml
    @@ -1,3 +1,4 @@
     lifecycle:
       term: 3y
    +  end_of_term_action: notify-owner
       renew: true
    ```

    ## References
    - Google Cloud, "Details of Google Cloud GCVE incident" (2024): a blank parameter
      defaulted to a one-year term
    - Google Cloud incident ow5i3PPK96RduMcb1SsW (2025): blank fields in a policy crashed
      Service Control
    - Google incident 20013 (2020): automatic quota reduction driven by a usage of 0
    """

    code = "CFG007"
    name = "blank-safety-field"
    family = "config"
    kinds = (InputKind.DIFF,)
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    remediation = ("Fill the field explicitly and make the schema reject blanks; give automatic "
                   "reductions a non-zero floor.")

    def detect(self, doc: DiffDocument) -> Iterator[Finding]:
        for change in production_config_files(doc):
            path = change.path
            for pair in pairs(change, "+"):
                key, value = pair.squashed, pair.value.strip().rstrip(",").strip().lower()
                blank = value in _BLANK
                if blank and _LIFECYCLE.match(key):
                    message = (f"lifecycle field `{pair.key}` is blank: the reading tool picks "
                               "its default, which may expire or delete the resource")
                    severity = self.severity
                elif blank and _POLICY.match(key):
                    message = (f"policy field `{pair.key}` is blank: code that reads this "
                               "policy must handle an empty value")
                    severity = self.severity
                elif _FLOOR.match(key) and value.strip("\"'") in ("0", "0b", "0%"):
                    message = (f"`{pair.key}` is 0: automatic reduction may take all of it")
                    severity = Severity.MEDIUM
                else:
                    continue
                yield self.finding(message, Location(path=path, line=pair.lineno),
                                   evidence=trim(pair.line.text), severity=severity)
