"""Aid requests: storage, the no-double-aid rule, payments and reconciliation, settings."""
