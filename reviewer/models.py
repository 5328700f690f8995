"""Value types shared by every layer: severities, input kinds, locations, findings, intent.

These are the lowest layer of the package: parsers, detectors, the verdict and every
renderer use them, and they import nothing from the rest of ``reviewer``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field


class _Ranked(StrEnum):
    """A string enum whose members are ordered by declaration."""

    @property
    def rank(self) -> int:
        """Position in declaration order (0 = lowest)."""
        return _RANKS[type(self)][self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self.rank >= other.rank

    # Members are str: hash as the str they equal, in C (sets and dict keys of enums are
    # hot in large reviews; a Python-level __hash__ cost more than the lookups it serves).
    __hash__ = str.__hash__

    @classmethod
    def parse(cls, text: str) -> Self:
        """Look a member up by its value, case-insensitively."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            allowed = ", ".join(m.value for m in cls)
            name = cls.__name__.lower()
            raise ValueError(f"unknown {name} {text!r} (one of: {allowed})") from None


class Severity(_Ranked):
    """How bad a finding is if it is true."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Confidence(_Ranked):
    """How sure a detector is that its finding is true."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class RiskLevel(_Ranked):
    """The verdict's overall risk."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @classmethod
    def from_severity(cls, severity: Severity) -> RiskLevel:
        """Map a finding severity onto the risk scale (info and low are both low risk)."""
        return _RISK_OF_SEVERITY[severity]


class Decision(StrEnum):
    """What the reviewer recommends doing with the change."""

    PASS = "pass"  # noqa: S105 - a decision, not a password
    REVIEW = "review"
    BLOCK = "block"


class InputKind(StrEnum):
    """Kinds of artifact the reviewer reads."""

    DIFF = "diff"
    TERRAFORM_PLAN = "terraform-plan"
    CLOUDFORMATION = "cloudformation-changeset"
    PULUMI = "pulumi-preview"
    KUBERNETES = "kubernetes"
    SQL = "sql"
    SHELL = "shell"
    HCL = "hcl"
    WORKFLOW = "github-workflow"
    #: Not an input: the whole change (intent, documents, findings) for change-level detectors.
    CHANGE = "change"


class Environment(StrEnum):
    """Deployment environments the reviewer can infer."""

    PROD = "prod"
    STAGING = "staging"
    DEV = "dev"

    __hash__ = str.__hash__  # as _Ranked: hashed in C, consistent with str equality


#: Rank of each member, per enum. Not one dict for all three: members are equal to their
#: string values, so ``Severity.HIGH == RiskLevel.HIGH`` and a shared dict would merge them.
_RANKS: dict[type[_Ranked], dict[str, int]] = {
    enum: {member.value: index for index, member in enumerate(enum)}
    for enum in (Severity, Confidence, RiskLevel)
}
_RISK_OF_SEVERITY: dict[str, RiskLevel] = {
    Severity.INFO: RiskLevel.LOW,
    Severity.LOW: RiskLevel.LOW,
    Severity.MEDIUM: RiskLevel.MEDIUM,
    Severity.HIGH: RiskLevel.HIGH,
    Severity.CRITICAL: RiskLevel.CRITICAL,
}


class Location(BaseModel):
    """Where a finding is: a file, optionally a line, optionally a resource address."""

    model_config = ConfigDict(frozen=True)

    path: str
    line: int | None = None
    address: str | None = None

    def __str__(self) -> str:
        text = self.path
        if self.line is not None:
            text += f":{self.line}"
        if self.address:
            text += f" ({self.address})"
        return text


class Finding(BaseModel):
    """One risky thing a detector found in the change."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="Detector code, e.g. TF001.")
    name: str = Field(description="Detector name in kebab-case, e.g. stateful-resource-deleted.")
    severity: Severity
    confidence: Confidence
    message: str = Field(description="One line naming the object and what happens to it.")
    location: Location
    evidence: str = Field(default="", description="The offending value, line or statement.")
    remediation: str = Field(default="", description="What to do instead.")


class Intent(BaseModel):
    """What the author says the change does."""

    model_config = ConfigDict(frozen=True)

    title: str = ""
    description: str = ""
    ai_assisted: bool = False
    ai_assisted_reasons: tuple[str, ...] = Field(
        default=(), description="Why the change is considered AI-assisted (trailers, flags)."
    )


__all__ = [
    "Confidence",
    "Decision",
    "Environment",
    "Finding",
    "InputKind",
    "Intent",
    "Location",
    "RiskLevel",
    "Severity",
]
