"""Run the selected detectors over parsed documents, isolating each one.

A detector that raises does not stop the review: the crash is recorded (and logged with its
traceback) and the verdict's coverage says which detector did not run on which file. With
``strict=True`` the crash is re-raised as :class:`~reviewer.errors.DetectorError`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reviewer.detectors.base import Detector
from reviewer.errors import DetectorError
from reviewer.models import Finding
from reviewer.parsers.base import Document

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DetectorCrash:
    """A detector that raised on a document."""

    code: str
    path: str
    error: str


@dataclass(slots=True)
class EngineResult:
    """Findings, crashes and per-detector timing of one run."""

    findings: list[Finding] = field(default_factory=list)
    crashes: list[DetectorCrash] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    detectors_run: set[str] = field(default_factory=set)


def run_detectors(
    detectors: Sequence[type[Detector[Any]]],
    documents: Iterable[Document],
    *,
    strict: bool = False,
) -> EngineResult:
    """Run every detector whose input kinds match each document."""
    result = EngineResult()
    instances = [cls() for cls in detectors]
    for doc in documents:
        for det in instances:
            if doc.kind not in det.kinds:
                continue
            start = time.perf_counter()
            try:
                result.findings.extend(det.detect(doc))
            except Exception as exc:
                if strict:
                    raise DetectorError(det.code, doc.path, exc) from exc
                log.exception("detector %s crashed on %s", det.code, doc.path)
                result.crashes.append(
                    DetectorCrash(det.code, doc.path, f"{type(exc).__name__}: {exc}")
                )
            finally:
                elapsed = (time.perf_counter() - start) * 1000
                result.timings_ms[det.code] = result.timings_ms.get(det.code, 0.0) + elapsed
                result.detectors_run.add(det.code)
    return result
