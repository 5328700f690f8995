"""Durable storage for reviews, approvals and de-duplicated deliveries (SQLAlchemy)."""
