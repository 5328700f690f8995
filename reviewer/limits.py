"""Limits shared by every layer (sizes, counts), kept in one place."""

from __future__ import annotations

#: Largest artifact read by default: a 10,000-resource plan with full before/after objects
#: is about 60 MB; four times that leaves room for large attribute maps.
DEFAULT_MAX_INPUT_BYTES = 256 * 1024 * 1024

#: Environment variable that overrides the size limit (bytes, or with a K/M/G suffix).
MAX_INPUT_ENV = "REVIEWER_MAX_INPUT_BYTES"


def parse_size(text: str) -> int:
    """Parse ``"512"``, ``"64K"``, ``"256M"`` or ``"1G"`` into a byte count.

    Raises:
        ValueError: when the text is not a positive size.
    """
    raw = text.strip().upper().removesuffix("B")
    factor = 1
    for suffix, mult in (("K", 1024), ("M", 1024**2), ("G", 1024**3)):
        if raw.endswith(suffix):
            raw, factor = raw[: -len(suffix)], mult
            break
    value = int(float(raw) * factor)
    if value <= 0:
        raise ValueError(f"size must be positive, got {text!r}")
    return value
