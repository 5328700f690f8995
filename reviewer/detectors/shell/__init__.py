"""Detectors for shell scripts and CI run steps (codes SH…).

``DETECTORS`` is this family's part of the explicit registry, sorted by code.
"""

from __future__ import annotations

from typing import Any, Final

from reviewer.detectors.base import Detector
from reviewer.detectors.shell.sh001_rm_rf_dangerous_target import RmRfDangerousTarget
from reviewer.detectors.shell.sh002_infrastructure_teardown_command import (
    InfrastructureTeardownCommand,
)
from reviewer.detectors.shell.sh003_kubernetes_destructive_command import (
    KubernetesDestructiveCommand,
)
from reviewer.detectors.shell.sh004_cloud_data_deletion_command import CloudDataDeletionCommand
from reviewer.detectors.shell.sh005_database_cli_destruction import DatabaseCliDestruction
from reviewer.detectors.shell.sh006_git_history_destruction import GitHistoryDestruction
from reviewer.detectors.shell.sh007_host_destruction_command import HostDestructionCommand
from reviewer.detectors.shell.sh008_volume_wipe_or_pipe_to_shell import VolumeWipeOrPipeToShell
from reviewer.detectors.shell.sh009_bulk_or_global_operation import BulkOrGlobalOperation
from reviewer.detectors.shell.sh010_database_data_dir_removed import DatabaseDataDirRemoved

DETECTORS: Final[tuple[type[Detector[Any]], ...]] = (
    RmRfDangerousTarget,
    InfrastructureTeardownCommand,
    KubernetesDestructiveCommand,
    CloudDataDeletionCommand,
    DatabaseCliDestruction,
    GitHistoryDestruction,
    HostDestructionCommand,
    VolumeWipeOrPipeToShell,
    BulkOrGlobalOperation,
    DatabaseDataDirRemoved,
)
