"""Contract tests over the detector registry: codes, tables, docs, examples."""

from __future__ import annotations

import re
from typing import Any

import pytest

from reviewer.detectors import ALL_DETECTORS
from reviewer.detectors.base import REQUIRED_SECTIONS, Detector
from reviewer.detectors.docs import all_pages, code_block, section
from reviewer.models import InputKind
from tests.detectors.case_tables import TABLES, load_table, run_text

DETECTORS = list(ALL_DETECTORS)


def _module_file(cls: type[Detector[Any]]) -> str:
    return cls.__module__.rsplit(".", 1)[-1]


def test_codes_and_names_unique_and_sorted() -> None:
    codes = [c.code for c in DETECTORS]
    names = [c.name for c in DETECTORS]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)
    families: dict[str, list[str]] = {}
    for c in DETECTORS:
        families.setdefault(c.family, []).append(c.code)
    for members in families.values():
        assert members == sorted(members)


@pytest.mark.parametrize("cls", DETECTORS, ids=lambda c: c.code)
def test_detector_defines_its_contract(cls: type[Detector[Any]]) -> None:
    assert "code" in cls.__dict__
    assert _module_file(cls).startswith(cls.code.lower() + "_")
    doc = cls.__doc__ or ""
    for heading in REQUIRED_SECTIONS:
        assert heading in doc
    assert cls.summary()
    assert cls.remediation


@pytest.mark.parametrize("cls", DETECTORS, ids=lambda c: c.code)
def test_detector_has_case_table_with_near_twins(cls: type[Detector[Any]]) -> None:
    table = TABLES / f"{cls.code}.yaml"
    assert table.exists(), f"missing {table}"
    cases = load_table(table)
    assert all(c.detector == cls.code for c in cases)
    failing = [c for c in cases if c.failing and not c.known_gap]
    passing = [c for c in cases if not c.failing]
    assert len(failing) >= 2, "needs at least two failing cases"
    assert len(passing) >= 2, "needs at least two passing near-twins"
    for case in failing:
        assert all(item.get("code") == cls.code for item in case.expect)
        assert all(("line" in item) or ("address" in item) or ("path" in item)
                   for item in case.expect), f"{case.id} must assert a location"


def _example(cls: type[Detector[Any]], title: str) -> str:
    block = code_block(section(cls, title))
    assert block.strip(), f"{cls.code}: '## {title}' has no code block"
    return block


def _path_for(cls: type[Detector[Any]], block_lang: str) -> str:
    if InputKind.WORKFLOW in cls.kinds and block_lang == "yaml":
        return ".github/workflows/example.yml"
    return {"json": "plan.json", "sql": "migration.sql", "sh": "script.sh", "bash": "script.sh",
            "yaml": "manifest.yaml", "hcl": "main.tf", "diff": "change.diff",
            "patch": "change.patch"}.get(block_lang, "input.txt")


def _kind(cls: type[Detector[Any]], block_lang: str) -> InputKind | None:
    """The example's input kind: the detector's own, or detected for diffs and intent."""
    if block_lang in ("diff", "patch") or InputKind.CHANGE in cls.kinds:
        return None
    return cls.kinds[0]


def _lang(cls: type[Detector[Any]], title: str) -> str:
    match = re.search(r"```(\w*)", section(cls, title))
    return match.group(1) if match else ""


@pytest.mark.parametrize("cls", DETECTORS, ids=lambda c: c.code)
def test_docstring_example_triggers(cls: type[Detector[Any]]) -> None:
    text = _example(cls, "Example")
    lang = _lang(cls, "Example")
    findings = run_text(cls, text, _path_for(cls, lang), _kind(cls, lang))
    assert [f.code for f in findings if f.code == cls.code], "Example does not trigger"


@pytest.mark.parametrize("cls", DETECTORS, ids=lambda c: c.code)
def test_docstring_safer_alternative_passes(cls: type[Detector[Any]]) -> None:
    text = _example(cls, "Safer alternative")
    lang = _lang(cls, "Safer alternative")
    findings = run_text(cls, text, _path_for(cls, lang), _kind(cls, lang))
    assert [f for f in findings if f.code == cls.code] == []


def test_generated_docs_are_current() -> None:
    from tests.detectors.case_tables import ROOT

    docs = ROOT / "docs" / "detectors"
    for name, text in all_pages().items():
        assert (docs / name).read_text(encoding="utf-8") == text, f"{name} is stale: make docs"
