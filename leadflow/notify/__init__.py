"""Notifications: outbox rows written with the change that causes them, their delivery, and ops
notices."""
