"""The ``fake_github`` fixture: a fake GitHub REST API on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.github.fake_github import FakeGitHub


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    with FakeGitHub() as gh:
        yield gh
