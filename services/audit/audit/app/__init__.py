"""The audit service's use cases, over the ports of :mod:`audit.app.ports`."""
