"""Bulk import of households from field surveys (CSV, JSON, XLSX), streamed in chunks.

``formats`` reads rows, ``layout`` says what the columns mean, ``rows`` validates one
row against the registration contract, ``writer`` applies a chunk to the households
collection (create, update or leave alone, events in the outbox), ``job`` runs a whole
file and reports. Typical use::

    writer = HouseholdWriter(households, source="survey-2025-oran", user_id=..., protector=..., within=caller.area)
    report = run_import(lambda: read_rows(open(path, "rb"), format_of(path)), writer, dry_run=True)
"""
