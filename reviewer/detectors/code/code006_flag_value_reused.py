"""CODE006: a new flag, bit or enum constant takes the value of one the change removes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from reviewer.detectors.base import Detector
from reviewer.detectors.code._common import is_test_path, short
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.diff import DiffDocument, DiffLine

_SOURCE = frozenset({".c", ".h", ".cc", ".cpp", ".hpp", ".cxx", ".go", ".py", ".js", ".ts",
                     ".java", ".kt", ".cs", ".rs", ".swift", ".scala", ".rb", ".php"})
_DEFINE = re.compile(
    r"^\s*(?:#define\s+([A-Z][A-Z0-9_]*)\s+\(?"
    r"|(?:(?:public|private|protected|static|final|const|constexpr|export|pub)\s+)*"
    r"(?:[A-Za-z_][\w:<>]*\s+)?([A-Z][A-Z0-9_]*)\s*[:=]\s*\(?)"
    r"(0x[0-9A-Fa-f]+|0b[01]+|\d+|1\s*<<\s*\d+)\)?\s*[,;]?\s*(?:(?://|/\*|#).*)?$")
_FLAGGY = re.compile(r"FLAG|BIT|MASK|OPT|MODE|KIND|TYPE|CODE|STATE|FEATURE")


def _value(text: str) -> int | None:
    text = text.replace(" ", "")
    try:
        if "<<" in text:
            left, right = text.split("<<")
            return int(left, 0) << int(right, 0)
        return int(text, 0)
    except ValueError:
        return None


def _definitions(lines: list[DiffLine]) -> dict[int, tuple[str, DiffLine]]:
    out: dict[int, tuple[str, DiffLine]] = {}
    for line in lines:
        match = _DEFINE.match(line.text)
        if not match:
            continue
        name = match.group(1) or match.group(2)
        value = _value(match.group(3))
        if name and value is not None and value > 1 and _FLAGGY.search(name):
            out[value] = (name, line)
    return out


class FlagValueReused(Detector[DiffDocument]):
    """A new flag, bit or enum constant takes the value of one the change removes.

    ## What it detects
    In one source file, a removed constant definition (`#define`, `const`, enum member,
    `static final`) whose name marks it as a flag, bit, mask, mode, kind, type or code, and
    an added definition with a different name and the same value (`0x08`, `1 << 3`, `42`).
    The finding says so when the old numeric value is still used in the changed lines.

    ## Why is this risky?
    A value that meant one thing to old code now means another to new code. Any binary,
    host, stored record or message still built with the old meaning acts on the new one:
    a trading firm reused the flag that had enabled a retired order algorithm for a new
    feature, one of eight servers did not get the new build, and the old algorithm ran on
    live orders for 45 minutes.

    ## Example
    ```diff
    diff --git a/router/order_flags.h b/router/order_flags.h
    --- a/router/order_flags.h
    +++ b/router/order_flags.h
    @@ -1,3 +1,3 @@
     #define ORDER_FLAG_ISO        0x02
    -#define ORDER_FLAG_POWER_PEG  0x08
    +#define ORDER_FLAG_RLP        0x08
     #define ORDER_FLAG_MIDPOINT   0x10
    ```

    ## Safer alternative
    Retire the old value (keep it reserved) and give the new meaning a fresh one:
    ```diff
    diff --git a/router/order_flags.h b/router/order_flags.h
    --- a/router/order_flags.h
    +++ b/router/order_flags.h
    @@ -1,3 +1,4 @@
     #define ORDER_FLAG_ISO        0x02
     #define ORDER_FLAG_POWER_PEG  0x08  /* retired: never reuse */
     #define ORDER_FLAG_MIDPOINT   0x10
    +#define ORDER_FLAG_RLP        0x20
    ```
    Remove the old handler in an earlier release and verify every host runs it.

    ## References
    - SEC, Administrative Proceeding 3-15570, In the Matter of Knight Capital Americas LLC (2013)
    """

    code = "CODE006"
    name = "flag-value-reused"
    family = "code"
    kinds = (InputKind.DIFF,)
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    remediation = ("Give the new meaning a fresh value and keep the old one reserved; remove "
                   "the old handler first and verify every host runs the new build.")

    def detect(self, doc: DiffDocument) -> Iterator[Finding]:
        for change in doc.files:
            path = change.path
            if PurePosixPath(path).suffix.lower() not in _SOURCE or is_test_path(path):
                continue
            added = [ln for h in change.hunks for ln in h.lines if ln.kind == "+"]
            removed = [ln for h in change.hunks for ln in h.lines if ln.kind == "-"]
            old, new = _definitions(removed), _definitions(added)
            for value, (name, line) in new.items():
                if value not in old or old[value][0] == name:
                    continue
                old_name = old[value][0]
                literal = re.compile(rf"\b{value:#x}\b|\b{value:#X}\b|\b{value}\b")
                still = any(literal.search(ln.text) and not _DEFINE.match(ln.text)
                            for ln in added)
                yield self.finding(
                    f"`{name}` takes the value {value:#x} of the removed `{old_name}`"
                    + (": code in the change still acts on that value the old way"
                       if still else ": anything built or stored with the old meaning now "
                       "triggers the new one"),
                    Location(path=path, line=line.new_lineno),
                    evidence=short(line.text.strip()))
