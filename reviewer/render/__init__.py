"""Renderers: a verdict in, text out (terminal, markdown, JSON). Pure functions."""

from __future__ import annotations

from reviewer.render.json_out import render_json
from reviewer.render.markdown import render_markdown
from reviewer.render.terminal import render_terminal

__all__ = ["render_json", "render_markdown", "render_terminal"]
