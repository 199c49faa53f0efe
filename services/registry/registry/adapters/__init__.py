"""The registry's MongoDB adapters: one module per collection, its only writer."""
