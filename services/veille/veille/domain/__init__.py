"""Veille's pure domain: signals and their lifecycle, protected fields, SLA escalation, indicator alerts, pockets.

Imports no nameko, pymongo or mongoengine: adapters store these objects, use cases call these rules.
"""
