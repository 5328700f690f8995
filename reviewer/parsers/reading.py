"""Read an artifact from disk or standard input, with the checks every input needs.

Each failure raises :class:`~reviewer.errors.InputError` whose message names the file and
the problem in one line: missing, a directory, empty, too large, binary, not UTF-8.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import BinaryIO

from reviewer.errors import InputError
from reviewer.limits import DEFAULT_MAX_INPUT_BYTES, MAX_INPUT_ENV, parse_size
from reviewer.models import InputKind
from reviewer.parsers.base import Artifact, Problem, ProblemLevel

_SNIFF = 8192


def max_input_bytes(override: int | None = None) -> int:
    """The configured input size limit: explicit value, then environment, then default."""
    if override is not None:
        return override
    env = os.environ.get(MAX_INPUT_ENV)
    if env:
        try:
            return parse_size(env)
        except ValueError as exc:
            raise InputError(MAX_INPUT_ENV, f"invalid size limit: {exc}") from exc
    return DEFAULT_MAX_INPUT_BYTES


def _human(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover - loop always returns


def _read_limited(stream: BinaryIO, path: str, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(path, f"larger than the input limit of {_human(limit)} "
                               f"(set {MAX_INPUT_ENV} or --max-input-size to raise it)")
    return data


def read_bytes(path: str, *, limit: int | None = None, stdin: BinaryIO | None = None) -> bytes:
    """Read raw bytes of ``path`` (``-`` = standard input) within the size limit."""
    cap = max_input_bytes(limit)
    if path == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        return _read_limited(stream, "<stdin>", cap)
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from exc
    if p.is_dir():
        raise InputError(path, "is a directory, not a file")
    if size > cap:
        raise InputError(path, f"file is {_human(size)}, larger than the input limit of "
                               f"{_human(cap)} (set {MAX_INPUT_ENV} or --max-input-size to "
                               "raise it)")
    try:
        with p.open("rb") as fh:
            return _read_limited(fh, path, cap)
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from exc


def looks_like_diff(text: str) -> bool:
    """True when the text has the markers of a unified diff or a git patch."""
    head = text[:_SNIFF * 4]
    return (
        "diff --git " in head
        or ("\n--- " in f"\n{head}" and "\n+++ " in head and "\n@@ " in head)
        or (head.startswith("From ") and "\nSubject: " in head)
    )


def decode(data: bytes, path: str, kind: InputKind | None = None) -> Artifact:
    """Decode bytes as UTF-8 text with the checks every artifact needs.

    A diff with undecodable bytes (a Latin-1 source file in the patch, say) is still read,
    with the bad bytes replaced and the fact recorded as a coverage error; any other input
    must be valid UTF-8.
    """
    display = "<stdin>" if path == "-" else path
    if not data.strip():
        raise InputError(display, "empty input: nothing to review")
    if b"\x00" in data[:_SNIFF]:
        raise InputError(display, "binary data, not a diff, plan, manifest or script")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", errors="replace")
        if kind in (None, InputKind.DIFF) and looks_like_diff(text):
            problem = Problem(
                display,
                f"not valid UTF-8 (first bad byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "undecodable bytes were replaced and those lines may be misread",
                ProblemLevel.ERROR,
            )
            return Artifact(display, text, kind, (problem,))
        raise InputError(
            display,
            f"not valid UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
        ) from None
    return Artifact(display, text, kind)


def read_artifact(
    path: str,
    *,
    kind: InputKind | None = None,
    limit: int | None = None,
    stdin: BinaryIO | None = None,
) -> Artifact:
    """Read and decode one artifact, raising InputError with a one-line reason."""
    return decode(read_bytes(path, limit=limit, stdin=stdin), path, kind)
