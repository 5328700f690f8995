#!/usr/bin/env bash
# Retire the legacy asset-tracker app (reconstructed invocation of the existing script).
set -euo pipefail

IDS_FILE=asset_tracker_cleanup_ids.txt   # 883 lines, e.g. site-7f3c2a91-5d0e-4b7a-9c61-2e8f0a4d1b33
API=https://provisioning.internal.example/api/v2

while read -r id; do
  curl -fsS -X DELETE -H "Authorization: Bearer ${PROVISIONING_TOKEN}" \
    "${API}/resources/${id}?mode=permanent"
done < "${IDS_FILE}"
