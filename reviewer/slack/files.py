"""Download a file attached in Slack, with the bot token, within a size limit.

The bot token is sent only to the host of the configured Slack Web API or to Slack's own
file hosts, and redirects are not followed, so the token cannot be carried elsewhere.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from reviewer.errors import InputError
from reviewer.slack.inputs import SlackFile

_SLACK_FILE_HOSTS = ("files.slack.com", "slack-files.com")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MiB"
    if size >= 1024:
        return f"{size / 1024:.0f} KiB"
    return f"{size} bytes"


def trusted_host(url: str, api_url: str) -> bool:
    """Whether the bot token may be sent to ``url``."""
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    api_host = (urllib.parse.urlsplit(api_url).hostname or "").lower()
    if not host:
        return False
    return host == api_host or host in _SLACK_FILE_HOSTS or host.endswith(".slack.com")


def download(file: SlackFile, *, token: str, api_url: str, limit: int,
             timeout: float = 30.0) -> bytes:
    """The file's bytes.

    Raises:
        InputError: the file is too big, unsupported, or cannot be downloaded.
    """
    if not file.supported:
        raise InputError(file.name, "unsupported file type (attach a .diff, .patch, plan "
                                    ".json, .sql, .yaml or .sh file)")
    if file.size > limit:
        raise InputError(file.name, f"file is {_human(file.size)}, larger than the "
                                    f"{_human(limit)} the Slack app reads")
    if not file.url:
        raise InputError(file.name, "Slack did not give a download link for this file")
    if not trusted_host(file.url, api_url):
        raise InputError(file.name, "the download link is not on a Slack host")
    request = urllib.request.Request(  # noqa: S310 - host checked by trusted_host
        file.url, headers={"Authorization": f"Bearer {token}"})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            content_type = str(response.headers.get("Content-Type", ""))
            data: bytes = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        raise InputError(file.name, f"download failed with HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InputError(file.name, f"download failed: {reason}") from None
    if len(data) > limit:
        raise InputError(file.name, f"file is larger than the {_human(limit)} the Slack app "
                                    "reads")
    if content_type.startswith("text/html") and not file.name.lower().endswith(".html"):
        raise InputError(file.name, "Slack answered with a web page instead of the file (the "
                                    "app needs the files:read scope)")
    return data
