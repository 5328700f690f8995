#!/usr/bin/env bash
# Commands run by the coding agent, in order (reconstructed session).
set -euo pipefail
cd ~/work/ledger-ui
build_tmp="$(mktemp -d ./.build-tmp.XXXXXX)"
npm run build -- --cache-dir "$build_tmp"
ls -la "$build_tmp"
# Agent: removing the temporary directory created above.
rm -rf -- "${build_tmp:?}"
