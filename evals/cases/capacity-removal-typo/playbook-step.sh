#!/usr/bin/env bash
# Playbook step (reconstructed; the real tool is internal).
set -euo pipefail
fleetctl capacity list --subsystem billing --region us-east-1
fleetctl capacity remove --subsystem billing --region us-east-1 --count 300 --yes
