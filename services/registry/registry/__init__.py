"""Registry service: households and individuals, the source of truth for "who"."""
