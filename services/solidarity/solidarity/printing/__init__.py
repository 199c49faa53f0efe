"""Printed documents of the solidarity service (receipts), as PDF.

(Named ``printing`` rather than ``documents``: ``solidarity/documents.py`` already holds the
service's MongoDB documents until its adapters take them over.)
"""
