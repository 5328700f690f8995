"""CFG011: config or data is written in a newer format, or by a newer build, than its readers."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.config._common import trim
from reviewer.detectors.config._push import Pair, pairs, production_config_files
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.diff import DiffDocument, FileChange

#: Keys (separators removed, lower-case) that version a format, schema or protocol that
#: another component reads: ``schema_version``, ``metadata_format``,
#: ``inter.broker.protocol.version``, ``min_client_version``.
_FORMAT_KEY = re.compile(r"(schema|format|protocol|wire|encoding|serialization|metadata|"
                         r"payload|message|record|codec|storage)(version|format)$"
                         r"|min(client|reader|peer|protocol|wire|tls)version$")
#: Keys that stamp the build that wrote the file.
_PRODUCER_KEY = re.compile(r"(generatedby|generator|generatorversion|producer|writtenby|"
                           r"createdby|renderedby|builtby|toolversion)$")
_NUMBER = re.compile(r"(\d+(?:\.\d+)*)")
_SEPARATORS = re.compile(r"[_\-.]")


def _key(pair: Pair) -> str:
    return _SEPARATORS.sub("", pair.key.lower())


def _version(value: str) -> tuple[int, ...] | None:
    match = _NUMBER.search(value)
    return tuple(int(p) for p in match.group(1).split(".")) if match else None


def _producer_change(change: FileChange) -> tuple[str, str] | None:
    """(old, new) producer stamp when the change rewrites it with another build's version."""
    old = {_key(p): p.plain for p in pairs(change, "-") if _PRODUCER_KEY.search(_key(p))}
    for pair in pairs(change, "+"):
        key = _key(pair)
        before = old.get(key)
        if before is not None and before != pair.plain and _version(pair.plain) is not None:
            return before, pair.plain
    return None


class FormatVersionSkew(Detector[DiffDocument]):
    """Config or data is written in a newer format, or by a newer build, than its readers.

    ## What it detects
    Changed config and data files (any key/value syntax) where one side of a
    writer/reader pair moves ahead of the other:

    - a format, schema or protocol version is raised (`schema_version: 2` → `3`,
      `inter.broker.protocol.version=3.4` → `3.6`, `min_client_version`,
      `metadata_format`);
    - a format version appears for the first time in an existing file, in the same change
      that rewrites the file's producer stamp (`generated_by`, `generator`, `producer`)
      with another build: the file now mixes entries from two builds, one of them in a
      format the file never carried.

    A format version the file already uses elsewhere (in unchanged lines) is not new; new
    files, source code, tests and non-production paths are not reported. `medium`: the
    readers may well be ready; the diff cannot show it.

    ## Why is this risky?
    Writers and readers are deployed separately. Config validated by the build that wrote
    it is consumed by a fleet running another build; a protocol raised on one side drops
    the peers that only speak the old one. A tenant configuration changed through two
    control-plane builds produced metadata the edge fleet could not handle, and the crash
    came asynchronously, after the health gates had passed, on every edge site at once.

    ## Example
    ```diff
    diff --git a/tenants/acme/routing.json b/tenants/acme/routing.json
    --- a/tenants/acme/routing.json
    +++ b/tenants/acme/routing.json
    @@ -1,4 +1,4 @@
     {
    -  "schema_version": 3,
    +  "schema_version": 4,
       "routes": []
     }
    ```

    ## Safer alternative
    Upgrade every reader first, then let writers produce the new format (or raise the
    protocol) in a later change, once the whole fleet reads it; until then write the
    format the readers already know:
    ```diff
    diff --git a/tenants/acme/routing.json b/tenants/acme/routing.json
    --- a/tenants/acme/routing.json
    +++ b/tenants/acme/routing.json
    @@ -1,4 +1,4 @@
     {
       "schema_version": 3,
    -  "routes": []
    +  "routes": [{"patterns": ["/checkout/*"], "origin_group": "checkout"}]
     }
    ```

    ## References
    - Microsoft Azure status history, tracking ID YKYN-BWZ (2025): tenant configuration
      from two control-plane builds crashed the edge fleet
    - Apache Kafka upgrade notes: raise `inter.broker.protocol.version` only after every
      broker runs the new release
    - Google SRE workbook, chapter 16 "Canarying releases" (version skew between tiers)
    """

    code = "CFG011"
    name = "format-version-skew"
    family = "config"
    kinds = (InputKind.DIFF,)
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    remediation = ("Upgrade the readers (consumers, peers, clients) first and confirm the whole "
                   "fleet runs it, then raise the format or protocol in a separate change.")

    def detect(self, doc: DiffDocument) -> Iterator[Finding]:
        for change in production_config_files(doc):
            path = change.path
            if change.status == "added":
                continue
            # Most files add no format-version key: read the rest of the file only then.
            added = [(key, pair) for pair in pairs(change, "+")
                     if _FORMAT_KEY.search(key := _key(pair))]
            if not added:
                continue
            old = {_key(p): p.plain for p in pairs(change, "-")}
            known = {(_key(p), p.plain) for p in pairs(change, " ")}
            producer: tuple[str, str] | None = None
            producer_read = False
            for key, pair in added:
                after = _version(pair.plain)
                if after is None:
                    continue
                if key in old:
                    before = _version(old[key])
                    if before is None or after <= before:
                        continue
                    what = (f"`{pair.key}` is raised from {old[key]} to {pair.plain}: readers "
                            "and peers still on the old format must be upgraded first")
                else:
                    if (key, pair.plain) in known:
                        continue
                    if not producer_read:
                        producer, producer_read = _producer_change(change), True
                    if producer is None:
                        continue
                    what = (f"`{pair.key}: {pair.plain}` is new in {path}, written by "
                            f"{producer[1]} where the rest was written by {producer[0]}: "
                            "readers get entries from two builds in a format this file "
                            "never carried")
                yield self.finding(what, Location(path=path, line=pair.lineno),
                                   evidence=trim(pair.line.text))
