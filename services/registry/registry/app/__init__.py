"""The registry's use cases: plain functions over the ports of ``registry.app.ports``."""
