"""Change-risk reviewer: reads a change before it ships and says how dangerous it is."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
