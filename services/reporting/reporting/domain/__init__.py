"""Reporting rules: pure functions over figures (no database, no broker)."""
