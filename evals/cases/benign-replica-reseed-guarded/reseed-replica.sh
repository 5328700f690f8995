#!/usr/bin/env bash
# Runbook step: re-seed the replica (reconstructed).
set -euo pipefail

HOST=db2.cluster.forgehub.example
in_recovery=$(ssh "$HOST" "sudo -u forgehub-psql psql -tAc 'SELECT pg_is_in_recovery()'")
if [ "$in_recovery" != "t" ]; then
  echo "refusing: $HOST is not a replica" >&2
  exit 1
fi
ssh "$HOST" 'sudo forgehub-ctl stop postgresql'
ssh "$HOST" 'sudo mv /var/opt/forgehub/postgresql/data /var/opt/forgehub/postgresql/data.old-$(date +%s)'
ssh "$HOST" 'sudo -u forgehub-psql pg_basebackup -h db1.cluster.forgehub.example -D /var/opt/forgehub/postgresql/data -X stream -P'
