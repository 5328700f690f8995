"""The Slack app's settings: the environment first, then the project's config file.

Secrets (bot token, signing secret, app token, GitHub token) are held here and nowhere
else; :meth:`SlackSettings.scrub` removes them from any text before it leaves the process,
and ``repr`` never shows them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from reviewer.config import load_config
from reviewer.errors import ConfigError
from reviewer.limits import parse_size

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_GITHUB_API_URL = "https://api.github.com"
DEFAULT_WORKERS = 16
DEFAULT_LISTENER_THREADS = 16
DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_DIFF_BYTES = 5 * 1024 * 1024
#: How long a delivery key is kept for de-duplication. Slack retries within minutes and a
#: mention's twin events arrive within seconds; older keys are pruned.
DEFAULT_DELIVERY_RETENTION_HOURS = 48


def _csv(value: str) -> list[str]:
    return [v for v in (p.strip() for p in value.replace(" ", ",").split(",")) if v]


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 1) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name}: must be at least {minimum}, got {value}")
    return value


def _size(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return parse_size(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None


@dataclass(frozen=True)
class SlackSettings:
    """Everything the Slack app needs to run."""

    bot_token: str = field(default="", repr=False)
    signing_secret: str = field(default="", repr=False)
    app_token: str = field(default="", repr=False)
    api_url: str = DEFAULT_SLACK_API_URL
    github_token: str = field(default="", repr=False)
    github_api_url: str = DEFAULT_GITHUB_API_URL
    database_url: str = field(default="", repr=False)
    senior_approvers: frozenset[str] = frozenset()
    senior_group: str = ""
    review_channel: str = ""
    #: Reviews running at once (each may wait tens of seconds on the LLM).
    workers: int = DEFAULT_WORKERS
    #: Threads running Bolt listeners (ack, placeholder, button clicks): short work only.
    listener_threads: int = DEFAULT_LISTENER_THREADS
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_diff_bytes: int = DEFAULT_MAX_DIFF_BYTES
    #: Hours a delivery key is remembered (``REVIEWER_SLACK_DELIVERY_RETENTION_HOURS``).
    delivery_retention_hours: int = DEFAULT_DELIVERY_RETENTION_HOURS
    config_source: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ,
                 config_root: str | Path | None = None) -> SlackSettings:
        """Read the environment and, when present, the config file's ``[approvals]``.

        Approvers are the union of ``REVIEWER_SENIOR_APPROVERS`` and the config file; the
        group and channel come from ``REVIEWER_SENIOR_GROUP`` / ``REVIEWER_REVIEW_CHANNEL``
        when set, else from the config file.

        Raises:
            ConfigError: a value is invalid or the config file is malformed.
        """
        root = config_root if config_root is not None else (
            env.get("REVIEWER_CONFIG_DIR", "").strip() or ".")
        config, source = load_config(root)
        approvals = config.approvals
        approvers = set(approvals.senior_approvers)
        approvers.update(_csv(env.get("REVIEWER_SENIOR_APPROVERS", "")))
        return cls(
            bot_token=env.get("SLACK_BOT_TOKEN", "").strip(),
            signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip(),
            app_token=env.get("SLACK_APP_TOKEN", "").strip(),
            api_url=env.get("SLACK_API_URL", "").strip() or DEFAULT_SLACK_API_URL,
            github_token=env.get("GITHUB_TOKEN", "").strip(),
            github_api_url=env.get("GITHUB_API_URL", "").strip() or DEFAULT_GITHUB_API_URL,
            database_url=env.get("REVIEWER_DATABASE_URL", "").strip(),
            senior_approvers=frozenset(approvers),
            senior_group=env.get("REVIEWER_SENIOR_GROUP", "").strip() or approvals.senior_group,
            review_channel=(env.get("REVIEWER_REVIEW_CHANNEL", "").strip()
                            or approvals.review_channel),
            workers=_int(env, "REVIEWER_SLACK_WORKERS", DEFAULT_WORKERS),
            listener_threads=_int(env, "REVIEWER_SLACK_LISTENER_THREADS",
                                  DEFAULT_LISTENER_THREADS),
            max_file_bytes=_size(env, "REVIEWER_SLACK_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES),
            max_diff_bytes=_size(env, "REVIEWER_SLACK_MAX_DIFF_BYTES", DEFAULT_MAX_DIFF_BYTES),
            delivery_retention_hours=_int(env, "REVIEWER_SLACK_DELIVERY_RETENTION_HOURS",
                                          DEFAULT_DELIVERY_RETENTION_HOURS),
            config_source=source,
        )

    def require(self, *, socket_mode: bool = False) -> None:
        """Check that the secrets the chosen mode needs are set.

        Raises:
            ConfigError: naming every missing variable.
        """
        missing = [name for name, value in (("SLACK_BOT_TOKEN", self.bot_token),
                                            ("SLACK_SIGNING_SECRET", self.signing_secret))
                   if not value and not (socket_mode and name == "SLACK_SIGNING_SECRET")]
        if socket_mode and not self.app_token:
            missing.append("SLACK_APP_TOKEN")
        if missing:
            raise ConfigError(f"Slack app: set {', '.join(missing)} in the environment")

    def is_senior(self, user: str) -> bool:
        """Whether ``user`` (a Slack user id) may approve."""
        return user in self.senior_approvers

    def scrub(self, text: str) -> str:
        """``text`` with every configured secret replaced by ``***``."""
        for secret in (self.bot_token, self.signing_secret, self.app_token, self.github_token):
            if secret and len(secret) >= 6:
                text = text.replace(secret, "***")
        return text
