"""The carte sociale printed: the map as a PNG, charts, the indicator sheet as a bilingual PDF."""
