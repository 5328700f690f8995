"""SQL family: down migrations and fixtures stay low, secrets stay masked, big files stay fast."""

from __future__ import annotations

import time

import pytest

from reviewer.detectors.sql import DETECTORS
from reviewer.detectors.sql._common import rename_table_pairs, tokenize, type_info, widening
from reviewer.models import Severity
from reviewer.parsers.sql import parse_sql
from tests.detectors.case_tables import ROOT, run_text

RISKY = """\
DROP SCHEMA analytics CASCADE;
DROP TABLE invoices;
TRUNCATE sessions;
ALTER TABLE users DROP COLUMN legacy_email;
ALTER TABLE users RENAME COLUMN email TO email_address;
ALTER TABLE orders ALTER COLUMN amount TYPE integer USING amount::integer;
ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;
CREATE INDEX idx_orders_customer ON orders (customer_id);
DELETE FROM order_events;
UPDATE users SET is_admin = true;
ALTER TABLE orders DROP CONSTRAINT orders_customer_id_fkey;
ALTER TABLE events ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();
GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO PUBLIC;
ALTER ROLE etl WITH SUPERUSER;
"""


def _findings(text: str, path: str) -> list[tuple[str, Severity, int | None]]:
    out = []
    for cls in DETECTORS:
        out += [(f.code, f.severity, f.location.line) for f in run_text(cls, text, path)]
    return out


def test_risky_up_migration_fires_every_family_member() -> None:
    codes = {code for code, _, _ in _findings(RISKY, "db/migrations/0001_risky.sql")}
    assert codes == {f"SQL{n:03d}" for n in range(1, 13)}


@pytest.mark.parametrize("path", ["db/migrations/0001_risky.down.sql",
                                  "db/migrations/down/0001_risky.sql",
                                  "db/migration/U1__risky.sql"])
def test_down_files_are_never_flagged(path: str) -> None:
    assert _findings(RISKY, path) == []


def test_goose_down_section_is_never_flagged() -> None:
    text = "-- +goose Up\nSELECT 1;\n-- +goose Down\n" + RISKY
    assert _findings(text, "db/migrations/0001_risky.sql") == []


def test_dbmate_down_section_is_never_flagged() -> None:
    text = "-- migrate:up\nCREATE TABLE t (id int);\n-- migrate:down\n" + RISKY
    assert _findings(text, "db/migrations/0001_risky.sql") == []


@pytest.mark.parametrize("path", ["tests/fixtures/reset.sql", "spec/db/seed_users.sql",
                                  "db/seeds.sql", "testdata/load.sql"])
def test_fixtures_and_seeds_are_low(path: str) -> None:
    found = _findings(RISKY, path)
    assert found
    assert all(sev <= Severity.LOW for _, sev, _ in found)


def test_passwords_are_masked_in_evidence() -> None:
    text = ("CREATE ROLE admin2 LOGIN SUPERUSER PASSWORD 'hunter2';\n"
            "GRANT ALL ON *.* TO 'etl'@'%' IDENTIFIED BY 's3cr3t-Pa55';\n"
            "ALTER USER app WITH ENCRYPTED PASSWORD 'md5abcdef' BYPASSRLS;\n")
    findings = [f for cls in DETECTORS for f in run_text(cls, text, "db/migrations/1.sql")]
    assert len(findings) >= 3
    for f in findings:
        for secret in ("hunter2", "s3cr3t-Pa55", "md5abcdef"):
            assert secret not in f.evidence
            assert secret not in f.message


def test_benign_expand_contract_drop_column_is_not_high() -> None:
    """incidents.md B5: the documented contract phase of an expand/contract removal."""
    text = ("-- Contract phase: orders.legacy_status has been in ignored_columns since\n"
            "-- release 2024.31 and unused since; backup taken (OPS-1412).\n"
            "SET lock_timeout = '3s';\n"
            "ALTER TABLE orders DROP COLUMN legacy_status;\n")
    found = _findings(text, "db/migrations/0099_orders.sql")
    assert found == [("SQL003", Severity.MEDIUM, 4)]


