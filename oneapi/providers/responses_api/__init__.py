"""Native responses_api upstream converters (pure)."""
