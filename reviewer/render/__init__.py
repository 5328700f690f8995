"""Renderers: a verdict in, text out (terminal, markdown, JSON, Slack). Pure functions."""

from __future__ import annotations

from reviewer.render.json_out import render_json
from reviewer.render.markdown import render_markdown
from reviewer.render.slack_blocks import SlackMessage, verdict_message
from reviewer.render.terminal import render_terminal

__all__ = ["SlackMessage", "render_json", "render_markdown", "render_terminal", "verdict_message"]
