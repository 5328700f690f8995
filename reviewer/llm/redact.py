"""Redaction: nothing secret leaves the process in a prompt.

A :class:`Redactor` is made for one review. It removes, from every text it is given:

* values a Terraform plan marks sensitive (``before_sensitive`` / ``after_sensitive``):
  :meth:`Redactor.mask` replaces them structurally and remembers them, so the same value is
  also scrubbed wherever else it shows up (a diff line, a finding's evidence);
* private key blocks (PEM ``-----BEGIN … PRIVATE KEY-----`` up to the matching ``END``,
  across lines);
* credentials in URLs (``https://user:token@host``) and token-like query parameters
  (``?token=…``, ``&sig=…``, ``X-Amz-Signature=…``);
* well-known token shapes: AWS access key ids, GitHub, GitLab, Slack, npm, OpenAI-style
  ``sk-`` keys, Google API keys, Stripe keys, JWTs, ``Bearer``/``Basic`` credentials;
* password-like assignments (``password = "…"``, ``"api_key": "…"``, ``DB_SECRET=…``,
  ``PASSWORD 'x'`` in SQL) unless the value is plainly a reference (``var.x``,
  ``${{ secrets.X }}``, ``os.environ[…]``).

Each removal becomes ``[REDACTED:<kind>]`` and is counted by kind; the counts (never the
values) go into the verdict. Redaction errs towards removing too much.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

__all__ = ["Redactor", "redaction_token"]

#: Scalars shorter than this are not scrubbed globally (they would match everywhere).
_MIN_SECRET_LEN = 4


def redaction_token(kind: str) -> str:
    """The text that replaces a redacted value of ``kind``."""
    return f"[REDACTED:{kind}]"


_TOKEN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("aws-access-key-id", re.compile(
        r"(?<![A-Z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}"
        r"(?![A-Z0-9])")),
    ("github-token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{20,})")),
    ("gitlab-token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("slack-token", re.compile(r"\bxox[abposrec]-[A-Za-z0-9-]{10,}")),
    ("slack-webhook", re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]+")),
    ("npm-token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    ("api-key", re.compile(r"\bsk-(?:[A-Za-z0-9]+-)*[A-Za-z0-9_-]{20,}")),
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    ("stripe-key", re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("bearer-token", re.compile(r"(?i)(?<=\bbearer )[A-Za-z0-9._~+/-]{12,}=*")),
    ("basic-auth", re.compile(r"(?i)(?<=\bbasic )[A-Za-z0-9+/]{12,}=*")),
)

_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^\s/?#@'\"<>]+)@")
_URL_QUERY = re.compile(
    r"(?i)([?&;](?:access_token|refresh_token|id_token|auth_token|token|api_key|apikey|key|"
    r"sig|signature|password|passwd|pwd|secret|client_secret|auth|code|session|sessionid|"
    r"x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|"
    r"x-goog-credential|sv|se|sp)=)([^&\s#\"'<>]+)")

_KEY_WORDS = (  # names of keys that hold secrets
    r"password|passwd|pwd|passphrase|secret|token|api[_-]?key|apikey|"
    r"access[_-]?key|private[_-]?key|client[_-]?secret|credentials?|"
    r"account[_-]?key|shared[_-]?access[_-]?key|auth[_-]?token|"
    r"connection[_-]?string")
_ASSIGNMENT = re.compile(
    r"(?i)(?<![\w.-])(?P<key>[\"']?[\w.-]*?(?:" + _KEY_WORDS + r")[\w.-]*[\"']?)"
    r"(?P<sep>\s*(?::=|=>|=|:)\s*)"
    r"(?P<value>\[REDACTED:[^\]\n]*\]|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|[^\s,;)\]}]+)")
_SQL_PASSWORD = re.compile(r"(?i)\b(password|identified\s+by)(\s+)('(?:[^'\\\n]|\\.)*')")
_PEM_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----")
_PEM_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----")
_DIFF_PREFIX = re.compile(r"^[+\- ]?\s*")

_REFERENCE = re.compile(
    r"(?i)^(?:true|false|null|none|nil|undefined|\d{1,6}|"
    r"(?:var|local|data|module|each|self|count|path|terraform)\.[\w.\[\]\"'-]+|"
    r"[A-Za-z_][\w-]*(?:\.[\w\[\]\"'-]+)+|"
    r"\$\{?\{?.*|\{\{.*|<[^>]*>|\[REDACTED:[^\]]*\]|\*+|x+|\.\.\.|"
    r"(?:os\.environ|os\.getenv|process\.env|env\.|secrets\.|vars\.).*|"
    r".*\(.*)$")


class Redactor:
    """Removes secrets from the texts of one review and counts what it removed."""

    def __init__(self, known_secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self._known_re: re.Pattern[str] | None = None
        self.counts: Counter[str] = Counter()
        for secret in known_secrets:
            self.add_secret(secret)

    # ------------------------------------------------------------------ known values

    def add_secret(self, value: object) -> None:
        """Remember a value (and every scalar inside it) to scrub from all later texts."""
        if isinstance(value, dict):
            for item in value.values():
                self.add_secret(item)
        elif isinstance(value, list | tuple):
            for item in value:
                self.add_secret(item)
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            text = str(value)
            if len(text) >= _MIN_SECRET_LEN and text not in self._secrets:
                self._secrets.add(text)
                self._known_re = None

    def mask(self, value: Any, sensitive: Any) -> Any:
        """``value`` with every part that ``sensitive`` marks replaced, remembered as secret.

        ``sensitive`` has Terraform's ``*_sensitive`` shape: ``True`` marks the value (or
        the whole subtree) sensitive; a dict or list mirrors ``value``'s structure.
        """
        if sensitive is True:
            if value is not None:
                self.add_secret(value)
                self.counts["sensitive"] += 1
            return redaction_token("sensitive")
        if isinstance(value, dict):
            sub = sensitive if isinstance(sensitive, dict) else {}
            return {key: self.mask(item, sub.get(key)) for key, item in value.items()}
        if isinstance(value, list):
            subs = sensitive if isinstance(sensitive, list) else []
            return [self.mask(item, subs[i] if i < len(subs) else None)
                    for i, item in enumerate(value)]
        return value

    def collect(self, value: Any, sensitive: Any) -> None:
        """Remember the parts of ``value`` that ``sensitive`` marks, without masking."""
        self.mask(value, sensitive)

    # ------------------------------------------------------------------ texts

    def text(self, text: str) -> str:
        """``text`` with every secret the redactor knows or recognises replaced."""
        if not text:
            return text
        text = self._known(text)
        text = self._pem(text)
        text = _URL_USERINFO.sub(self._counted("url-credentials", r"\1", "@"), text)
        text = _URL_QUERY.sub(self._counted("url-token", r"\1", ""), text)
        for kind, pattern in _TOKEN_PATTERNS:
            text = pattern.sub(self._counted(kind, "", ""), text)
        text = _SQL_PASSWORD.sub(self._counted("password", r"\1\2'", "'"), text)
        return _ASSIGNMENT.sub(self._assignment, text)

    def _known(self, text: str) -> str:
        if not self._secrets:
            return text
        if self._known_re is None:
            ordered = sorted(self._secrets, key=len, reverse=True)  # longest match first
            self._known_re = re.compile("|".join(re.escape(s) for s in ordered))
        return self._known_re.sub(self._counted("sensitive", "", ""), text)

    def _pem(self, text: str) -> str:
        if "PRIVATE KEY" not in text:
            return text
        out: list[str] = []
        inside = False
        for line in text.split("\n"):
            if not inside:
                begin = _PEM_BEGIN.search(line)
                if begin is None:
                    out.append(line)
                    continue
                self.counts["private-key"] += 1
                end = _PEM_END.search(line, begin.end())
                if end is not None:
                    out.append(line[:begin.start()] + redaction_token("private-key")
                               + line[end.end():])
                    continue
                out.append(line[:begin.start()] + redaction_token("private-key"))
                inside = True
                continue
            end = _PEM_END.search(line)
            prefix = _DIFF_PREFIX.match(line)
            lead = prefix.group(0) if prefix else ""
            if end is not None:
                out.append(lead + redaction_token("private-key") + line[end.end():])
                inside = False
            else:
                out.append(lead + redaction_token("private-key"))
        return "\n".join(out)

    def _counted(self, kind: str, before: str, after: str) -> Any:
        token = redaction_token(kind)

        def replace(match: re.Match[str]) -> str:
            self.counts[kind] += 1
            return match.expand(before) + token + after

        return replace

    def _assignment(self, match: re.Match[str]) -> str:
        value = match.group("value")
        bare = value[1:-1] if value[:1] in "\"'" and len(value) >= 2 else value
        if not bare.strip() or _REFERENCE.match(bare.strip()):
            return match.group(0)
        self.counts["password"] += 1
        quote = value[0] if value[:1] in "\"'" else ""
        token = redaction_token("password")
        return f"{match.group('key')}{match.group('sep')}{quote}{token}{quote}"
