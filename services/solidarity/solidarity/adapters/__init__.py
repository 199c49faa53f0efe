"""MongoDB adapters of the solidarity service: one module per collection, its only writer."""
