"""Random bytes and mutated real inputs through reading, every parser, and a whole review.

The property: the reviewer either produces a document / verdict or raises ``InputError``
with a one-line message naming the file. Never another exception, never a traceback, and a
review with unreadable parts is never ``low``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewer.errors import InputError
from reviewer.models import InputKind, RiskLevel
from reviewer.parsers import parse_artifact
from reviewer.parsers.base import Artifact
from reviewer.parsers.reading import decode
from reviewer.service import ReviewRequest, review

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = [
    *sorted(p for p in (ROOT / "fixtures" / "inputs").rglob("*")
            if p.is_file() and p.stat().st_size < 200_000),
    ROOT / "reviewer" / "demo" / "cost-env-recreate.plan.json",
]
KINDS = [None, *InputKind]


def _check_parse(data: bytes, path: str, kind: InputKind | None) -> None:
    try:
        artifact = decode(data, path, kind)
        parse_artifact(artifact)
    except InputError as exc:
        message = str(exc)
        assert "\n" not in message
        assert message.startswith(("<stdin>", path))


@given(data=st.binary(max_size=2048), kind=st.sampled_from(KINDS))
def test_random_bytes_never_crash_a_parser(data: bytes, kind: InputKind | None) -> None:
    _check_parse(data, "random.bin", kind)


@given(text=st.text(max_size=2048), kind=st.sampled_from(KINDS))
def test_random_text_never_crashes_a_parser(text: str, kind: InputKind | None) -> None:
    _check_parse(text.encode("utf-8", "surrogatepass"), "random.txt", kind)


def _mutations() -> st.SearchStrategy[tuple[Path, bytes]]:
    def mutate(path: Path, data: st.DataObject) -> tuple[Path, bytes]:
        raw = path.read_bytes()
        how = data.draw(st.sampled_from(["truncate", "drop_lines", "flip", "splice"]))
        if how == "truncate":
            cut = data.draw(st.integers(0, max(len(raw) - 1, 0)))
            return path, raw[:cut]
        lines = raw.splitlines(keepends=True)
        if how == "drop_lines" and lines:
            start = data.draw(st.integers(0, len(lines) - 1))
            stop = data.draw(st.integers(start, min(len(lines), start + 8)))
            return path, b"".join(lines[:start] + lines[stop:])
        if how == "flip" and raw:
            pos = data.draw(st.integers(0, len(raw) - 1))
            byte = data.draw(st.integers(0, 255))
            return path, raw[:pos] + bytes([byte]) + raw[pos + 1:]
        junk = data.draw(st.binary(max_size=64))
        pos = data.draw(st.integers(0, len(raw)))
        return path, raw[:pos] + junk + raw[pos:]

    return st.tuples(st.sampled_from(SAMPLES), st.data()).map(lambda t: mutate(*t))


@given(sample=_mutations())
def test_mutated_real_inputs_never_crash(sample: tuple[Path, bytes]) -> None:
    path, data = sample
    _check_parse(data, path.name, None)


@given(sample=_mutations())
def test_mutated_inputs_reviewed_with_keep_going_never_low_when_incomplete(
    sample: tuple[Path, bytes],
) -> None:
    path, data = sample
    request = ReviewRequest(raise_on_input_error=False)
    try:
        request.artifacts.append(decode(data, path.name))
    except InputError as exc:
        request.input_errors.append(exc)
    verdict = review(request)
    if verdict.coverage.errors:
        assert verdict.risk >= RiskLevel.MEDIUM


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_every_sample_parses_cleanly(sample: Path) -> None:
    outcome = parse_artifact(decode(sample.read_bytes(), sample.name))
    assert outcome.documents
    assert all(doc.describe() for doc in outcome.documents)
    assert isinstance(outcome.documents[0].path, str)


def test_artifact_kind_override_wins() -> None:
    outcome = parse_artifact(Artifact("weird.txt", '{"format_version": "1.2"}',
                                      InputKind.TERRAFORM_PLAN))
    assert outcome.documents[0].kind is InputKind.TERRAFORM_PLAN
