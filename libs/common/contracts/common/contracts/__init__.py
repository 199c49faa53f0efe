"""Pydantic models and event names shared by producers and consumers."""
