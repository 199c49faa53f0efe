"""The assistance service's entrypoints in groups, one module per concern, each a mixin of ``AssistanceBase``."""
