"""The answer the LLM judge must return. It goes to the model as a strict JSON schema.

The schema is generated from these models by the openai SDK (``response_format`` with
``strict: true``: every property required, ``additionalProperties: false``). So they carry
no defaults and no ``minItems``-style keywords, which strict mode rejects. Field
descriptions are the only guidance the model gets about each field: the prompt templates
do not restate the schema.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from reviewer.models import RiskLevel

__all__ = ["JudgeAnswer", "Mismatch"]


class Mismatch(BaseModel):
    """One way the change does something its author did not say it does."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    certainty: Literal["clear", "possible"] = Field(
        description="'clear' when the change data shows the mismatch beyond doubt; "
                    "'possible' when it depends on something the data does not show.")
    description: str = Field(
        description="One sentence: what the change does that the stated intent does not "
                    "cover, or what the intent claims that the change does not do.")
    cites: list[str] = Field(
        description="Finding codes (e.g. TF001), file paths or resource addresses copied "
                    "exactly from the change data that show the mismatch.")


class JudgeAnswer(BaseModel):
    """The judge's reading of a change: intent against effect, and the risk it sees."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stated_intent: str = Field(
        description="One sentence: what the author says the change does.")
    observed_effect: str = Field(
        description="One sentence: what the change actually does when applied.")
    mismatches: list[Mismatch] = Field(
        description="Differences between the stated intent and the observed effect; "
                    "empty when they agree.")
    rationale: str = Field(
        description="Two to four sentences explaining the risk, citing findings, files "
                    "or resource addresses from the change data.")
    risk: RiskLevel = Field(
        description="Risk of shipping the change as it is: low, medium, high or critical.")
    questions: list[str] = Field(
        description="Questions the author should answer before the change ships; empty "
                    "when there are none.")
    safer_path: str = Field(
        description="One or two sentences: how to make the same change more safely; "
                    "empty when it is already as safe as it can be.")
