"""Durable storage for reviews, approvals and de-duplicated deliveries (SQLAlchemy)."""

from reviewer.store.records import Acknowledgement, Approval, ReviewRecord, SeniorRequest
from reviewer.store.store import DATABASE_URL_ENV, Store, default_url

__all__ = ["DATABASE_URL_ENV", "Acknowledgement", "Approval", "ReviewRecord", "SeniorRequest",
           "Store", "default_url"]
