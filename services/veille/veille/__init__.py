"""Veille (social watch) service: field signals of precarity and their escalation."""
