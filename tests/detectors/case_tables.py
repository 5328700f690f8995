"""Load the per-detector YAML case tables in fixtures/detectors/ and run them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reviewer.detectors.base import Detector
from reviewer.detectors.engine import run_detectors
from reviewer.detectors.registry import by_code
from reviewer.models import Finding, InputKind
from reviewer.parsers import parse_artifact
from reviewer.parsers.base import Artifact, Document
from reviewer.parsers.derive import derive_documents
from reviewer.parsers.diff import DiffDocument
from reviewer.service import ReviewRequest, review

ROOT = Path(__file__).resolve().parents[2]
TABLES = ROOT / "fixtures" / "detectors"
EXPECT_KEYS = ("code", "path", "line", "address", "severity", "confidence")


@dataclass
class DetectorCase:
    """One named case of a detector's table."""

    detector: str
    name: str
    text: str
    path: str
    kind: InputKind | None
    expect: list[dict[str, Any]]
    intent: dict[str, Any] = field(default_factory=dict)
    known_gap: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.detector}::{self.name}"

    @property
    def failing(self) -> bool:
        return bool(self.expect)


def _resource(raw: dict[str, Any]) -> dict[str, Any]:
    rc = dict(raw)
    address = str(rc["address"])
    rc.setdefault("mode", "managed")
    rc.setdefault("name", address.rsplit(".", 1)[-1].split("[")[0])
    rc.setdefault("provider_name", "registry.terraform.io/hashicorp/aws")
    change = dict(rc.get("change", {}))
    actions = change.get("actions", ["no-op"])
    change.setdefault("before", None if actions == ["create"] else {})
    change.setdefault("after", None if actions in (["delete"], ["forget"]) else {})
    change.setdefault("after_unknown", {})
    change.setdefault("before_sensitive", {})
    change.setdefault("after_sensitive", {})
    rc["change"] = change
    return rc


def plan_text(spec: dict[str, Any]) -> str:
    """A Terraform plan JSON document from a compact YAML description."""
    plan: dict[str, Any] = {"format_version": "1.2", "terraform_version": "1.9.8"}
    plan.update({k: v for k, v in spec.items() if k != "resource_changes"})
    plan["resource_changes"] = [_resource(r) for r in spec.get("resource_changes", [])]
    return json.dumps(plan, indent=1)


def generated_plan(destroy: int, keep: int) -> str:
    """A plan destroying ``destroy`` instances and leaving ``keep`` untouched."""
    changes = [{"address": f"aws_instance.d{i}", "type": "aws_instance",
                "change": {"actions": ["delete"]}} for i in range(destroy)]
    changes += [{"address": f"aws_instance.k{i}", "type": "aws_instance",
                 "change": {"actions": ["no-op"]}} for i in range(keep)]
    return plan_text({"resource_changes": changes})


def _case(detector: str, name: str, raw: dict[str, Any]) -> DetectorCase:
    kind = InputKind(raw["kind"]) if "kind" in raw else None
    if "plan" in raw:
        text, path, kind = plan_text(raw["plan"]), raw.get("path", "plan.json"), \
            InputKind.TERRAFORM_PLAN
    elif "plan_generate" in raw:
        text = generated_plan(**raw["plan_generate"])
        path, kind = raw.get("path", "plan.json"), InputKind.TERRAFORM_PLAN
    elif "input_file" in raw:
        file = ROOT / "fixtures" / raw["input_file"]
        text, path = file.read_text(encoding="utf-8"), raw.get("path", raw["input_file"])
    elif "input_json" in raw:
        text, path = json.dumps(raw["input_json"]), raw.get("path", "input.json")
    else:
        text, path = str(raw["input"]), str(raw.get("path", "input.txt"))
    return DetectorCase(detector, name, text, path, kind, list(raw.get("expect") or []),
                        dict(raw.get("intent") or {}), raw.get("known_gap"), raw)


def load_table(path: Path) -> list[DetectorCase]:
    """All cases of one table file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    detector = str(data["detector"])
    return [_case(detector, name, raw) for name, raw in (data.get("cases") or {}).items()]


def load_all() -> list[DetectorCase]:
    """Every case of every table."""
    return [case for table in sorted(TABLES.glob("*.yaml")) for case in load_table(table)]


def documents_for(text: str, path: str, kind: InputKind | None = None) -> list[Document]:
    """The documents the service would review: the artifact's and those derived from diffs."""
    outcome = parse_artifact(Artifact(path, text, kind))
    documents = list(outcome.documents)
    for doc in outcome.documents:
        if isinstance(doc, DiffDocument):
            documents.extend(derive_documents(doc, None)[0])
    return documents


def run_text(cls: type[Detector[Any]], text: str, path: str,
             kind: InputKind | None = None, intent: dict[str, Any] | None = None) -> list[Finding]:
    """Run one detector over an artifact the way the service does (strict: crashes raise).

    Change-level detectors (intent) need every other detector's findings and the stated
    intent, so they go through the whole review.
    """
    if InputKind.CHANGE in cls.kinds:
        intent = intent or {}
        verdict = review(ReviewRequest(
            artifacts=[Artifact(path, text, None if kind is InputKind.CHANGE else kind)],
            title=str(intent.get("title", "")), description=str(intent.get("description", "")),
            ai_assisted=bool(intent.get("ai_assisted", False)), strict=True))
        return [f for f in verdict.findings if f.code == cls.code]
    return run_detectors([cls], documents_for(text, path, kind), strict=True).findings


def project(finding: Finding, keys: set[str]) -> dict[str, Any]:
    """The finding reduced to the keys a case asserts."""
    full: dict[str, Any] = {
        "code": finding.code,
        "path": finding.location.path,
        "line": finding.location.line,
        "address": finding.location.address,
        "severity": finding.severity.value,
        "confidence": finding.confidence.value,
    }
    return {k: full[k] for k in EXPECT_KEYS if k in keys}


def run_case(case: DetectorCase) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(got, expected), both projected on the keys the case names and sorted."""
    cls = by_code(case.detector)
    findings = run_text(cls, case.text, case.path, case.kind, case.intent)
    keys = {k for item in case.expect for k in item} or {"code", "address", "line"}
    got = sorted((project(f, keys) for f in findings), key=repr)
    expected = sorted((dict(item) for item in case.expect), key=repr)
    return got, expected
