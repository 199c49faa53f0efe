"""Reporting service: read models built from every service's events."""
