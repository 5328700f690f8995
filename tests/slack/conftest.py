"""Fixtures for the Slack app tests: fake Slack, fake GitHub, a database, the harness."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.github.fake_github import FakeGitHub
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import GITHUB_TOKEN, Harness
from tests.store.databases import BACKENDS, database_url


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(token=GITHUB_TOKEN) as fake:
        yield fake


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'slack-app.db'}"


@pytest.fixture(params=BACKENDS)
def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLite, and PostgreSQL when REVIEWER_TEST_DATABASE_URL is set."""
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def harness(slack: FakeSlack, github: FakeGitHub, sqlite_url: str) -> Iterator[Harness]:
    h = Harness(slack, github, sqlite_url)
    yield h
    h.close()
