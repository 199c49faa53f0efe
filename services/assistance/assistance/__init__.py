"""Assistance service: programmes, eligibility, aid requests and decisions."""
