"""Use cases of the solidarity service: plain functions over the ports of :mod:`solidarity.app.ports`."""
