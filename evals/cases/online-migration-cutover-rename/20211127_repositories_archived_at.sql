-- MySQL 8.0. Online migration of `repositories` through a ghost table (reconstructed).
-- Steps 1-3 ran for three weeks: create the ghost table, alter it, copy rows and replay binlog.
ALTER TABLE `_repositories_gho` ADD COLUMN `archived_at` DATETIME NULL DEFAULT NULL;

-- Step 4: cut-over. Atomic swap of the ghost table into place.
RENAME TABLE `repositories` TO `_repositories_del`, `_repositories_gho` TO `repositories`;
