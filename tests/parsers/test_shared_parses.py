"""Work the diff parser saves must not change what it reads.

- a ``.tf`` file's new side, rebuilt from its hunks, is parsed once for the hunks' symbols
  and the whole-file HCL document (``treesitter.share``);
- well-formed hunks are read without unidiff when unidiff would read them the same way.

Each saving is checked against the slower path on real ``git diff`` output.
"""

from __future__ import annotations

import random
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tree_sitter import Parser

from reviewer.parsers import treesitter
from reviewer.parsers.derive import derive_documents
from reviewer.parsers.diff import DiffDocument, _Reader, parse_diff
from reviewer.parsers.hcl import HclFile, parse_hcl
from reviewer.parsers.syntax import annotate_hunks, side_text
from tests.parsers.test_syntax import GO, HCL, JAVA, JAVASCRIPT, PYTHON, TYPESCRIPT

ROOT = Path(__file__).resolve().parents[2]
MAIN_TF = (ROOT / "fixtures" / "inputs" / "hcl" / "main.tf").read_text(encoding="utf-8")
SAMPLES = {"main.tf": MAIN_TF, "sample.tf": HCL, "pay.py": PYTHON, "pay.go": GO,
           "api.ts": TYPESCRIPT, "handlers.js": JAVASCRIPT, "Shop.java": JAVA}
EDITS = ("  # reviewed", "  enabled = false", "    return None", "}", "", "x = 1",
         "resource \"aws_s3_bucket\" \"logs\" {", "  tags = { Team = \"core\" }")