def test_shipped_sample_migrations() -> None:
    v42 = (ROOT / "fixtures/inputs/sql/V42__orders_audit.sql").read_text(encoding="utf-8")
    found = _findings(v42, "db/migration/V42__orders_audit.sql")
    assert ("SQL008", Severity.CRITICAL, 31) in found
    assert ("SQL002", Severity.CRITICAL, 37) in found
    # the concurrent index and the timeout set at the top are the safe versions
    assert not [f for f in found if f[0] in ("SQL007", "SQL011")]
    goose = (ROOT / "fixtures/inputs/sql/20240814093000_drop_legacy_invoices.sql").read_text(
        encoding="utf-8")
    found = _findings(goose, "db/migrations/20240814093000_drop_legacy_invoices.sql")
    assert ("SQL002", Severity.CRITICAL, 11) in found
    assert ("SQL004", Severity.HIGH, 12) in found
    assert all(line is not None and line < 14 for _, _, line in found)  # nothing from Down


def test_mysql_multi_pair_rename_is_read_pair_by_pair() -> None:
    """The parser keeps only the first old name of RENAME TABLE; the helper reads all pairs."""
    stmt = parse_sql("RENAME TABLE a TO b, `c` TO d;", "m.sql").statements[0]
    assert rename_table_pairs(stmt, True) == [("a", "b"), ("c", "d")]
    found = _findings("RENAME TABLE a TO b, `c` TO d;", "migrations/1.sql")
    assert [f for f in found if f[0] == "SQL004"] == [("SQL004", Severity.HIGH, 1)] * 2


def test_statements_inside_do_blocks_keep_file_lines() -> None:
    text = ("SET lock_timeout = '3s';\n"
            "DO $$\n"
            "BEGIN\n"
            "  IF EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'x') THEN\n"
            "    ALTER TABLE users DROP COLUMN legacy;\n"
            "    DELETE FROM audit_log;\n"
            "  END IF;\n"
            "END $$;\n")
    found = _findings(text, "db/migrations/2.sql")
    assert ("SQL003", Severity.HIGH, 5) in found
    assert ("SQL008", Severity.CRITICAL, 6) in found


def test_type_helpers() -> None:
    assert type_info("int unsigned").unsigned
    assert type_info("character varying(20)").base == "varchar"
    assert widening("varchar(20)", "text")
    assert widening("numeric(10,2)", "numeric(12,2)")
    assert widening("varchar(200)", "varchar(100)") is None
    assert widening("integer", "bigint") is None


def test_tokenizer_keeps_strings_comments_and_depth() -> None:
    toks = tokenize("SELECT 'a;b', \"Q\"\"x\" -- c\n FROM (t) /* x */ WHERE $b$ $$ $b$")
    kinds = [(t.kind, t.value) for t in toks]
    assert ("string", "a;b") in kinds
    assert ("qident", 'Q"x') in kinds
    assert ("string", " $$ ") in kinds
    assert [t.depth for t in toks if t.value == "T"] == [1]


def test_large_migration_is_fast() -> None:
    lines = ["SET lock_timeout = '3s';"]
    for i in range(400):
        lines += [
            f"CREATE TABLE t{i} (id bigint PRIMARY KEY, p{i} int REFERENCES t{max(i - 1, 0)}(id));",
            f"ALTER TABLE orders DROP CONSTRAINT c{i}, ALTER COLUMN z{i} SET NOT NULL;",
            f"ALTER TABLE orders ADD CONSTRAINT k{i} CHECK (a{i} IS NOT NULL) NOT VALID;",
            f"UPDATE old{i} SET a = 1 WHERE id = {i};",  # noqa: S608 - test input
            f"TRUNCATE x{i};",
            f"RENAME TABLE r{i} TO s{i};",
        ]
    doc = parse_sql("\n".join(lines), "db/migrations/big.sql")
    start = time.perf_counter()
    for cls in DETECTORS:
        list(cls().detect(doc))
    assert time.perf_counter() - start < 20
