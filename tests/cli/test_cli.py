"""The CLI: commands, formats, exit codes, and one-line errors for bad input."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reviewer.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "reviewer" / "demo" / "cost-env-recreate.plan.json"


def run(*argv: str, stdin: bytes | None = None,
        monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _plan(tmp_path: Path, *changes: dict[str, Any]) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"format_version": "1.2", "resource_changes": list(changes)}))
    return path


def _change(address: str, rtype: str, actions: list[str]) -> dict[str, Any]:
    return {"address": address, "mode": "managed", "type": rtype, "name": "x",
            "change": {"actions": actions, "before": {}, "after": None}}


def test_demo_is_critical_with_explaining_findings() -> None:
    code, out, _ = run("review", "--demo", "--llm", "off", "--format", "json")
    data = json.loads(out)
    assert data["risk"] in ("critical", "high")
    codes = {f["code"] for f in data["findings"]}
    assert {"TF001", "TF004"} <= codes
    assert any("skip_final_snapshot = true" in f["message"] for f in data["findings"])
    assert data["intent"]["title"] == "Fix rounding in the cost calculator"
    assert code == 1  # default --fail-on critical


def test_json_format_with_title(tmp_path: Path) -> None:
    plan = _plan(tmp_path, _change("aws_s3_bucket.logs", "aws_s3_bucket", ["delete"]))
    code, out, err = run("review", str(plan), "--title", "Fix rounding in cost calculator",
                         "--format", "json")
    data = json.loads(out)
    assert data["intent"]["title"] == "Fix rounding in cost calculator"
    assert data["findings"][0]["location"]["address"] == "aws_s3_bucket.logs"
    assert (code, err) == (1, "")


@pytest.mark.parametrize(("fail_on", "expected"), [("critical", 0), ("high", 1), ("medium", 1)])
def test_fail_on_threshold(tmp_path: Path, fail_on: str, expected: int) -> None:
    plan = _plan(tmp_path, _change("aws_instance.web", "aws_instance", ["delete"]),
                 _change("aws_lb.api", "aws_lb", ["delete", "create"]))
    # TF003 is high; nothing critical
    code, out, _ = run("review", str(plan), "--fail-on", fail_on, "--format", "json")
    assert json.loads(out)["risk"] == "high"
    assert code == expected


def test_low_risk_exits_zero_even_with_fail_on_low_is_one(tmp_path: Path) -> None:
    plan = _plan(tmp_path, _change("aws_instance.web", "aws_instance", ["create"]))
    assert run("review", str(plan))[0] == 0
    assert run("review", str(plan), "--fail-on", "low")[0] == 1


def test_stdin_input(monkeypatch: pytest.MonkeyPatch) -> None:
    body = json.dumps({"format_version": "1.2", "resource_changes": [
        _change("aws_db_instance.db", "aws_db_instance", ["delete"])]}).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(body)))
    code, out, _ = run("review", "-", "--format", "json")
    data = json.loads(out)
    assert data["findings"][0]["location"]["path"] == "<stdin>"
    assert code == 1


def test_markdown_and_text_formats(tmp_path: Path) -> None:
    plan = _plan(tmp_path, _change("aws_db_instance.db", "aws_db_instance", ["delete"]))
    _, md, _ = run("review", str(plan), "--format", "markdown")
    assert md.startswith("## 🔴 Change risk: **CRITICAL**")
    assert "| critical | `TF001` stateful-resource-deleted |" in md
    _, text, _ = run("review", str(plan), "--format", "text", "--color", "never")
    assert text.startswith("CRITICAL RISK")
    assert "\033[" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    _, coloured, _ = run("review", str(plan), "--color", "always")
    assert "\033[1;31mCRITICAL RISK" in coloured


def test_output_file(tmp_path: Path) -> None:
    plan = _plan(tmp_path, _change("aws_instance.web", "aws_instance", ["create"]))
    report = tmp_path / "verdict.json"
    code, out, _ = run("review", str(plan), "--format", "json", "-o", str(report))
    assert (code, out) == (0, "")
    assert json.loads(report.read_text())["risk"] == "low"


def test_select_and_ignore(tmp_path: Path) -> None:
    plan = _plan(tmp_path, _change("aws_db_instance.db", "aws_db_instance", ["delete"]))
    _, out, _ = run("review", str(plan), "--ignore", "TF001", "--format", "json")
    data = json.loads(out)
    assert "TF001" not in data["coverage"]["detectors_run"]
    assert all(f["code"] != "TF001" for f in data["findings"])
    code, _, err = run("review", str(plan), "--select", "ZZ9")
    assert code == 2
    assert "matches no detector" in err


# --- bad input: one line naming the file and the problem, exit 2, never a traceback -------


def _one_line_error(code: int, out: str, err: str, *needles: str) -> None:
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("reviewer: error: ")
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("empty.json", b"", "empty input"),
        ("blank.diff", b"   \n\n", "empty input"),
        ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
        ("latin1.sql", "DROP TABLE café;".encode("latin-1"), "not valid UTF-8"),
        ("broken.json", b'{"format_version": "1.2", "resource_changes": [', "invalid JSON"),
        ("other.json", b'{"name": "left-pad", "version": "1.0.0"}', "JSON of unknown shape"),
        ("list.json", b"[1, 2, 3]", "unknown shape"),
        ("notes.txt", b"just some words\nwith nothing to review\n", "cannot tell what kind"),
        ("bad.plan.json", b'{"format_version": "1.2", "resource_changes": [{"address": 1, '
         b'"change": {"actions": ["delete"]}}]}',
         "lacks 'address'"),
    ],
)
def test_bad_input_gives_one_line(tmp_path: Path, name: str, content: bytes, needle: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, out, err = run("review", str(path))
    _one_line_error(code, out, err, str(path), needle)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    code, out, err = run("review", str(tmp_path / "nope.json"))
    _one_line_error(code, out, err, "nope.json", "no such file")
    code, out, err = run("review", str(tmp_path))
    _one_line_error(code, out, err, "is a directory")


def test_file_over_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = _plan(tmp_path, _change("aws_instance.web", "aws_instance", ["create"]))
    code, out, err = run("review", str(plan), "--max-input-size", "64")
    _one_line_error(code, out, err, str(plan), "larger than the input limit of 64 bytes")
    monkeypatch.setenv("REVIEWER_MAX_INPUT_BYTES", "10")
    code, out, err = run("review", str(plan))
    _one_line_error(code, out, err, "REVIEWER_MAX_INPUT_BYTES")


def test_stdin_over_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"{" * 200)))
    code, out, err = run("review", "-", "--max-input-size", "100")
    _one_line_error(code, out, err, "<stdin>", "larger than the input limit")


def test_keep_going_records_bad_file_and_reviews_the_rest(tmp_path: Path) -> None:
    good = _plan(tmp_path, _change("aws_instance.web", "aws_instance", ["create"]))
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    code, out, err = run("review", str(good), str(bad), "--keep-going", "--format", "json",
                         "--fail-on", "high")
    data = json.loads(out)
    assert data["risk"] == "medium"  # fail closed: never low with an unread input
    assert data["coverage"]["errors"][0]["path"] == str(bad)
    assert data["coverage"]["analysed"][0]["path"] == str(good)
    assert (code, err) == (0, "")


def test_usage_errors_exit_2() -> None:
    code, _, err = run("review")
    assert code == 2
    assert "nothing to review" in err
    code, _, err = run("review", "--fail-on", "extreme", "x")
    assert code == 2
    assert "invalid choice" in err
    code, _, err = run("detectors", "explain", "XX999")
    assert code == 2
    assert "unknown detector code 'XX999'" in err


def test_detectors_list_and_explain() -> None:
    code, out, _ = run("detectors", "list", "--format", "json")
    rows = json.loads(out)
    assert code == 0
    tf001 = next(r for r in rows if r["code"] == "TF001")
    assert tf001 == {**tf001, "name": "stateful-resource-deleted", "family": "terraform",
                     "severity": "critical", "kinds": ["terraform-plan"]}
    code, out, _ = run("detectors", "list")
    assert code == 0
    assert out.splitlines()[0].startswith("TF001")
    code, out, _ = run("detectors", "explain", "tf001")
    assert code == 0
    assert "# TF001 stateful-resource-deleted" in out
    assert "## Safer alternative" in out


def test_schema_describes_verdict() -> None:
    code, out, _ = run("schema")
    schema = json.loads(out)
    assert code == 0
    assert {"risk", "score", "decision", "summary", "intent", "findings", "blast_radius",
            "coverage", "llm"} <= set(schema["properties"])


def test_python_m_reviewer_and_console_script() -> None:
    proc = subprocess.run([sys.executable, "-m", "reviewer", "review", "--demo", "--format",
                           "json"], capture_output=True, text=True, check=False)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["decision"] == "block"
    exe = Path(sys.executable).with_name("reviewer")
    proc = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    assert proc.stdout.startswith("reviewer ")
