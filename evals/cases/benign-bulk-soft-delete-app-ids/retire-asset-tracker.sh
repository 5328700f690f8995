#!/usr/bin/env bash
# Retire the legacy asset-tracker app (reconstructed invocation of the existing script).
set -euo pipefail

IDS_FILE=asset_tracker_cleanup_ids.txt   # 883 lines, e.g. app-2c91d0e4-7a3b-4f5e-8d21-6b0a9c3e7f14
API=https://provisioning.internal.example/api/v2

while read -r id; do
  case "$id" in
    app-*) ;;
    *) echo "refusing: $id is not an app-installation id" >&2; exit 1 ;;
  esac
  curl -fsS -X POST -H "Authorization: Bearer ${PROVISIONING_TOKEN}" \
    "${API}/resources/${id}/mark-for-deletion"
done < "${IDS_FILE}"
