"""Native anthropic upstream converters (pure)."""
