"""The review store on real SQLite (always) and PostgreSQL (when configured)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reviewer.errors import StoreError
from reviewer.models import Decision, Intent, RiskLevel
from reviewer.store import Store, default_url
from reviewer.verdict.model import Verdict

ROOT = Path(__file__).resolve().parents[2]


def _verdict(risk: RiskLevel = RiskLevel.HIGH) -> Verdict:
    return Verdict(risk=risk, score=70, decision=Decision.REVIEW, summary="drops a table",
                   intent=Intent(title="cleanup"))


def _review(store: Store, sha: str = "a" * 40, subject: str = "acme/api#7") -> str:
    return store.create_review(subject=subject, head_sha=sha, requested_by="U1",
                               source="slash-command", verdict=_verdict(), channel="C1",
                               thread_ts="1.0").id


def test_review_round_trip(db_url: str) -> None:
    store = Store.from_url(db_url)
    rid = _review(store)
    store.set_message(rid, "C1", "123.456")
    got = store.review(rid)
    assert got is not None
    assert (got.subject, got.head_sha, got.requested_by, got.risk) == (
        "acme/api#7", "a" * 40, "U1", "high")
    assert (got.channel, got.message_ts, got.thread_ts) == ("C1", "123.456", "1.0")
    assert got.verdict.summary == "drops a table"
    assert got.created_at.tzinfo is not None
    assert store.review("rv_missing") is None
    assert [r.id for r in store.reviews_for("acme/api#7")] == [rid]
    store.close()


def test_acknowledge_and_approve_are_idempotent(db_url: str) -> None:
    store = Store.from_url(db_url)
    rid = _review(store)
    first, created = store.acknowledge(rid, "U2")
    again, created_again = store.acknowledge(rid, "U2")
    assert created
    assert not created_again
    assert again.at == first.at
    assert [a.user for a in store.acknowledgements(rid)] == ["U2"]
    approval, created = store.approve(rid, "USENIOR")
    _, created_again = store.approve(rid, "USENIOR")
    assert created
    assert not created_again
    assert approval.head_sha == "a" * 40
    assert [a.user for a in store.approvals(rid)] == ["USENIOR"]
    with pytest.raises(StoreError, match="rv_nope: not found"):
        store.approve("rv_nope", "USENIOR")
    with pytest.raises(StoreError, match="rv_nope: not found"):
        store.acknowledge("rv_nope", "U2")
    store.close()


def test_approval_counts_for_its_head_commit_only(db_url: str) -> None:
    store = Store.from_url(db_url)
    old = _review(store, sha="1" * 40)
    store.approve(old, "USENIOR")
    assert [a.user for a in store.approvals_for("acme/api#7", "1" * 40)] == ["USENIOR"]
    assert store.approvals_for("acme/api#7", "2" * 40) == []
    assert store.approvals_for("acme/other#7", "1" * 40) == []
    new = _review(store, sha="2" * 40)
    store.approve(new, "USENIOR")
    store.approve(new, "UOTHER")
    again = _review(store, sha="2" * 40)  # a second review of the same commit
    store.approve(again, "USENIOR")
    users = [a.user for a in store.approvals_for("acme/api#7", "2" * 40)]
    assert users == ["USENIOR", "UOTHER"]
    store.close()


def test_restart_keeps_reviews_and_approvals(db_url: str) -> None:
    first = Store.from_url(db_url)
    rid = _review(first)
    first.approve(rid, "USENIOR")
    first.acknowledge(rid, "U2")
    first.request_senior_review(rid, "U3")
    first.claim_delivery("Ev1")
    first.close()
    second = Store.from_url(db_url)
    assert second.review(rid) is not None
    assert [a.user for a in second.approvals_for("acme/api#7", "a" * 40)] == ["USENIOR"]
    assert [a.user for a in second.acknowledgements(rid)] == ["U2"]
    request, created = second.request_senior_review(rid, "U4")
    assert not created
    assert request.requested_by == "U3"
    assert not second.claim_delivery("Ev1")
    second.close()


def test_two_stores_racing_claim_each_delivery_once(db_url: str) -> None:
    stores = [Store.from_url(db_url), Store.from_url(db_url)]
    keys = [f"Ev{i}" for i in range(40)]
    wins: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker(store: Store) -> None:
        barrier.wait()
        for key in keys:
            if store.claim_delivery(key):
                with lock:
                    wins.append(key)

    threads = [threading.Thread(target=worker, args=(stores[i % 2],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == sorted(keys)
    for store in stores:
        store.close()


_CLAIMER = """
import json, sys
from reviewer.store import Store
store = Store.from_url(sys.argv[1])
sys.stdin.readline()  # start together
won = [k for k in (f"Ev{i}" for i in range(60)) if store.claim_delivery(k)]
print(json.dumps(won))
"""


def test_two_processes_sharing_a_database_claim_each_delivery_once(db_url: str) -> None:
    Store.from_url(db_url).close()  # tables exist before the race
    procs = [subprocess.Popen([sys.executable, "-c", _CLAIMER, db_url], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = []
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        out, _ = p.communicate(timeout=120)
        assert p.returncode == 0
        outs.append(json.loads(out))
    assert sorted(outs[0] + outs[1]) == sorted(f"Ev{i}" for i in range(60))
    assert not set(outs[0]) & set(outs[1])


def test_prune_forgets_old_deliveries(db_url: str) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    store = Store.from_url(db_url, clock=lambda: now[0])
    assert store.claim_delivery("old")
    now[0] += timedelta(days=2)
    assert store.claim_delivery("new")
    assert store.prune_deliveries(now[0] - timedelta(days=1)) == 1
    assert store.claim_delivery("old")
    assert not store.claim_delivery("new")
    store.close()


def test_unreachable_database_is_one_line_without_the_password() -> None:
    with pytest.raises(StoreError) as info:
        Store.from_url("postgresql+psycopg://me:hunter2secret@127.0.0.1:1/nothing")
    message = str(info.value)
    assert "hunter2secret" not in message
    assert "\n" not in message
    assert message.startswith("database postgresql+psycopg://me:***@127.0.0.1:1/nothing")


def test_bad_url_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="not a database URL"):
        Store.from_url("this is not a url")


def test_default_url(tmp_path: Path) -> None:
    assert default_url({"REVIEWER_DATABASE_URL": "sqlite:///x.db"}) == "sqlite:///x.db"
    assert default_url({"XDG_DATA_HOME": str(tmp_path)}) == (
        f"sqlite:///{tmp_path / 'reviewer' / 'reviewer.db'}")
    store = Store.from_url(default_url({"XDG_DATA_HOME": str(tmp_path)}))
    assert (tmp_path / "reviewer" / "reviewer.db").is_file()
    store.close()
