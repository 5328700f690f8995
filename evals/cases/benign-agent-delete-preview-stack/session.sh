#!/usr/bin/env bash
# Tool calls proposed by the coding agent, in order (reconstructed session).
set -euo pipefail
export AWS_PROFILE=finops-dev-sandbox
export AWS_REGION=eu-west-1

aws cloudformation describe-stacks --stack-name costlens-pr-1841
aws cloudformation describe-stack-resources --stack-name costlens-pr-1841 --query 'StackResources[].ResourceType'

# Agent: the stack only holds the preview Lambda, its API and log group; deleting it as asked.
aws cloudformation delete-stack --stack-name costlens-pr-1841
aws cloudformation wait stack-delete-complete --stack-name costlens-pr-1841
