"""The registry's entrypoints in groups, one module per concern, each a mixin of ``RegistryBase``."""
