"""The config's ``[llm]`` section as defaults under the environment (and flags above it).

The LLM judge reads its settings from environment variables, then command-line flags
(:meth:`reviewer.llm.judge.JudgeSettings.from_env`). A project's ``[llm]`` table supplies
the values the environment leaves unset: :func:`llm_environment` returns the environment
with those filled in. The API key never comes from the config.

``base_url`` decides where the API key is sent, so a ``base_url`` from a config the user
did not choose (one auto-loaded from the current directory, e.g. of a cloned repository)
applies only when it points at this machine (loopback); otherwise it is ignored with a
warning. An explicitly given config file (``--config``) is trusted.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit

from reviewer.config.model import LLMConfig

_VARS = {"mode": "REVIEWER_LLM", "model": "REVIEWER_LLM_MODEL",
         "timeout": "REVIEWER_LLM_TIMEOUT", "base_url": "OPENAI_BASE_URL"}


def is_loopback_url(url: str) -> bool:
    """True for http(s) URLs on localhost or a loopback address."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return False
    if parts.scheme not in ("http", "https"):
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def llm_environment(env: Mapping[str, str], llm: LLMConfig, *,
                    trust_base_url: bool = False) -> tuple[dict[str, str], list[str]]:
    """``env`` with the config's LLM settings added where unset, and any warnings."""
    merged = dict(env)
    warnings: list[str] = []
    values: dict[str, str | None] = {
        "mode": llm.mode,
        "model": llm.model,
        "timeout": None if llm.timeout is None else repr(float(llm.timeout)),
        "base_url": llm.base_url,
    }
    for field, value in values.items():
        var = _VARS[field]
        if value is None or merged.get(var, "").strip():
            continue
        if field == "base_url" and not trust_base_url and not is_loopback_url(value):
            warnings.append(f"config llm.base_url {value!r} ignored: only a loopback URL is "
                            "taken from an auto-loaded config (give --config FILE to trust it)")
            continue
        merged[var] = value
    return merged, warnings
