#!/usr/bin/env bash
# Runbook step: re-seed the replica (reconstructed).
set -euo pipefail

ssh db1.cluster.forgehub.example 'sudo forgehub-ctl stop postgresql'
ssh db1.cluster.forgehub.example 'sudo rm -rf /var/opt/forgehub/postgresql/data'
ssh db1.cluster.forgehub.example 'sudo -u forgehub-psql pg_basebackup -h db2.cluster.forgehub.example -D /var/opt/forgehub/postgresql/data -X stream -P'
