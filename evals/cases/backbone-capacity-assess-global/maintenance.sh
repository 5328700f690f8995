#!/usr/bin/env bash
# Backbone maintenance job (reconstructed; the real command is not public).
set -euo pipefail
netctl audit --command "capacity-assess" --ticket NET-88231
netctl capacity-assess --scope global --drain --links all --ticket NET-88231
