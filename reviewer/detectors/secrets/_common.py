"""Helpers shared by the secrets detectors: credential patterns, placeholders and masking.

Secret values never leave this module unmasked: findings carry :func:`mask` (a prefix of at
most four characters and the length) and :func:`masked` lines, in which every credential
found has been replaced by its mask.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import PurePosixPath
from typing import Any

#: Longest evidence text.
_MAX_EVIDENCE = 200

# --------------------------------------------------------------------------- paths

_FIXTURE_DIRS = frozenset({"test", "tests", "__tests__", "__mocks__", "spec", "specs",
                           "testdata", "test-data", "test_data", "fixtures", "fixture",
                           "mocks", "e2e", "testing", "examples", "example", "samples",
                           "sample", "demo", "demos"})
_FIXTURE_FILE = re.compile(
    r"(^test_.*\.py$|_test\.(py|go|rb|exs?)$|^conftest\.py$|\.(test|spec)\.[cm]?[jt]sx?$"
    r"|Tests?\.(java|kt|cs)$|_spec\.rb$|\.(example|sample|template|tmpl|dist|tpl)$"
    r"|\.example\.|\.sample\.)", re.IGNORECASE)
_CONFIG_SUFFIXES = frozenset({".env", ".yaml", ".yml", ".properties", ".ini", ".cfg", ".conf",
                              ".toml", ".tfvars", ".sh", ".bash", ".zsh", ".envrc", ".npmrc",
                              ".pypirc", ".netrc", ".pgpass", ".dockerfile", ".service"})


def is_fixture_path(path: str) -> bool:
    """True for tests, fixtures, examples and template files (their secrets are samples)."""
    p = PurePosixPath(path.replace("\\", "/"))
    if any(part.lower() in _FIXTURE_DIRS for part in p.parts[:-1]):
        return True
    return bool(_FIXTURE_FILE.search(p.name))


def is_config_like(path: str) -> bool:
    """True for files whose values may be unquoted (``.env``, YAML, properties, shell…)."""
    p = PurePosixPath(path.replace("\\", "/"))
    name = p.name.lower()
    if name.startswith(".env") or name.endswith(".env") or name in ("dockerfile", "makefile",
                                                                    "procfile"):
        return True
    return p.suffix.lower() in _CONFIG_SUFFIXES


# --------------------------------------------------------------------------- masking


def mask(value: str, prefix: int = 0) -> str:
    """``AKIA…(20 chars, masked)``: at most four leading characters and the length."""
    shown = value[: min(prefix, 4, max(len(value) - 8, 0))]
    return f"{shown}…({len(value)} chars, masked)"


def trim(text: str, limit: int = _MAX_EVIDENCE) -> str:
    """Whitespace collapsed and trimmed to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# --------------------------------------------------------------------------- values

_PLACEHOLDER_WORDS = ("example", "changeme", "change_me", "change-me", "changeit", "your_",
                      "your-", "yourtoken", "yourpassword", "yoursecret", "placeholder",
                      "dummy", "fake", "sample", "redacted", "xxxx", "****", "....", "replace",
                      "insert", "todo", "tbd", "fixme", "not-a-real", "notreal", "not_real",
                      "lorem", "foobar", "secret-here", "here>", "<your", "0000000000",
                      "1234567890", "abcdefgh", "password", "passw0rd", "p4ss", "pa55",
                      "secret", "s3cr3t", "qwerty", "letmein", "demo", "sandbox")
_PLACEHOLDER_EXACT = frozenset({"password", "secret", "token", "apikey", "api_key", "none",
                                "null", "nil", "true", "false", "undefined", "default",
                                "admin", "root", "test", "testing", "postgres", "mysql",
                                "guest", "user", "pass", "passwd", "value", "string", "str",
                                "required", "optional", "empty", "unset", "n/a", "na", "tbd",
                                "secretkey", "secret_key", "mysecret", "mypassword",
                                "supersecret", "s3cr3t", "hunter2"})
_REFERENCE = re.compile(
    r"^\$|\$\{|\$\(|\{\{|\}\}|%\(|%\{|#\{|<%|^<.*>$|^@|ENC\[|^vault:|^ref\+|^arn:|^projects/"
    r"|^secret(s)?[:/]|^sm://|^awssm|^ssm:|^azurekeyvault|^keyvault|^op://|^!(vault|ref|Ref|Sub)"
    r"|^(os\.)?environ|process\.env|getenv|System\.getenv|^env\(|^var\.|^local\.|^data\."
    r"|^module\.|^aws_|^random_|^file\(|^lookup\(|^secrets\.|^sops|^\*+$",
    re.IGNORECASE)


