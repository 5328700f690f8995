"""Delivery de-duplication keys are pruned in the background once they are old."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reviewer.store import Store
from tests.github.fake_github import FakeGitHub
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import Harness


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_old_delivery_keys_are_pruned_at_most_hourly(
        slack: FakeSlack, github: FakeGitHub, sqlite_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    harness = Harness(slack, github, sqlite_url, clock=clock)
    prunes: list[datetime] = []
    real = Store.prune_deliveries

    def counted(store: Store, before: datetime) -> int:
        prunes.append(before)
        return real(store, before)

    monkeypatch.setattr(Store, "prune_deliveries", counted)
    try:
        assert harness.dispatch(harness.slash_body("help", trigger="old")).status == 200
        assert prunes == [clock.now - timedelta(hours=48)]  # the first claim prunes

        clock.now += timedelta(minutes=30)
        harness.dispatch(harness.slash_body("help", trigger="soon"))
        assert len(prunes) == 1  # not again within the hour
        assert not harness.store.claim_delivery("cmd:old", "command")  # still remembered

        clock.now += timedelta(hours=48)
        harness.dispatch(harness.slash_body("help", trigger="later"))
        assert len(prunes) == 2
        assert harness.store.claim_delivery("cmd:old", "command")  # forgotten: > 48 h old
        assert not harness.store.claim_delivery("cmd:later", "command")

        # A repeated delivery is dropped before any prune is considered.
        clock.now += timedelta(hours=2)
        harness.dispatch(harness.slash_body("help", trigger="later"))
        assert len(prunes) == 2
    finally:
        harness.close()
