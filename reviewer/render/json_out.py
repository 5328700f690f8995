"""The verdict as JSON: the documented, schema-backed machine format."""

from __future__ import annotations

from reviewer.verdict.model import Verdict


def render_json(verdict: Verdict, *, indent: int | None = 2) -> str:
    """Serialise the verdict (its schema is printed by ``reviewer schema``)."""
    return verdict.model_dump_json(indent=indent) + "\n"
