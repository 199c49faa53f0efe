"""The registry's entities and pure rules: no nameko, no database.

``dedup``, ``scoring``, ``importing`` and ``duplicates`` are pure too and stay where they were.
"""
