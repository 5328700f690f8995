"""Eval cases: ``evals/cases/<id>/case.toml`` plus the artifact files it lists.

The format is fixed (other case sets in it must run unchanged)::

    id = "cost-env-recreate"          # equals the folder name
    title = "…"
    kind = "incident"                 # or "benign"
    category = "iac-destroy"
    date = "2025-12"
    sources = ["https://…"]
    reconstructed = true

    [change]
    title = "…"
    description = "…"
    ai_assisted = false               # optional
    files = ["plan.json"]

    [expect]
    min_risk = "high"                 # incident
    # max_risk = "medium"             # benign
    detectors = ["TF001"]             # optional: one of these must fire
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from reviewer.models import RiskLevel

CATEGORIES = ("iac-destroy", "db-migration", "config-push", "script", "code-logic",
              "access-control", "ai-agent", "prompt-injection", "capacity")


class ChangeSpec(BaseModel):
    """What the reviewer is told about the change, besides its files."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = ""
    description: str = ""
    ai_assisted: bool = False
    files: list[str] = Field(min_length=1)


class Expectation(BaseModel):
    """The risk bound a case must hold, and detectors of which one must fire."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_risk: RiskLevel | None = None
    max_risk: RiskLevel | None = None
    detectors: list[str] = Field(default_factory=list)


class EvalCase(BaseModel):
    """One case: an incident to catch or a benign change not to flag."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    kind: Literal["incident", "benign"]
    category: Literal["iac-destroy", "db-migration", "config-push", "script", "code-logic",
                      "access-control", "ai-agent", "prompt-injection", "capacity"]
    date: str = ""
    sources: list[str] = Field(default_factory=list)
    reconstructed: bool = True
    change: ChangeSpec
    expect: Expectation
    folder: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="after")
    def _bounds_match_kind(self) -> EvalCase:
        if self.kind == "incident" and self.expect.min_risk is None:
            raise ValueError("an incident needs expect.min_risk")
        if self.kind == "benign" and self.expect.max_risk is None:
            raise ValueError("a benign case needs expect.max_risk")
        return self

    def artifact_paths(self) -> list[Path]:
        """The artifact files, resolved in the case folder."""
        return [self.folder / name for name in self.change.files]


class CaseLoadError(BaseModel):
    """A case that could not be loaded: the file and the problem, in one line."""

    path: str
    message: str


def _problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "case"
    return f"{where}: {first['msg']}" + (f" (and {exc.error_count() - 1} more)"
                                         if exc.error_count() > 1 else "")


def load_case(folder: Path) -> EvalCase:
    """Load and check one case folder.

    Raises:
        ValueError: the case file is missing or invalid; the message names the problem.
    """
    path = folder / "case.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError("no case.toml") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"invalid TOML: {exc}") from None
    try:
        case = EvalCase.model_validate({**data, "folder": folder})
    except ValidationError as exc:
        raise ValueError(_problem(exc)) from None
    if case.id != folder.name:
        raise ValueError(f"id {case.id!r} does not equal the folder name {folder.name!r}")
    missing = [p.name for p in case.artifact_paths() if not p.is_file()]
    if missing:
        raise ValueError(f"artifact file(s) not found: {', '.join(missing)}")
    return case


def load_cases(dirs: Iterable[Path]) -> tuple[list[EvalCase], list[CaseLoadError]]:
    """Every case under the given folders (each folder holds case folders), and load errors."""
    cases: list[EvalCase] = []
    errors: list[CaseLoadError] = []
    for root in dirs:
        if not root.is_dir():
            errors.append(CaseLoadError(path=str(root), message="not a directory"))
            continue
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            try:
                cases.append(load_case(folder))
            except ValueError as exc:
                errors.append(CaseLoadError(path=str(folder / "case.toml"), message=str(exc)))
    return cases, errors