def _git_diff(tmp_path: Path, name: str, old: str, new: str) -> str:
    """Real ``git diff`` output for one file changed from ``old`` to ``new``."""
    a, b = tmp_path / "a" / name, tmp_path / "b" / name
    for path, text in ((a, old), (b, new)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    proc = subprocess.run(["git", "diff", "--no-index", "--no-color", "-U3", str(a), str(b)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout


def _edited(text: str, rng: random.Random) -> str:
    """``text`` with a few lines replaced, inserted or deleted (deterministic)."""
    lines = text.split("\n")
    for _ in range(rng.randint(1, 5)):
        at = rng.randrange(len(lines))
        action = rng.random()
        if action < 0.4:
            lines[at] = lines[at] + "  # changed" if lines[at].strip() else rng.choice(EDITS)
        elif action < 0.8:
            lines.insert(at, rng.choice(EDITS))
        elif len(lines) > 3:
            del lines[at]
    return "\n".join(lines)


def _real_diffs(tmp_path: Path, rounds: int) -> Iterator[tuple[str, str]]:
    rng = random.Random(20261122)  # noqa: S311 - deterministic test edits
    for name, text in SAMPLES.items():
        for k in range(rounds):
            diff = _git_diff(tmp_path / f"{k}", name, text, _edited(text, rng))
            if diff:
                yield name, diff


def _take_all() -> None:
    """Take every shared tree (a test must not leave trees for the next one)."""
    with treesitter._shared_lock:
        treesitter._shared.clear()
        treesitter._shared_chars = 0


@pytest.fixture(autouse=True)
def _no_shared_trees() -> Iterator[None]:
    _take_all()
    yield
    _take_all()


class _Counting:
    """Counts real tree-sitter parses (shared trees taken are not parses)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.parses = 0
        real = treesitter.parser

        def counting(name: str) -> Parser:
            self.parses += 1
            return real(name)

        monkeypatch.setattr(treesitter, "parser", counting)


# --------------------------------------------------------------------------- shared trees


def test_a_shared_tree_is_taken_once() -> None:
    text = 'resource "a" "b" {\n  x = 1\n}\n'
    tree = treesitter.parse("hcl", text)
    treesitter.share("hcl", text, tree)
    assert treesitter.parse("python", text) is not tree  # another grammar: parsed anew
    assert treesitter.parse("hcl", text) is tree
    assert treesitter.parse("hcl", text) is not tree  # taken: the next parse is its own
    assert not treesitter._shared
    assert treesitter._shared_chars == 0


def test_shared_trees_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(treesitter, "_SHARED_ENTRIES", 3)
    monkeypatch.setattr(treesitter, "_SHARED_CHARS", 40)
    texts = [f"x{i} = {i}\n" for i in range(5)]
    trees = [treesitter.parse("hcl", t) for t in texts]
    for text, tree in zip(texts, trees, strict=True):
        treesitter.share("hcl", text, tree)
    assert len(treesitter._shared) == 3  # the two oldest were dropped
    assert treesitter.parse("hcl", texts[0]) is not trees[0]
    assert treesitter.parse("hcl", texts[4]) is trees[4]
    treesitter.share("hcl", "y" * 41, trees[0])  # larger than the whole budget: not kept
    assert ("hcl", "y" * 41) not in treesitter._shared
    assert treesitter._shared_chars == sum(len(t) for t in texts[2:4])


def test_rebuilt_side_matches_the_lines_the_hunks_show(tmp_path: Path) -> None:
    doc = parse_diff(_git_diff(tmp_path, "main.tf", MAIN_TF,
                               MAIN_TF.replace("\n}\n", "\n  # end\n}\n", 1)), "d")
    text, gapless = side_text(doc.files[0].hunks, True)
    lines = text.split("\n")
    for hunk in doc.files[0].hunks:
        for line in hunk.lines:
            if line.new_lineno is not None:
                assert lines[line.new_lineno - 1] == line.text
    assert not gapless  # the diff shows only part of the file
    assert side_text((), True) == ("", False)


def test_symbols_read_from_a_shared_rebuilt_side_equal_hunks_read_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counting = _Counting(monkeypatch)
    compared = saved = 0
    for _name, diff in _real_diffs(tmp_path, rounds=12):
        for change in parse_diff(diff, "d").files:
            language = change.language
            if not change.hunks or language is None:
                continue
            counting.parses = 0
            alone = annotate_hunks(language, change.hunks)
            alone_parses = counting.parses
            counting.parses = 0
            shared = annotate_hunks(language, change.hunks, share_new=True)
            assert shared == alone, change.path
            text = side_text(change.hunks, True)[0]
            if text and any(line.kind == "+" for h in change.hunks for line in h.lines):
                # the rebuilt side's tree waits for the next parse of the same text
                before = counting.parses
                treesitter.parse(language, text)
                assert counting.parses == before
            # one parse of the rebuilt side replaces the parses of the hunks it answered
            saved += alone_parses - (counting.parses - 1)
            compared += len(change.hunks)
            _take_all()
    assert compared > 100
    assert saved > 0


def test_tf_hunks_and_whole_file_document_share_one_parse(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # two hunks, each holding whole small blocks around its changes
    new = MAIN_TF.replace('"~> 4.0"', '"~> 5.0"').replace("/orders-dlq", "/orders-dead") \
        .replace("sensitive = false", "sensitive = true")
    diff = _git_diff(tmp_path, "infra/main.tf", MAIN_TF, new)
    reference = parse_hcl(side_text(parse_diff(diff, "d").files[0].hunks, True)[0], "b")
    _take_all()
    counting = _Counting(monkeypatch)
    doc = parse_diff(diff, "d")
    change = doc.files[0]
    hunks_parsed = counting.parses
    assert len(change.hunks) == 2
    assert hunks_parsed == 1  # all read from the rebuilt side, not one by one
    documents, _ = derive_documents(doc, None)
    assert counting.parses == hunks_parsed  # the HCL document took the shared tree
    assert not treesitter._shared
    (hcl,) = documents
    assert isinstance(hcl, HclFile)
    assert hcl.blocks == reference.blocks
    assert hcl.problems == reference.problems
    assert [(h.symbol, h.symbol_kind) for h in change.hunks] == [
        ("module.queue", "module"), ("import", "import")]
    assert annotate_hunks("hcl", change.hunks) == [
        (h.symbol, h.symbol_kind) for h in change.hunks]


# --------------------------------------------------------------------------- unidiff


def _unidiff_only(monkeypatch: pytest.MonkeyPatch, text: str) -> DiffDocument:
    with monkeypatch.context() as patch:
        patch.setattr(_Reader, "plain", lambda self, builder: False)
        return parse_diff(text, "d")


def _all_diff_fixtures() -> list[Path]:
    return sorted([*ROOT.joinpath("fixtures").rglob("*.diff"),
                   *ROOT.joinpath("fixtures").rglob("*.patch")])


def test_plain_files_are_read_as_unidiff_reads_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in _all_diff_fixtures()]
    texts += [diff for _, diff in _real_diffs(tmp_path, rounds=3)]
    # no line ending at the end of either side, an empty context line, a deleted file
    texts.append(_git_diff(tmp_path / "eol", "a.py", "a\n\nb\nc", "a\n\nb\nd"))
    texts.append(_git_diff(tmp_path / "eol2", "a.py", "a\nb\n", "a\nb\nc"))
    assert len(texts) > 20
    plain = 0
    real_plain = _Reader.plain

    def spying(self: _Reader, builder: object) -> bool:
        nonlocal plain
        found = real_plain(self, builder)  # type: ignore[arg-type]
        plain += found
        return found

    for text in texts:
        with monkeypatch.context() as patch:
            patch.setattr(_Reader, "plain", spying)
            fast = parse_diff(text, "d")
        assert fast == _unidiff_only(monkeypatch, text)
    assert plain > 20


def test_other_marker_texts_are_left_to_unidiff(monkeypatch: pytest.MonkeyPatch) -> None:
    text = ("diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n"
            " a\n-b\n+c\n\\ Kein Zeilenumbruch am Dateiende.\n")
    calls: list[bool] = []
    real_unidiff = _Reader.unidiff_lines

    def spying(self: _Reader, builder: object) -> object:
        calls.append(True)
        return real_unidiff(self, builder)  # type: ignore[arg-type]

    monkeypatch.setattr(_Reader, "unidiff_lines", spying)
    doc = parse_diff(text, "d")
    assert calls == [True]
    assert [line.text for line in doc.files[0].hunks[0].lines] == ["a", "b", "c"]
