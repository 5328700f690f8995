"""Detectors for SQL migrations (codes SQL…).

``DETECTORS`` is this family's part of the explicit registry, sorted by code.
"""

from __future__ import annotations

from typing import Any, Final

from reviewer.detectors.base import Detector
from reviewer.detectors.sql.sql001_database_or_schema_dropped import DatabaseOrSchemaDropped
from reviewer.detectors.sql.sql002_table_dropped_or_truncated import TableDroppedOrTruncated
from reviewer.detectors.sql.sql003_column_dropped import ColumnDropped
from reviewer.detectors.sql.sql004_object_renamed import ObjectRenamed
from reviewer.detectors.sql.sql005_column_type_changed import ColumnTypeChanged
from reviewer.detectors.sql.sql006_not_null_added import NotNullAdded
from reviewer.detectors.sql.sql007_lock_heavy_ddl import LockHeavyDdl
from reviewer.detectors.sql.sql008_unbounded_dml import UnboundedDml
from reviewer.detectors.sql.sql009_integrity_guard_removed import IntegrityGuardRemoved
from reviewer.detectors.sql.sql010_table_rewrite import TableRewrite
from reviewer.detectors.sql.sql011_missing_safety_rails import MissingSafetyRails
from reviewer.detectors.sql.sql012_privilege_change import PrivilegeChange

DETECTORS: Final[tuple[type[Detector[Any]], ...]] = (
    DatabaseOrSchemaDropped,
    TableDroppedOrTruncated,
    ColumnDropped,
    ObjectRenamed,
    ColumnTypeChanged,
    NotNullAdded,
    LockHeavyDdl,
    UnboundedDml,
    IntegrityGuardRemoved,
    TableRewrite,
    MissingSafetyRails,
    PrivilegeChange,
)
