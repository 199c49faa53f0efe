"""The audit trail's storage (the only writer of the audit collections)."""
