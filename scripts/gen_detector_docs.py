"""Write docs/detectors/ from the detector registry; with --check, fail if it is stale."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reviewer.detectors.docs import all_pages

DOCS = Path(__file__).resolve().parents[1] / "docs" / "detectors"


def main() -> int:
    """Generate or check the detector docs."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when the docs are stale")
    args = parser.parse_args()
    pages = all_pages()
    stale = sorted(
        name for name, text in pages.items()
        if not (DOCS / name).exists() or (DOCS / name).read_text(encoding="utf-8") != text
    )
    existing = DOCS.glob("*.md") if DOCS.exists() else iter(())
    extra = sorted(p.name for p in existing if p.name not in pages)
    if args.check:
        if stale or extra:
            print(f"docs/detectors is stale (changed: {stale}, orphaned: {extra}); "
                  "run `make docs`", file=sys.stderr)
            return 1
        print(f"docs/detectors is up to date ({len(pages)} pages)")
        return 0
    DOCS.mkdir(parents=True, exist_ok=True)
    for name in extra:
        (DOCS / name).unlink()
    for name, text in pages.items():
        (DOCS / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(pages)} pages to {DOCS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
