"""Native gemini upstream converters (pure)."""
