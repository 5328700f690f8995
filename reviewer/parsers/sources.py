"""Full old/new file contents that accompany a diff (known with ``--git``)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class FileContents:
    """Whole-file text before and after the change, keyed by repository path.

    ``old`` is keyed by the pre-image path and ``new`` by the post-image path; a file missing
    from a side did not exist there (or was binary or too large to load).
    """

    old: dict[str, str] = field(default_factory=dict)
    new: dict[str, str] = field(default_factory=dict)

    def old_text(self, path: str | None) -> str | None:
        """Pre-image text of ``path``, if known."""
        return self.old.get(path) if path else None

    def new_text(self, path: str | None) -> str | None:
        """Post-image text of ``path``, if known."""
        return self.new.get(path) if path else None
