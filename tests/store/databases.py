"""Test databases: a SQLite file always, PostgreSQL when REVIEWER_TEST_DATABASE_URL is set.

Each PostgreSQL test gets its own schema (dropped afterwards), so tests and concurrent
runs sharing one server never see each other's rows.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

TEST_DATABASE_URL_ENV = "REVIEWER_TEST_DATABASE_URL"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.skipif(
        not os.environ.get(TEST_DATABASE_URL_ENV),
        reason=f"{TEST_DATABASE_URL_ENV} is not set (no PostgreSQL server to test against)")),
]


@contextmanager
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL of ``backend``."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'reviewer-test.db'}"
        return
    base = os.environ[TEST_DATABASE_URL_ENV]
    name = "rt_" + secrets.token_hex(6)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        joiner = "&" if "?" in base else "?"
        yield f"{base}{joiner}options={quote(f'-csearch_path={name}')}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()
