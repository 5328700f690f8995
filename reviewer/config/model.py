"""What a project can set about its reviews. Unknown keys are errors, with the key named.

Example ``.reviewer.toml``::

    [detectors]
    select = ["TF", "SQL"]            # codes or prefixes; empty means all
    ignore = ["SEC003"]
    severity = { TF010 = "high" }     # per-code severity overrides

    [paths]
    ignore = ["docs/**", "vendor/**"]

    [protected]
    resources = ["aws_db_instance.billing*", "module.core.*"]   # deletion is always critical

    [environments]
    workspaces = { production = "prod", stg = "staging" }
    paths = { "envs/prod/**" = "prod" }
    tags = { "Environment=live" = "prod" }

    [approvals]
    senior_approvers = ["U012ABCDEF", "octocat"]   # Slack user ids and GitHub logins
    senior_group = "S0SENIORS"                      # Slack user group mentioned on escalation
    review_channel = "C0REVIEWS"

    [ai_assisted]
    policy = "senior-approval"        # senior-approval | flag | off
    agents = ["my-internal-bot"]      # extra co-author names that mark AI assistance

    [llm]
    mode = "auto"
    model = "gpt-4.1-mini"
    timeout = 60
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from reviewer.models import Environment, Severity

#: Spellings accepted for an environment, besides the canonical prod / staging / dev.
_ENV_ALIASES = {"production": "prod", "prd": "prod", "live": "prod", "stage": "staging",
                "stg": "staging", "preprod": "staging", "uat": "staging",
                "development": "dev", "test": "dev", "sandbox": "dev", "qa": "dev"}


def _env_alias(value: Any) -> Any:
    if isinstance(value, str):
        lowered = value.strip().lower()
        return _ENV_ALIASES.get(lowered, lowered)
    return value


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


EnvName = Annotated[Environment, BeforeValidator(_env_alias)]
Level = Annotated[Severity, BeforeValidator(_lower)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Code = Annotated[str, BeforeValidator(_upper), StringConstraints(min_length=1)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class DetectorSettings(_Section):
    """Which detectors run, and their severities."""

    select: list[Code] = Field(default_factory=list,
                               description="Only these codes or prefixes; empty means all.")
    ignore: list[Code] = Field(default_factory=list, description="Codes or prefixes to skip.")
    severity: dict[Code, Level] = Field(default_factory=dict,
                                           description="Severity overrides by detector code.")


class PathSettings(_Section):
    """Files the review does not look at (glob patterns, repository-relative)."""

    ignore: list[Text] = Field(default_factory=list)


class ProtectedSettings(_Section):
    """Resources whose deletion or replacement is always critical."""

    resources: list[Text] = Field(default_factory=list,
                                 description="Address globs, e.g. aws_db_instance.billing*.")


class EnvironmentSettings(_Section):
    """Explicit environment mapping, on top of the names the reviewer infers."""

    workspaces: dict[Text, EnvName] = Field(default_factory=dict)
    paths: dict[Text, EnvName] = Field(default_factory=dict)
    tags: dict[Text, EnvName] = Field(
        default_factory=dict, description="'Key=value' (or just a value) to an environment.")


class ApprovalSettings(_Section):
    """Who may approve risky changes, and where reviews are escalated."""

    senior_approvers: list[Text] = Field(
        default_factory=list, description="Slack user ids (U…) and GitHub logins.")
    senior_group: str = Field("", description="Slack user group id (S…) to mention.")
    review_channel: str = Field("", description="Slack channel id for senior-review requests.")


AIPolicy = Literal["senior-approval", "flag", "off"]


class AIAssistedSettings(_Section):
    """How AI-assisted changes are treated."""

    policy: AIPolicy = "senior-approval"
    agents: list[Text] = Field(default_factory=list,
                              description="Extra co-author names that mark AI assistance.")


class LLMConfig(_Section):
    """The LLM judge's settings (never the key: that stays in the environment)."""

    mode: Literal["auto", "off", "openai"] | None = None
    model: str | None = None
    timeout: float | None = Field(None, gt=0)
    base_url: str | None = None


class ReviewerConfig(_Section):
    """The whole configuration; every section optional."""

    detectors: DetectorSettings = Field(default_factory=DetectorSettings)
    paths: PathSettings = Field(default_factory=PathSettings)
    protected: ProtectedSettings = Field(default_factory=ProtectedSettings)
    environments: EnvironmentSettings = Field(default_factory=EnvironmentSettings)
    approvals: ApprovalSettings = Field(default_factory=ApprovalSettings)
    ai_assisted: AIAssistedSettings = Field(default_factory=AIAssistedSettings)
    llm: LLMConfig = Field(default_factory=LLMConfig)
