"""LLM tests: the request guard is in tests/conftest.py (loopback servers only)."""

from __future__ import annotations
