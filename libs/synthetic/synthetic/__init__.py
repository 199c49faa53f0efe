"""Generated data for benchmarks, tests and the demo: never installed in a production image.

people       persons with Maghrebi names and typed errors, for deduplication accuracy
assessments  precarity questionnaires, for the score benchmark and the demo
facts        eligibility facts of households, for the eligibility benchmark
demo         the demo data set seeded by ``make run``
"""
