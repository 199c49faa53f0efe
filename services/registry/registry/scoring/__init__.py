"""Vulnerability scoring of precarity assessments: declarative models, an explainable engine, batch recompute."""
