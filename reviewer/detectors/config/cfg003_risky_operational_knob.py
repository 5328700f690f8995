"""CFG003: a timeout, retry, pool, rate-limit, TTL, capacity or endpoint changes sharply."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reviewer.detectors.base import Detector
from reviewer.detectors.config._common import (
    ConfigFile,
    Entry,
    config_files,
    env_class,
    is_test_path,
    pair_changes,
    safe_value,
    squash,
    trim,
)
from reviewer.detectors.config._flags import is_flag_file
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.diff import DiffDocument

#: (category, pattern on the squashed leaf key).
_KNOBS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("timeout", re.compile(r"timeout|deadline|readtimeout|keepalive")),
    ("TTL", re.compile(r"ttl|expir(y|e|es|ation)|maxage|cacheduration|lifetime|retention")),
    ("retry setting", re.compile(r"retr(y|ies)|maxattempts|^attempts$|backoff")),
    ("pool size", re.compile(r"pool(size)?|maxidle|minidle|^workers?$|workercount|^threads?$|"
                             r"threadcount|concurrency|parallelism|numworkers")),
    ("rate limit", re.compile(r"ratelimit|^rate$|^rps$|^qps$|throttle|burst|quota|"
                              r"requestsper|maxrequests")),
    ("limit", re.compile(r"limit$")),
    ("connection limit", re.compile(r"maxconn|connections$|connlimit|maxclients")),
    ("capacity", re.compile(r"^replicas$|replicacount|mininstances|maxinstances|minreplicas|"
                            r"maxreplicas|mincapacity|maxcapacity|desiredcount|desiredcapacity|"
                            r"^minsize$|^maxsize$|instancecount|^mincount$|nodecount|minnodes|"
                            r"maxnodes|minscale|maxscale|^instances$|^scale$")),
)
_ENDPOINT = re.compile(r"host$|hostname|endpoint|^dsn$|dsn$|region$|queue|topic|bucket$|"
                       r"^database$|dbname|databasename|broker|^server$|servers$|address$|"
                       r"^addr$|^cluster$|clustername|upstream|baseurl|connectionstring|"
                       r"bootstrapservers|^zone$|availabilityzone")
_URL_KEY = re.compile(r"(url|uri)$")
_URL_CONTEXT = re.compile(r"database|db|redis|mongo|postgres|mysql|amqp|rabbit|kafka|broker|"
                          r"queue|api|upstream|backend|service|endpoint|base|elastic|cache|"
                          r"storage|datasource|sql|s3|origin|grpc")
_UNLIMITED = frozenset({"-1", "unlimited", "infinity", "inf", "infinite", "max", "none"})
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)")
_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0,
            "d": 86400.0}
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*(k|kb|ki|kib|m|mb|mi|mib|g|gb|gi|gib)$")
_SIZE_FACTOR = {"k": 1e3, "kb": 1e3, "ki": 1024.0, "kib": 1024.0, "m": 1e6, "mb": 1e6,
                "mi": 1024.0**2, "mib": 1024.0**2, "g": 1e9, "gb": 1e9, "gi": 1024.0**3,
                "gib": 1024.0**3}


def quantity(text: str | None) -> tuple[float, bool] | None:
    """(amount, has a unit) for a number, a duration (``1m30s``) or a size (``512Mi``)."""
    value = (text or "").strip().strip("\"'").lower().replace("_", "")
    if not value:
        return None
    try:
        return float(value), False
    except ValueError:
        pass
    parts = _DURATION.findall(value)
    if parts and "".join(a + u for a, u in parts) == value:
        return sum(float(a) * _SECONDS[u] for a, u in parts), True
    size = _SIZE.match(value)
    if size:
        return float(size.group(1)) * _SIZE_FACTOR[size.group(2)], True
    return None


def knob_category(entry: Entry) -> str | None:
    """The kind of operational knob a key is, or None."""
    leaf = squash(entry.key)
    for name, pattern in _KNOBS:
        if pattern.search(leaf):
            return name
    return None


def is_endpoint(entry: Entry) -> bool:
    """True for keys naming where traffic or data goes (hosts, URLs, regions, queues)."""
    leaf = squash(entry.key)
    if _ENDPOINT.search(leaf):
        return True
    return bool(_URL_KEY.search(leaf)) and bool(_URL_CONTEXT.search(squash(entry.dotted)))


def knob_change(old: Entry, new: Entry) -> tuple[str, bool] | None:
    """(what happened, set to zero) for a risky change of a numeric knob, else None."""
    before, after = (old.value or "").strip().strip("\"'"), (new.value or "").strip().strip("\"'")
    if after.lower() in _UNLIMITED and before.lower() not in _UNLIMITED:
        return f"set to {after} (unlimited) from {before}", False
    a, b = quantity(before), quantity(after)
    if a is None or b is None or a[1] != b[1]:
        return None
    if b[0] == 0 and a[0] != 0:
        return f"set to 0 from {before}", True
    if a[0] > 0 and b[0] > 0:
        ratio = b[0] / a[0]
        if ratio >= 10:
            return f"raised {round(ratio, 1):g}x ({before} → {after})", False
        if ratio <= 0.1:
            return f"cut {round(1 / ratio, 1):g}x ({before} → {after})", False
    return None


class RiskyOperationalKnob(Detector[DiffDocument]):
    """A production timeout, retry, pool, rate limit, TTL, capacity or endpoint changes sharply.

    ## What it detects
    Value changes in config files (YAML, JSON, TOML, `.env`, `.properties`, Helm values,
    `.tfvars`) of:

    - timeouts, retries, pool and worker sizes, rate limits, connection limits, TTLs and
      replica / instance counts changed by 10x or more either way, set to `0`, or set to
      unlimited (`-1`, `unlimited`); durations and sizes with units (`30s`, `512Mi`) are
      compared after conversion;
    - database hosts, service URLs, endpoints, regions, queues, topics and buckets pointed
      somewhere else.

    `medium` for production config (a `production` key or a prod-named file), `high` when a
    knob is set to 0 there; config that names no environment is `medium` (endpoints `low`)
    with low confidence; other environments and test fixtures are not reported.

    ## Why is this risky?
    Operational knobs rarely fail in review and often fail in production: a pool of 0 stops
    all queries, a timeout cut 10x turns slow requests into errors, retries raised 10x turn
    a blip into a retry storm, and an endpoint change silently moves traffic or data. These
    changes usually skip the canary that code gets.

    ## Example
    ```diff
    diff --git a/config/production.yaml b/config/production.yaml
    --- a/config/production.yaml
    +++ b/config/production.yaml
    @@ -1,4 +1,4 @@
     database:
       host: db-primary.internal
    -  pool_size: 20
    +  pool_size: 0
       timeout: 30s
    ```

    ## Safer alternative
    Change knobs in small steps and roll them out gradually:
    ```diff
    diff --git a/config/production.yaml b/config/production.yaml
    --- a/config/production.yaml
    +++ b/config/production.yaml
    @@ -1,4 +1,4 @@
     database:
       host: db-primary.internal
    -  pool_size: 20
    +  pool_size: 30
       timeout: 30s
    ```

    ## References
    - Heuristic (no standard linter); Overmind-style blast-radius review of config values
    - Incidents: GitHub 2024-08 database config change; Google 2020-12 quota set to 0
    """

    code = "CFG003"
    name = "risky-operational-knob"
    family = "config"
    kinds = (InputKind.DIFF,)
    severity = Severity.MEDIUM
    remediation = (
        "Change the value in steps (at most a few times the old value), roll it out to one "
        "instance or region first, and watch error rates and latency before going further."
    )

    def detect(self, doc: DiffDocument) -> Iterator[Finding]:
        for cfg in config_files(doc):
            if is_test_path(cfg.path) or (cfg.fmt == "hcl" and cfg.path.endswith(".tf")):
                continue
            if is_flag_file(cfg):
                continue
            yield from self._file(cfg)

    def _file(self, cfg: ConfigFile) -> Iterator[Finding]:
        for old, new in pair_changes(cfg):
            klass = env_class(cfg.environments(old, "old") | cfg.environments(new, "new"))
            if klass == "nonprod":
                continue
            prod = klass == "prod"
            where = " in production" if prod else ""
            category = knob_category(new)
            if category is not None:
                change = knob_change(old, new)
                if change is not None:
                    what, zero = change
                    yield self.finding(
                        f"{cfg.path}: {category} {new.dotted}{where} {what}",
                        Location(path=cfg.path, line=new.line),
                        evidence=trim(f"{old.text.strip()} → {new.text.strip()}"),
                        severity=Severity.HIGH if zero and prod else None,
                        confidence=None if prod else Confidence.LOW)
                    continue
            if is_endpoint(new) and (old.value or "").strip() and (new.value or "").strip() \
                    and quantity(new.value) is None:
                yield self.finding(
                    f"{cfg.path}: {new.dotted}{where} now points somewhere else",
                    Location(path=cfg.path, line=new.line),
                    evidence=trim(f"{new.key}: {safe_value(old.key, old.value)} → "
                                  f"{safe_value(new.key, new.value)}"),
                    severity=None if prod else Severity.LOW,
                    confidence=None if prod else Confidence.LOW)
