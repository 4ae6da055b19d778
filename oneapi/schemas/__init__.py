"""marshmallow schemas at the API boundary (one module per resource)."""
