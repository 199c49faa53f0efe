"""The solidarity service's pure domain: campaigns, donors, gifts, pledges, bequests, receipts.

Plain typed values and rules; no nameko, no database. Every refusal is a
``common.errors`` error whose ``details["code"]`` is stable (see :mod:`common.refusals`).
"""
