"""Code shared by every service and the gateway of the solidarity platform."""
