"""nameko (eventlet) side of the shared plumbing: dependency providers and entrypoints."""
