"""Versioned prompt templates: where they live, how they load, how they render.

The templates are plain files named ``<name>.v<N>.<part>.md`` (``review.v1.system.md``,
``review.v1.user.md``, ``review.v1.reask.md``) in the repository's top-level ``prompts/``
folder, which is their only copy. ``reviewer/prompts`` is a symbolic link to it, so:

* in a source checkout or an editable install, ``importlib.resources`` finds them through
  the link;
* a wheel built from the checkout contains them as package data under ``reviewer/prompts/``
  (setuptools follows the link when the ``prompts/*.md`` package-data pattern is declared);
* where the link is not materialised (a Windows checkout without ``core.symlinks``), the
  loader falls back to ``prompts/`` next to the package.

``REVIEWER_PROMPTS_DIR`` overrides all of that (prompt experiments).

Rendering is strict: a template that names a variable the code does not supply, or that
lacks one the code supplies, is an :class:`~reviewer.llm.errors.LLMPromptError`. Variables
are written ``${name}``; a literal dollar sign is ``$$``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

from reviewer.llm.errors import LLMPromptError

__all__ = [
    "PROMPTS_ENV",
    "PROMPT_VERSION",
    "PromptTemplate",
    "find_prompts_dir",
    "load_prompt",
    "render",
]

#: The prompt the judge uses. Bump it (and add the new files) whenever a template changes.
PROMPT_VERSION = "review.v1"

#: Environment variable naming a folder to load the templates from instead.
PROMPTS_ENV = "REVIEWER_PROMPTS_DIR"

_PARTS = ("system", "user", "reask")


@dataclass(frozen=True, slots=True)
class PromptTemplate:
    """The templates of one prompt version."""

    version: str
    system: str
    user: str
    #: Sent after an answer that failed validation, with the errors.
    reask: str
    #: Where they were loaded from (for error messages and the verdict's provenance).
    source: str

    @property
    def sha256(self) -> str:
        """Digest of the templates: changes whenever one of the files changes."""
        digest = hashlib.sha256()
        for part in (self.system, self.user, self.reask):
            digest.update(part.encode())
            digest.update(b"\0")
        return digest.hexdigest()


def _has_templates(folder: Traversable, version: str) -> bool:
    return all(folder.joinpath(f"{version}.{part}.md").is_file() for part in _PARTS)


def find_prompts_dir(version: str = PROMPT_VERSION) -> Traversable:
    """The folder holding ``version``'s templates.

    Raises:
        LLMPromptError: no candidate folder holds them.
    """
    candidates: list[Traversable] = []
    override = os.environ.get(PROMPTS_ENV)
    if override:
        candidates.append(Path(override))
    else:
        candidates.append(resources.files("reviewer").joinpath("prompts"))
        candidates.append(Path(__file__).resolve().parents[2] / "prompts")
    for folder in candidates:
        if _has_templates(folder, version):
            return folder
    looked = ", ".join(str(c) for c in candidates)
    raise LLMPromptError(
        f"prompt templates {version}.{{system,user,reask}}.md not found (looked in "
        f"{looked}); reinstall the package or set {PROMPTS_ENV}")


@lru_cache(maxsize=8)
def _load(version: str, override: str | None) -> PromptTemplate:
    folder = find_prompts_dir(version)
    texts = [folder.joinpath(f"{version}.{part}.md").read_text(encoding="utf-8")
             for part in _PARTS]
    return PromptTemplate(version=version, system=texts[0], user=texts[1], reask=texts[2],
                          source=str(folder))


def load_prompt(version: str = PROMPT_VERSION) -> PromptTemplate:
    """Load (once per process) the templates of ``version``.

    Raises:
        LLMPromptError: the templates cannot be found or read.
    """
    try:
        return _load(version, os.environ.get(PROMPTS_ENV))
    except OSError as exc:
        raise LLMPromptError(f"cannot read prompt templates {version}: {exc}") from exc


def render(template: str, variables: Mapping[str, str], *, name: str = "template") -> str:
    """Substitute ``variables`` into ``template``; both sides must name the same variables.

    Values are inserted as they are: nothing in a value is substituted again.

    Raises:
        LLMPromptError: the template is malformed, names an unknown variable, or does not
            use a supplied one.
    """
    tmpl = Template(template)
    if not tmpl.is_valid():
        raise LLMPromptError(f"{name}: malformed placeholder (write a literal $ as $$)")
    wanted = set(tmpl.get_identifiers())
    given = set(variables)
    if wanted - given:
        raise LLMPromptError(f"{name}: no value for {', '.join(sorted(wanted - given))}")
    if given - wanted:
        raise LLMPromptError(f"{name}: does not use {', '.join(sorted(given - wanted))}")
    return tmpl.substitute(variables)
