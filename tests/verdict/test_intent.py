"""Stated intent completed from commits, and AI-assistance signals."""

from __future__ import annotations

from dataclasses import dataclass

from reviewer.verdict.intent import ai_signals, complete_intent


@dataclass
class _Commit:
    subject: str
    body: str
    trailers: tuple[tuple[str, str], ...] = ()


@dataclass
class _Doc:
    commits: tuple[_Commit, ...]


def test_coding_agent_co_author_trailer_marks_ai() -> None:
    reasons = ai_signals([], [("Co-authored-by", "Claude <noreply@anthropic.com>")])
    assert reasons == ["trailer Co-authored-by: Claude <noreply@anthropic.com>"]


def test_human_co_author_is_not_ai() -> None:
    assert ai_signals([], [("Co-authored-by", "Ana Lima <ana@example.com>")]) == []


def test_generated_with_line_marks_ai() -> None:
    reasons = ai_signals(["Fix totals\n\n🤖 Generated with [Claude Code](https://claude.com)"])
    assert reasons
    assert "Generated with" in reasons[0]


def test_trailer_inside_description_text() -> None:
    assert ai_signals(["Fix\n\nAssisted-by: Kiro"]) == ["trailer Assisted-by: Kiro"]


def test_title_and_description_from_single_commit() -> None:
    doc = _Doc((_Commit("Fix rounding", "Use half-even.",
                        (("Co-authored-by", "Copilot <copilot@github.com>"),)),))
    intent = complete_intent("", "", False, [doc])
    assert intent.title == "Fix rounding"
    assert intent.description == "Fix rounding\nUse half-even."
    assert intent.ai_assisted
    assert intent.ai_assisted_reasons == ("trailer Co-authored-by: Copilot <copilot@github.com>",)


def test_explicit_title_wins_and_flag_is_a_reason() -> None:
    doc = _Doc((_Commit("wip", ""),))
    intent = complete_intent("Fix totals", "desc", True, [doc])
    assert (intent.title, intent.description) == ("Fix totals", "desc")
    assert intent.ai_assisted_reasons[0].startswith("declared AI-assisted")


def test_no_signals_is_not_ai() -> None:
    intent = complete_intent("Fix", "Plain human change", False, [])
    assert not intent.ai_assisted
    assert intent.ai_assisted_reasons == ()