def entropy(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character."""
    if not value:
        return 0.0
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _classes(value: str) -> int:
    return sum((any(c.islower() for c in value), any(c.isupper() for c in value),
                any(c.isdigit() for c in value), any(not c.isalnum() for c in value)))


def is_placeholder(value: str) -> bool:
    """True for references, templates and well-known sample values, never for real secrets."""
    text = value.strip().strip("'\"`")
    if not text:
        return True
    low = text.lower()
    if low in _PLACEHOLDER_EXACT or _REFERENCE.search(text):
        return True
    if any(word in low for word in _PLACEHOLDER_WORDS):
        return True
    return len(set(text)) <= 2


def looks_secret(value: str, *, minimum: int = 8) -> bool:
    """A literal that looks like a real credential: long enough, varied, not a placeholder."""
    text = value.strip().strip("'\"`")
    if len(text) < minimum or is_placeholder(text) or " " in text.strip():
        return False
    if re.fullmatch(r"[\d.:-]+", text) or re.fullmatch(r"[a-z]+(?:[-_][a-z]+)*", text):
        return False  # numbers, dates, plain words and slugs
    return entropy(text) >= 3.0 and _classes(text) >= 2


def looks_plaintext(value: Any) -> bool:
    """A value under a secret-named key that is written out in plain text (SEC002).

    The key already says it is a secret, so short values count too; references, templates,
    placeholders, booleans and bare numbers do not.
    """
    if not isinstance(value, str):
        return False
    text = value.strip()
    if len(text) < 4 or is_placeholder(text) or re.fullmatch(r"[\d.]+", text):
        return False
    return text.lower() not in ("yes", "no", "on", "off", "enabled", "disabled")


# --------------------------------------------------------------------------- keys

_SECRET_WORDS = frozenset({"password", "passwd", "pwd", "passphrase", "secret", "secrets",
                           "token", "tokens", "apikey", "credential", "credentials", "creds",
                           "pat", "dsn"})
#: Run-together names: ``PGPASSWORD``, ``DBPASSWD``, ``GHTOKEN``, ``APIKEY``.
_SECRET_SUFFIXES = ("password", "passwd", "secret", "token", "apikey", "passphrase")
_SECRET_PAIRS = frozenset({("api", "key"), ("access", "key"), ("private", "key"),
                           ("secret", "key"), ("auth", "key"), ("client", "secret"),
                           ("master", "key"), ("signing", "key"), ("encryption", "key"),
                           ("app", "key"), ("license", "key"), ("connection", "string"),
                           ("conn", "str"), ("account", "key"), ("sas", "token")})
#: Words that make a secret-looking key name something else (``secret_name``, ``token_ttl``).
_NOT_SECRET_LAST = frozenset({"name", "names", "id", "ids", "arn", "ref", "refs", "path", "file",
                              "url", "uri", "endpoint", "length", "len", "min", "max", "ttl",
                              "expiry", "expires", "expiration", "field", "policy", "type",
                              "version", "hash", "count", "env", "var", "header", "param",
                              "label", "template", "regex", "pattern", "prompt", "placeholder",
                              "hint", "input", "mode", "manager", "provider", "store", "source",
                              "location", "format", "enabled", "required", "rotation",
                              "lifetime", "size", "class", "arns", "selector", "mount",
                              "volume", "dir", "key_ref", "namespace", "kind", "reset",
                              "changed", "updated", "created", "at", "days", "seconds",
                              "minutes", "hours", "timeout", "limit", "age", "strength",
                              "validation", "validator", "confirmation", "confirm", "salt",
                              "rounds", "algorithm", "algo", "schema", "prefix", "suffix",
                              "index", "bucket", "table", "role", "user", "username",
                              "endpoint_url", "audience", "issuer", "scope", "scopes",
                              "usage", "attribute", "metadata", "description", "annotation",
                              "ref_name", "keyref", "secretkeyref", "valuefrom", "from"})
_NOT_SECRET_FIRST = frozenset({"page", "next", "continuation", "cancellation", "cancel", "max",
                               "num", "total", "eos", "bos", "pad", "unk", "mask", "sep",
                               "cls", "start", "end", "csrf", "xsrf", "is", "has", "use",
                               "enable", "show", "hide", "reset", "forgot", "new_", "require",
                               "allow", "get", "set", "on", "handle", "validate", "verify",
                               "check", "min", "last", "token_type", "no", "skip", "with"})
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def key_words(name: str) -> tuple[str, ...]:
    """Lower-case words of a key in any case style (``DB_PASSWORD``, ``clientSecret``)."""
    return tuple(w.lower() for w in _WORD.findall(name))


def is_secret_key(name: str) -> bool:
    """True when a key or variable name says its value is a credential."""
    ws = key_words(name)
    if not ws or ws[-1] in _NOT_SECRET_LAST or ws[0] in _NOT_SECRET_FIRST:
        return False
    if any(w in _SECRET_WORDS or w.endswith(_SECRET_SUFFIXES) for w in ws):
        return True
    return any(pair in _SECRET_PAIRS for pair in pairwise(ws))


# --------------------------------------------------------------------------- patterns


@dataclass(frozen=True, slots=True)
class Secret:
    """A credential found in a line; ``value`` is raw and must never be shown."""

    kind: str
    value: str
    start: int
    end: int
    #: How many leading characters :func:`mask` may show (a fixed, public prefix).
    prefix: int = 0
    #: Provider-specific pattern (high confidence) or a generic assignment.
    specific: bool = True

    @property
    def masked(self) -> str:
        """The value masked for messages and evidence."""
        return mask(self.value, self.prefix)


_PROVIDERS: tuple[tuple[str, re.Pattern[str], int], ...] = (
    ("AWS access key",
     re.compile(r"(?<![A-Z0-9])((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})(?![A-Z0-9])"), 4),
    ("AWS secret access key", re.compile(
        r"(?i)aws_?secret_?(?:access_?)?key[\"']?\s*(?:[:=]|=>|:=)\s*[\"']?"
        r"(?-i:([A-Za-z0-9/+]{40}))(?![A-Za-z0-9/+=])"), 0),
    ("GitHub token", re.compile(r"(?<![A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{36,251})(?![A-Za-z0-9])"),
     4),
    ("GitHub fine-grained token",
     re.compile(r"(?<![A-Za-z0-9_])(github_pat_[A-Za-z0-9_]{22,240})(?![A-Za-z0-9_])"), 4),
    ("Slack token", re.compile(r"(?<![A-Za-z0-9])(xox[baprse]-[0-9]{6,}-[A-Za-z0-9-]{8,200})"), 4),
    ("Slack webhook", re.compile(
        r"(https://hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,})"), 4),
    ("Stripe live key", re.compile(r"(?<![A-Za-z0-9])((?:sk|rk)_live_[A-Za-z0-9]{20,247})"), 4),
    ("Google API key", re.compile(r"(?<![A-Za-z0-9_-])(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])"),
     4),
    ("JSON web token", re.compile(
        r"(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})"),
     3),
    ("npm token", re.compile(r"(?<![A-Za-z0-9_])(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9])"), 4),
    ("GitLab token", re.compile(r"(?<![A-Za-z0-9_])(glpat-[A-Za-z0-9_-]{20})(?![A-Za-z0-9_-])"),
     4),
)
_PRIVATE_KEY = re.compile(
    r"-----BEGIN ((?:RSA |DSA |EC |OPENSSH |PGP |ENCRYPTED |SSH2 )?PRIVATE KEY(?: BLOCK)?)-----")
_URL_CREDS = re.compile(
    r"\b([a-z][a-z0-9+.-]{1,20})://([^\s:/@\"'`]{1,64}):([^\s@/\"'`]{4,128})@([^\s/:\"'`?#]+)")
_LOCAL_HOSTS = re.compile(r"^(localhost|127\.0\.0\.1|0\.0\.0\.0|db|postgres|mysql|redis|host"
                          r"|example\.(com|org)|.*\.example\.(com|org)|.*\.local)$", re.I)
_ASSIGN = re.compile(
    r"""(?P<key>[A-Za-z_][A-Za-z0-9_.\-]{0,80})(?P<kq>["']?)\s*"""
    r"""(?P<op>:=|=>|(?<![=!<>:])=(?!=)|:(?![:/]))[ \t]*"""
    r"""(?:(?P<q>["'`])(?P<qval>[^"'`\n]{1,300}?)(?P=q)|(?P<uval>[^\s"'`,;)}\]]{1,300}))""")
#: Cheap pre-check (lower-case substrings; faster than a case-insensitive alternation).
PRECHECK = ("akia", "asia", "abia", "acca", "ghp_", "gho_", "ghs_", "ghu_", "ghr_",
            "github_pat_", "xox", "_live_", "aiza", "eyj", "npm_", "glpat-", "://", "passw",
            "passphrase", "_pass", "pass=", "pass:", "pass\"", "pass'", "pass ", "pwd",
            "secret", "token", "key\"", "key'", "key=", "key:", "key ", "key>", "api_key",
            "apikey", "access_key", "private_key", "private key", "cred", "dsn", "_pat")


def has_candidates(text: str) -> bool:
    """Cheap pre-check on any text (a line or a whole hunk): can it hold a credential?"""
    lower = text.lower()
    return any(word in lower for word in PRECHECK)


def _example_jwt(token: str) -> bool:
    payload = token.split(".")[1]
    try:
        decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode(
            "utf-8", "replace")
    except (binascii.Error, ValueError):
        return False
    return "John Doe" in decoded or '"1234567890"' in decoded


def _known_example(kind: str, value: str) -> bool:
    upper = value.upper()
    if "EXAMPLE" in upper or "XXXX" in upper or "SAMPLE" in upper or "DUMMY" in upper \
            or "FAKE" in upper or ("TEST" in upper[4:] and kind != "JSON web token"):
        return True
    if kind == "JSON web token":
        return _example_jwt(value)
    body = value[4:]
    return len(set(body)) <= 3


def find_secrets(text: str, *, config_like: bool = False) -> list[Secret]:
    """Credentials in one line of text (raw values; mask before showing)."""
    if not has_candidates(text):
        return []
    found: list[Secret] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for kind, pattern, prefix in _PROVIDERS:
        for match in pattern.finditer(text):
            value = match.group(1)
            if _known_example(kind, value) or not free(match.start(1), match.end(1)):
                continue
            if kind == "AWS secret access key" and not looks_secret(value, minimum=40):
                continue
            found.append(Secret(kind, value, match.start(1), match.end(1), prefix))
            taken.append((match.start(1), match.end(1)))
    for match in _URL_CREDS.finditer(text):
        user, password, host = match.group(2), match.group(3), match.group(4)
        if not free(match.start(3), match.end(3)) or _LOCAL_HOSTS.match(host) \
                or password == user or is_placeholder(password) or len(password) < 6:
            continue
        found.append(Secret("password in a connection URL", password, match.start(3),
                            match.end(3), 0, specific=False))
        taken.append((match.start(3), match.end(3)))
    for match in _ASSIGN.finditer(text):
        key = match.group("key")
        if not is_secret_key(key.rsplit(".", 1)[-1]):
            continue
        group = "qval" if match.group("qval") is not None else "uval"
        value = match.group(group)
        if value is None or (group == "uval" and not config_like):
            continue
        start, end = match.start(group), match.end(group)
        if not free(start, end) or not looks_secret(value):
            continue
        if group == "uval" and (value.endswith(("(", ".")) or "(" in value):
            continue  # an expression, not a literal
        found.append(Secret(f"hard-coded {key}", value, start, end, 0, specific=False))
        taken.append((start, end))
    return found


def private_key_at(text: str) -> str | None:
    """The private key type when ``text`` opens a PEM private key block."""
    if "PRIVATE KEY" not in text:
        return None
    match = _PRIVATE_KEY.search(text)
    return match.group(1) if match else None


def private_key_is_real(following: Sequence[str]) -> bool:
    """True when the lines after a BEGIN marker hold key material, not ``...``/``<key>``."""
    body = "".join(line.strip() for line in following[:3]
                   if not line.strip().startswith("-----") and ":" not in line)
    body = body.strip("\"',\\n")
    if len(body) < 40 or is_placeholder(body) or "..." in body:
        return False
    return bool(re.fullmatch(r"[A-Za-z0-9+/=\\n\"', ]+", body)) and entropy(body) > 4.0


def masked(text: str, secrets: Iterable[Secret]) -> str:
    """``text`` with every secret replaced by its mask, trimmed for evidence."""
    out = text
    for secret in sorted(secrets, key=lambda s: s.start, reverse=True):
        out = out[: secret.start] + secret.masked + out[secret.end:]
    return trim(out)


# --------------------------------------------------------------------------- structures


def walk_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """``(dotted path, string)`` for every string leaf of a JSON-like value."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, current = stack.pop()
        if isinstance(current, str):
            yield where, current
        elif isinstance(current, dict):
            for key, item in current.items():
                stack.append((f"{where}.{key}" if where else str(key), item))
        elif isinstance(current, list):
            for i, item in enumerate(current):
                stack.append((f"{where}.{i}" if where else str(i), item))


def decode_maybe_base64(value: str) -> str:
    """``value`` base64-decoded when it is valid base64 text, else unchanged."""
    text = value.strip()
    if len(text) < 16 or len(text) % 4 or not re.fullmatch(r"[A-Za-z0-9+/=\s]+", text):
        return value
    try:
        decoded = base64.b64decode(text, validate=False).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return value
    return decoded if decoded.isprintable() or "\n" in decoded else value


def json_value(text: str) -> Any:
    """``text`` decoded as JSON, or None."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def sensitive_at(marks: Any, path: Sequence[str | int]) -> bool:
    """True when a plan ``*_sensitive`` structure marks ``path`` (or a parent) sensitive."""
    current = marks
    for part in path:
        if current is True:
            return True
        if isinstance(current, dict):
            current = current.get(str(part))
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            current = current[part]
        else:
            return False
    return current is True


#: Top-level keys under which providers nest environment settings (Lambda ``environment``,
#: ECS ``container_definitions``, Kubernetes ``spec``/``template``, Cloud Run ``template``,
#: App Service ``app_settings``/``site_config``, CodeBuild ``environment``…).
_ENV_ROOTS = frozenset({
    "environment", "env", "env_vars", "variables", "app_settings", "settings",
    "environment_variable", "environment_variables", "environmentVariables",
    "secret_environment_variables", "build_environment_variables", "container_definitions",
    "container", "containers", "template", "spec", "job_template", "site_config",
    "build_config", "service_config", "function_configuration", "task_definition",
    "init_container", "containerDefinitions", "jobTemplate",
})


_MAP_ONLY_ROOTS = frozenset({"settings", "variables", "app_settings", "env_vars",
                             "secret_environment_variables", "build_environment_variables"})


def env_pairs(value: Any) -> Iterator[tuple[str, Any, tuple[str | int, ...]]]:
    """``(name, value, path)`` of environment-like settings anywhere in a resource body.

    Reads maps under ``variables``/``app_settings``/``env_vars``/``environment`` and lists
    of ``{name, value}`` under ``env``/``environment``/``environment_variable(s)``; ECS
    ``container_definitions`` JSON strings are decoded.
    """
    if not isinstance(value, dict):
        return
    present = _ENV_ROOTS.intersection(value)
    if not present:
        return
    # Walk only from the keys that can hold environment settings, not the whole body, in
    # the body's order. Map-only keys ("settings", "variables"…) hold env settings only as
    # maps: a list under them (e.g. Cloud SQL's settings block) is not walked.
    keys = present if len(present) == 1 else [key for key in value if key in present]
    roots = {key: value[key] for key in keys
             if key not in _MAP_ONLY_ROOTS or isinstance(value[key], dict)}
    if not roots:
        return
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), roots)]
    while stack:
        path, current = stack.pop()
        if isinstance(current, str) and path and path[-1] == "container_definitions":
            decoded = json_value(current)
            if decoded is not None:
                stack.append((path, decoded))
            continue
        if isinstance(current, dict):
            for key, item in current.items():
                key_s = str(key)
                if key_s in _ENV_MAP_KEYS and isinstance(item, dict):
                    for name, setting in item.items():
                        yield str(name), setting, (*path, key_s, str(name))
                elif key_s in _ENV_LIST_KEYS and isinstance(item, list):
                    for i, entry in enumerate(item):
                        if isinstance(entry, dict) and "name" in entry and "value" in entry \
                                and str(entry.get("type", "PLAINTEXT")).upper() == "PLAINTEXT":
                            yield str(entry["name"]), entry["value"], (*path, key_s, i, "value")
                if isinstance(item, (dict, list)) or (
                        key_s == "container_definitions" and isinstance(item, str)):
                    stack.append(((*path, key_s), item))
        elif isinstance(current, list):
            for i, item in enumerate(current):
                if isinstance(item, (dict, list)):
                    stack.append(((*path, i), item))


_ENV_MAP_KEYS = frozenset({"variables", "app_settings", "env_vars", "environment_variables",
                           "environment", "env", "secret_environment_variables",
                           "build_environment_variables", "settings"})
_ENV_LIST_KEYS = frozenset({"env", "environment", "environment_variable",
                            "environment_variables", "environmentVariables"})
