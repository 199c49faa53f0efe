"""Solidarity service: campaigns, donors, donations and their allocation."""
