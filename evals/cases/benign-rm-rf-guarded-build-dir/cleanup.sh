#!/bin/sh
# Free space on the shared project volume (reconstructed).
set -eu
INTERMEDIATES=/projects/sequel/render/intermediates
[ -d "$INTERMEDIATES" ] || { echo "no $INTERMEDIATES" >&2; exit 1; }
du -sh "$INTERMEDIATES"
find "${INTERMEDIATES:?}" -mindepth 1 -mtime +14 -delete
