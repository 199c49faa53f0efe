"""Audit service: the append-only, hash-chained trail of every audited request."""
