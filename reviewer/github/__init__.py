"""GitHub REST API client: pull requests, comments and reviews (stdlib HTTP, no SDK)."""
