"""The project's reviewer settings: ``.reviewer.toml`` or ``[tool.reviewer]`` in pyproject.toml.

The model is in :mod:`reviewer.config.model`, reading and validation in
:mod:`reviewer.config.loader` (working tree) and :mod:`reviewer.config.git_source` (a git
revision: the base branch in CI); :mod:`reviewer.config.globs` matches paths and
addresses, :mod:`reviewer.config.llm_env` puts ``[llm]`` under the environment.

This package sits low in the layers: it imports only ``reviewer.models`` and
``reviewer.errors``, so the service, the Slack app and the CI gate can all read it.
"""

from reviewer.config.git_source import load_config_at
from reviewer.config.llm_env import llm_environment
from reviewer.config.loader import CONFIG_FILE, load_config, load_config_file, load_config_text
from reviewer.config.model import ReviewerConfig

__all__ = ["CONFIG_FILE", "ReviewerConfig", "llm_environment", "load_config", "load_config_at",
           "load_config_file", "load_config_text"]
