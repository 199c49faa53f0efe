"""Reference data shipped with the registry: Algeria's wilayas and communes as area records."""
