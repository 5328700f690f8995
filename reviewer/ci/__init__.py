"""The CI gate: ``reviewer ci`` on GitHub Actions, GitLab CI or plain flags."""
