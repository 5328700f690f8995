"""Detectors for Terraform / OpenTofu plans (``terraform show -json``)."""
